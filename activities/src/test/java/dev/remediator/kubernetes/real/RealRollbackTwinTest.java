package dev.remediator.kubernetes.real;

import static dev.remediator.kubernetes.real.RealApi.BAD;
import static dev.remediator.kubernetes.real.RealApi.CONFIG;
import static dev.remediator.kubernetes.real.RealApi.GOOD;
import static dev.remediator.kubernetes.real.RealApi.NAME;
import static dev.remediator.kubernetes.real.RealApi.NS;
import static dev.remediator.kubernetes.real.RealApi.ROLLOUT;
import static dev.remediator.kubernetes.real.RealApi.TARGET;
import static dev.remediator.kubernetes.real.RealApi.admin;
import static dev.remediator.kubernetes.real.RealApi.createHealthy;
import static dev.remediator.kubernetes.real.RealApi.deployment;
import static dev.remediator.kubernetes.real.RealApi.get;
import static dev.remediator.kubernetes.real.RealApi.pods;
import static dev.remediator.kubernetes.real.RealApi.remove;
import static dev.remediator.kubernetes.real.RealApi.targets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.kubeplane.ControlPlaneExtension;
import dev.remediator.kubernetes.Deployments;
import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import dev.remediator.kubernetes.Rollouts;
import dev.remediator.kubernetes.dbpool.PoolSizeActivitiesImpl;
import dev.remediator.kubernetes.servicedown.WorkloadActivitiesImpl;
import dev.remediator.runbook.dbpool.PoolSettings.EnvValue;
import dev.remediator.runbook.dbpool.PoolSizeActivities;
import dev.remediator.runbook.servicedown.RollbackResult;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Service Down rollback ({@link WorkloadActivitiesImpl#rollback}, with the worker's token) against {@code kubectl
 * rollout undo --to-revision=N} (the cached kubectl, admin kubeconfig) on a twin Deployment with the same history, on
 * the real control plane (issue 28 item 3). After both rollouts complete, everything the controller and kubectl
 * decide is compared field by field: the pod template, the Deployment's revision and change-cause, which ReplicaSet
 * scaled up (the old one, renumbered), every ReplicaSet's revision, revision history and replicas, the Deployment's
 * replica counts and generation, and {@code kubectl rollout history}. The one intended difference, Remediator's own
 * {@code remediator.dev/*} annotations, is asserted as such.
 */
@ExtendWith(ControlPlaneExtension.class)
class RealRollbackTwinTest {
  /** The twin, rolled back by kubectl as the admin (deploy/'s Role does not name it, and need not). */
  static final String TWIN = "auth-service-twin";
  static final String POOL = "DATABASE_POOL_SIZE";
  static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";

  final TargetDirectory targets = targets(CONFIG);
  WorkloadActivitiesImpl workload;

  @BeforeEach
  void fresh() {
    workload = new WorkloadActivitiesImpl(targets, RealApi::worker);
    remove(NAME);
    remove(TWIN);
  }

  @AfterEach
  void cleanUp() {
    remove(NAME);
    remove(TWIN);
  }

  @Test
  void aPlainBadRolloutRollsBackAsKubectlRolloutUndoDoes() {
    List<List<String>> sets = List.of(new ArrayList<>(), new ArrayList<>());
    int i = 0;
    for (String name : List.of(NAME, TWIN)) {
      create(name);
      sets.get(i).add(newest(name).getMetadata().getName());
      release(name, BAD, "release 2.5.0");
      sets.get(i++).add(newest(name).getMetadata().getName());
    }

    RollbackResult ours = workload.rollback(TARGET, 2, "twin-1/rollback");
    assertThat(ours.refusal()).isNull();
    assertThat(List.of(ours.fromRevision(), ours.toRevision())).containsExactly(2L, 1L);
    Kubectl undo = kubectl("rollout", "undo", "deployment/" + TWIN, "--to-revision=" + ours.toRevision());
    assertThat(undo.exit()).as(undo.err()).isZero();
    awaitComplete(NAME);
    awaitComplete(TWIN);

    Snapshot[] pair = settledPair(sets);
    Snapshot mine = pair[0];
    Snapshot twin = pair[1];
    assertThat(ours.revisionAfter()).isEqualTo(3).isEqualTo(mine.revision());
    assertThat(mine.sets()).containsExactly(new SetState(3, "1", 3, "release 2.4.1"),
        new SetState(2, null, 0, "release 2.5.0"));
    assertThat(mine.images()).containsExactly(GOOD);
    assertThat(mine.annotations()).containsEntry(Deployments.CHANGE_CAUSE, "release 2.4.1");
    assertThat(mine.ours()).containsOnlyKeys(WorkloadActivitiesImpl.ROLLBACK_REQUEST,
        WorkloadActivitiesImpl.ROLLBACK_REVISIONS);
    assertThat(twin.ours()).isEmpty();
  }

  @Test
  void aRollbackPastARestartAndAPoolChangeRollsBackAsKubectlRolloutUndoToRevisionDoes() {
    PoolSizeActivitiesImpl poolSize = new PoolSizeActivitiesImpl(targets, RealApi::worker);
    List<List<String>> sets = List.of(new ArrayList<>(), new ArrayList<>());
    int i = 0;
    for (String name : List.of(NAME, TWIN)) {
      create(name);
      List<String> steps = sets.get(i++);
      steps.add(newest(name).getMetadata().getName());
      release(name, BAD, "release 2.5.0"); // revision 2: crash-loops
      steps.add(newest(name).getMetadata().getName());
      Kubectl restart = kubectl("rollout", "restart", "deployment/" + name); // revision 3: the on-call's try
      assertThat(restart.exit()).as(restart.err()).isZero();
      awaitRevision(name, 3);
      steps.add(newest(name).getMetadata().getName());
      if (name.equals(NAME)) {
        // The pool runbook's own change is refused while the bad release is rolling out ...
        ApplicationFailure refused = org.assertj.core.api.Assertions.catchThrowableOfType(
            () -> poolSize.setPoolSettings(TARGET, List.of(new EnvValue(POOL, "8"))), ApplicationFailure.class);
        assertThat(refused).isNotNull();
        assertThat(refused.getType()).isEqualTo(PoolSizeActivities.ROLLOUT_IN_PROGRESS);
      }
      // ... so an operator makes the same patch it would (the env entry in place, the pool annotations): revision 4.
      poolPatch(name, "20", "8");
      awaitRevision(name, 4);
      steps.add(newest(name).getMetadata().getName());
    }
    assertThat(sets.get(0)).doesNotHaveDuplicates().hasSize(4);

    String restartedAt = get(NAME).getSpec().getTemplate().getMetadata().getAnnotations()
        .get(KubernetesActivitiesImpl.RESTARTED_AT);
    assertThat(restartedAt).isNotNull();

    RollbackResult ours = workload.rollback(TARGET, 4, "twin-2/rollback");
    assertThat(ours.refusal()).isNull();
    // Past the pool change (4) and the restart (3) to the change that broke it (2): revision 1 is restored.
    assertThat(List.of(ours.fromRevision(), ours.toRevision())).containsExactly(4L, 1L);
    System.out.printf("%n[twin] rollback result: %s%n", ours);
    // What the rollback undoes, as the timeline shows it: the bad image, the pool change, and the restart (its
    // annotation goes away; it used to read "rollout restart (kubectl.kubernetes.io/restartedAt null)").
    assertThat(ours.changes()).containsExactly("image " + NAME + ": " + BAD + " -> " + GOOD,
        "env " + NAME + ": " + POOL + " changed",
        "rollout restart undone (kubectl.kubernetes.io/restartedAt " + restartedAt + " removed)");
    Kubectl undo = kubectl("rollout", "undo", "deployment/" + TWIN, "--to-revision=" + ours.toRevision());
    assertThat(undo.exit()).as(undo.err()).isZero();
    assertThat(undo.out()).contains("rolled back");
    awaitComplete(NAME);
    awaitComplete(TWIN);

    Snapshot[] pair = settledPair(sets);
    Snapshot mine = pair[0];
    Snapshot twin = pair[1];
    assertThat(ours.revisionAfter()).isEqualTo(5).isEqualTo(mine.revision());
    // Revision 1's ReplicaSet scaled up again as revision 5, the others at 0; change-causes as the controller copied.
    assertThat(mine.sets()).containsExactly(new SetState(5, "1", 3, "release 2.4.1"),
        new SetState(2, null, 0, "release 2.5.0"), new SetState(3, null, 0, "release 2.5.0"),
        new SetState(4, null, 0, "release 2.5.0"));
    assertThat(mine.images()).containsExactly(GOOD);
    assertThat(mine.pool()).isEqualTo("20");
    // Intended difference: kubectl replaces the Deployment's annotations with the ReplicaSet's, dropping the pool
    // runbook's record of its outstanding change; the rollback keeps it (so the revert still knows what it set)
    // and adds its idempotency key.
    assertThat(mine.ours()).containsOnlyKeys(WorkloadActivitiesImpl.ROLLBACK_REQUEST,
        WorkloadActivitiesImpl.ROLLBACK_REVISIONS, PoolSizeActivitiesImpl.POOL_PREVIOUS,
        PoolSizeActivitiesImpl.POOL_SET);
    assertThat(twin.ours()).isEmpty();
  }

  // ---- the comparison ---------------------------------------------------------------------------------------------

  /** One ReplicaSet of the history, in the order the steps made them. */
  record SetState(long revision, String revisionHistory, int replicas, String changeCause) {}

  /**
   * What kubectl and the controller decide, with the twin's name replaced by the original's (the one field that
   * legitimately differs) and Remediator's own annotations apart.
   */
  record Snapshot(
      String template,
      List<String> images,
      String pool,
      long revision,
      Map<String, String> annotations,
      Map<String, String> ours,
      long generation,
      long observedGeneration,
      List<Integer> replicas,
      List<SetState> sets,
      int scaledUp,
      Map<String, String> newestSetAnnotations,
      List<String> podOwners,
      String history) {}

  static void assertSameAsKubectl(Snapshot mine, Snapshot twin) {
    System.out.printf("%n[twin] rollback: %s%n[twin] kubectl rollout undo: %s%n", mine, twin);
    assertThat(mine.template()).as("pod template").isEqualTo(twin.template());
    assertThat(mine.revision()).as("revision annotation").isEqualTo(twin.revision());
    assertThat(mine.annotations()).as("Deployment annotations (change-cause, revision)")
        .isEqualTo(twin.annotations());
    assertThat(mine.generation()).as("generation").isEqualTo(twin.generation());
    assertThat(mine.observedGeneration()).isEqualTo(mine.generation());
    assertThat(mine.replicas()).as("desired, replicas, updated, ready, available").isEqualTo(twin.replicas())
        .containsExactly(3, 3, 3, 3, 3);
    assertThat(mine.sets()).as("ReplicaSets in history order: revision, revision-history, replicas, change-cause")
        .isEqualTo(twin.sets());
    assertThat(mine.scaledUp()).as("which ReplicaSet scaled up (index in the history)").isEqualTo(twin.scaledUp())
        .isZero(); // the old one, reused
    assertThat(mine.newestSetAnnotations()).as("the reused ReplicaSet's annotations")
        .isEqualTo(twin.newestSetAnnotations());
    assertThat(mine.podOwners()).as("pods' owners").isEqualTo(twin.podOwners());
    assertThat(mine.history()).as("kubectl rollout history").isEqualTo(twin.history());
  }

  /**
   * Both Deployments' snapshots once they agree ({@link #assertSameAsKubectl}), within {@code ROLLOUT}: the controllers
   * may still move a status count after a rollout is judged complete (a fresh machine showed replicas 4 on the twin
   * just after), so one read is compared only when both have settled; a real difference still fails at the deadline.
   */
  static Snapshot[] settledPair(List<List<String>> sets) {
    Snapshot[] pair = new Snapshot[2];
    await().atMost(ROLLOUT).pollInterval(java.time.Duration.ofMillis(500)).untilAsserted(() -> {
      pair[0] = snapshot(NAME, sets.get(0));
      pair[1] = snapshot(TWIN, sets.get(1));
      assertSameAsKubectl(pair[0], pair[1]);
    });
    return pair;
  }

  static Snapshot snapshot(String name, List<String> steps) {
    Deployment d = get(name);
    Map<String, String> annotations = new TreeMap<>();
    Map<String, String> ours = new TreeMap<>();
    Deployments.nonNull(d.getMetadata().getAnnotations()).forEach((k, v) -> (k.startsWith("remediator.dev/")
        ? ours : annotations).put(k, v));
    List<ReplicaSet> all = admin().apps().replicaSets().inNamespace(NS).withLabel("app", name).list().getItems();
    assertThat(all).extracting(rs -> rs.getMetadata().getName()).containsExactlyInAnyOrderElementsOf(steps);
    List<SetState> sets = new ArrayList<>();
    int scaledUp = -1;
    for (int i = 0; i < steps.size(); i++) {
      String step = steps.get(i);
      ReplicaSet rs = all.stream().filter(r -> r.getMetadata().getName().equals(step)).findFirst().orElseThrow();
      Map<String, String> a = Deployments.nonNull(rs.getMetadata().getAnnotations());
      sets.add(new SetState(Deployments.revision(a), a.get(REVISION_HISTORY), rs.getSpec().getReplicas(),
          a.get(Deployments.CHANGE_CAUSE)));
      if (rs.getSpec().getReplicas() > 0) {
        scaledUp = i;
      }
    }
    ReplicaSet current = newest(name);
    Map<String, String> setAnnotations = new TreeMap<>(Deployments.nonNull(current.getMetadata().getAnnotations()));
    setAnnotations.keySet().removeIf(k -> k.startsWith("remediator.dev/"));
    var s = d.getStatus();
    List<String> owners = pods(name).stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .map(p -> String.valueOf(steps.indexOf(p.getMetadata().getOwnerReferences().get(0).getName())))
        .sorted().toList();
    Kubectl history = kubectl("rollout", "history", "deployment/" + name);
    assertThat(history.exit()).as(history.err()).isZero();
    return new Snapshot(
        normalize(Serialization.asJson(d.getSpec().getTemplate()), name),
        d.getSpec().getTemplate().getSpec().getContainers().stream().map(c -> c.getImage()).toList(),
        d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
            .filter(e -> POOL.equals(e.getName())).map(e -> e.getValue()).findFirst().orElse(null),
        Deployments.revision(d.getMetadata().getAnnotations()),
        annotations, ours,
        d.getMetadata().getGeneration(), s.getObservedGeneration(),
        List.of(d.getSpec().getReplicas(), nz(s.getReplicas()), nz(s.getUpdatedReplicas()), nz(s.getReadyReplicas()),
            nz(s.getAvailableReplicas())),
        sets, scaledUp, setAnnotations, owners, normalize(history.out(), name));
  }

  static String normalize(String text, String name) {
    return name.equals(TWIN) ? text.replace(TWIN, NAME) : text;
  }

  static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  // ---- the twins' shared history ----------------------------------------------------------------------------------

  /** Revision 1: the good release, every replica available; the container is named like the original's. */
  static void create(String name) {
    Deployment d = deployment(name, GOOD)
        .editMetadata().addToAnnotations(Deployments.CHANGE_CAUSE, "release 2.4.1").endMetadata()
        .editSpec().editTemplate().editSpec().editFirstContainer().withName(NAME).endContainer().endSpec()
        .endTemplate().endSpec()
        .build();
    createHealthy(d);
  }

  /** A release as a pipeline makes it: the image and its change-cause in one patch. */
  static void release(String name, String image, String cause) {
    long next = Deployments.revision(get(name).getMetadata().getAnnotations()) + 1;
    Kubectl patch = kubectl("patch", "deployment/" + name, "--type=strategic", "-p",
        "{\"metadata\":{\"annotations\":{\"" + Deployments.CHANGE_CAUSE + "\":\"" + cause + "\"}},"
            + "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"" + NAME + "\",\"image\":\"" + image
            + "\"}]}}}}");
    assertThat(patch.exit()).as(patch.err()).isZero();
    awaitRevision(name, next);
  }

  /**
   * PoolSizeActivitiesImpl's patch: the resourceVersion read (a 409 if the object changed since), the env entry
   * replaced in place, its two annotations added. The controller's status writes change the resourceVersion too,
   * so a conflict right after a change is ordinary: read and patch again, as the activity does.
   */
  static void poolPatch(String name, String from, String to) {
    await().atMost(ROLLOUT).untilAsserted(() -> {
      Deployment d = get(name);
      int index = 0;
      var env = d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
      while (!POOL.equals(env.get(index).getName())) {
        index++;
      }
      String json = "[{\"op\":\"replace\",\"path\":\"/metadata/resourceVersion\",\"value\":\""
          + d.getMetadata().getResourceVersion() + "\"},"
          + "{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/env/" + index
          + "\",\"value\":{\"name\":\"" + POOL + "\",\"value\":\"" + to + "\"}},"
          + "{\"op\":\"add\",\"path\":\"/metadata/annotations/remediator.dev~1pool-previous\",\"value\":"
          + Serialization.asJson("{\"" + POOL + "\":\"" + from + "\"}") + "},"
          + "{\"op\":\"add\",\"path\":\"/metadata/annotations/remediator.dev~1pool-set\",\"value\":"
          + Serialization.asJson("{\"" + POOL + "\":\"" + to + "\"}") + "}]";
      Kubectl patch = kubectl("patch", "deployment/" + name, "--type=json", "-p", json);
      assertThat(patch.exit()).as(patch.err()).isZero();
    });
  }

  /** The controller observed the change and made (or renumbered) the ReplicaSet for revision {@code revision}. */
  static void awaitRevision(String name, long revision) {
    await().atMost(ROLLOUT).until(() -> {
      Deployment d = get(name);
      return d.getStatus() != null && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
          && Deployments.revision(d.getMetadata().getAnnotations()) == revision
          && Deployments.revision(newest(name).getMetadata().getAnnotations()) == revision;
    });
  }

  /**
   * {@code kubectl rollout status} would say done, every live pod belongs to the newest ReplicaSet, and the
   * Deployment's status counts exactly the desired replicas, all updated, ready and available (seen once in a full
   * real pass: the twin's status read {@code replicas} 4 just after the rollout had been judged complete, so the
   * comparison ran mid-way).
   */
  static void awaitComplete(String name) {
    await().atMost(ROLLOUT).until(() -> Rollouts.judge(get(name)).complete());
    await().atMost(ROLLOUT).untilAsserted(() -> {
      String newest = newest(name).getMetadata().getName();
      List<Pod> live = pods(name).stream()
          .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
      assertThat(live).hasSize(3)
          .allSatisfy(p -> assertThat(p.getMetadata().getOwnerReferences().get(0).getName()).isEqualTo(newest));
    });
    await().atMost(ROLLOUT).until(() -> {
      Deployment d = get(name);
      Integer desired = d.getSpec().getReplicas();
      var s = d.getStatus();
      return s != null && desired.equals(s.getReplicas()) && desired.equals(s.getUpdatedReplicas())
          && desired.equals(s.getReadyReplicas()) && desired.equals(s.getAvailableReplicas())
          && Rollouts.judge(d).complete();
    });
  }

  static ReplicaSet newest(String name) {
    return admin().apps().replicaSets().inNamespace(NS).withLabel("app", name).list().getItems().stream()
        .max(Comparator.comparingLong(rs -> Deployments.revision(rs.getMetadata().getAnnotations())))
        .orElseThrow();
  }

  static Kubectl kubectl(String... args) {
    return Kubectl.run(args);
  }
}
