package dev.remediator.kubernetes.real;

import static dev.remediator.kubernetes.real.RealApi.BAD;
import static dev.remediator.kubernetes.real.RealApi.BILLING;
import static dev.remediator.kubernetes.real.RealApi.CONFIG;
import static dev.remediator.kubernetes.real.RealApi.GOOD;
import static dev.remediator.kubernetes.real.RealApi.NAME;
import static dev.remediator.kubernetes.real.RealApi.NS;
import static dev.remediator.kubernetes.real.RealApi.ROLLOUT;
import static dev.remediator.kubernetes.real.RealApi.TARGET;
import static dev.remediator.kubernetes.real.RealApi.admin;
import static dev.remediator.kubernetes.real.RealApi.available;
import static dev.remediator.kubernetes.real.RealApi.awaitObserved;
import static dev.remediator.kubernetes.real.RealApi.createHealthy;
import static dev.remediator.kubernetes.real.RealApi.deployment;
import static dev.remediator.kubernetes.real.RealApi.get;
import static dev.remediator.kubernetes.real.RealApi.kubernetesActivities;
import static dev.remediator.kubernetes.real.RealApi.pods;
import static dev.remediator.kubernetes.real.RealApi.remove;
import static dev.remediator.kubernetes.real.RealApi.rolloutStub;
import static dev.remediator.kubernetes.real.RealApi.setImage;
import static dev.remediator.kubernetes.real.RealApi.targets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.incident.RestartResult;
import dev.remediator.kubeplane.ControlPlaneExtension;
import dev.remediator.runbook.servicedown.CrashLogs;
import dev.remediator.runbook.servicedown.RollbackResult;
import dev.remediator.runbook.servicedown.ServiceDownCause;
import dev.remediator.runbook.servicedown.ServiceDownDiagnosis;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.runbook.servicedown.WorkloadStatus;
import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import dev.remediator.kubernetes.servicedown.WorkloadActivitiesImpl;
import dev.remediator.runbook.KubernetesActivities;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pool and Service Down runbooks' rollout actions on a real control plane (issue 28): {@link
 * KubernetesActivitiesImpl} and {@link WorkloadActivitiesImpl} with the {@code remediator-worker} ServiceAccount's own
 * token, so every call passes the real authorizer with deploy/'s Role; the real deployment controller makes the
 * ReplicaSets and revisions, the real scheduler places the pods and KWOK plays the kubelet (Ready pods, or a
 * crash loop for an image whose name contains "crashloop"). The test's own setup and checks use the admin.
 *
 * <p>The last three were the expected failures on the real API server (a rollback after a restart of the bad
 * rollout, a crash loop without a template change, the revision numbers after a rollback), fixed since.
 */
@ExtendWith(ControlPlaneExtension.class)
class RealRolloutTest {
  final TargetDirectory targets = targets(CONFIG);
  final TestActivityEnvironment env = TestActivityEnvironment.newInstance();
  KubernetesActivitiesImpl kube;
  WorkloadActivitiesImpl workload;
  KubernetesActivities activity;

  @BeforeEach
  void fresh() {
    kube = kubernetesActivities(targets);
    workload = new WorkloadActivitiesImpl(targets, RealApi::worker);
    activity = rolloutStub(env, kube);
    remove(NAME);
    remove("billing");
  }

  @AfterEach
  void close() {
    env.close();
  }

  // ---- the pool runbook: rolling restart and its wait -----------------------------------------------------------

  @Test
  void rollingRestartHandsOverToANewReplicaSetAndTheWaitSeesTheRolloutComplete() {
    Deployment before = createHealthy(deployment(NAME, GOOD).build());
    String firstSet = newest(replicaSets()).getMetadata().getName();

    RestartResult restart = kube.rollingRestart(TARGET, "incident-1/restart", Duration.ZERO);
    assertThat(restart.refusal()).isNull();
    assertThat(restart.restarted()).isTrue();
    RolloutStatus status = activity.awaitRollout(TARGET, ROLLOUT);

    assertThat(status.complete()).as(status.message()).isTrue();
    assertThat(status.failed()).isFalse();
    assertThat(List.of(status.desiredReplicas(), status.updatedReplicas(), status.availableReplicas()))
        .containsExactly(3, 3, 3);
    Deployment after = get(NAME);
    assertThat(after.getMetadata().getGeneration()).isGreaterThan(before.getMetadata().getGeneration());
    assertThat(after.getStatus().getObservedGeneration()).isEqualTo(after.getMetadata().getGeneration());
    assertThat(revision(after.getMetadata().getAnnotations())).isEqualTo(2);
    List<ReplicaSet> sets = replicaSets();
    assertThat(sets).hasSize(2);
    ReplicaSet current = newest(sets);
    assertThat(current.getMetadata().getName()).isNotEqualTo(firstSet);
    assertThat(current.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry(KubernetesActivitiesImpl.RESTARTED_AT, restart.restartedAt());
    assertThat(current.getStatus().getReadyReplicas()).isEqualTo(3);
    ReplicaSet old = sets.stream().filter(rs -> rs.getMetadata().getName().equals(firstSet)).findFirst().orElseThrow();
    assertThat(old.getSpec().getReplicas()).isZero();
    await().atMost(ROLLOUT).untilAsserted(() -> assertThat(pods(NAME))
        .hasSize(3)
        .allSatisfy(p -> assertThat(p.getMetadata().getOwnerReferences().get(0).getName())
            .isEqualTo(current.getMetadata().getName())));

    // The same request again (a retried activity) changes nothing; a new one inside the cooldown is refused.
    RestartResult again = kube.rollingRestart(TARGET, "incident-1/restart", Duration.ZERO);
    assertThat(again.restarted()).isTrue();
    assertThat(again.restartedAt()).isEqualTo(restart.restartedAt());
    assertThat(get(NAME).getMetadata().getGeneration()).isEqualTo(after.getMetadata().getGeneration());
    RestartResult cooling = kube.rollingRestart(TARGET, "incident-2/restart", Duration.ofHours(1));
    assertThat(cooling.restarted()).isFalse();
    assertThat(cooling.refusal()).contains("cooldown");
  }

  @Test
  void aDeploymentTheRoleDoesNotNameIsForbiddenWithAClearNonRetryableError() {
    createHealthy(deployment("billing", "registry.example/billing:1.0").build());

    ApplicationFailure failure = catchThrowableOfType(ApplicationFailure.class,
        () -> kube.rollingRestart(BILLING, "incident-3/restart", Duration.ZERO));

    assertThat(failure).isNotNull();
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getType()).isEqualTo("KubernetesForbidden");
    assertThat(failure.getOriginalMessage())
        .startsWith("forbidden: cannot get deployments.apps in namespace prod — grant verb get")
        .contains("system:serviceaccount:remediator:remediator-worker");
    assertThat(get("billing").getMetadata().getGeneration()).isEqualTo(1); // nothing changed
  }

  // ---- the Service Down runbook: a bad rollout and its rollback ---------------------------------------------------

  @Test
  void aCrashLoopingRolloutExceedsItsDeadlineAndTheRollbackBringsTheGoodImageBack() {
    createHealthy(deployment(NAME, GOOD).editSpec().withProgressDeadlineSeconds(15).endSpec().build());
    String goodSet = newest(replicaSets()).getMetadata().getName();
    setImage(BAD);

    // What a kubelet reports for a crash loop, through KWOK's crash-loop stage, as the worker reads it.
    await().atMost(ROLLOUT).untilAsserted(() -> assertThat(
        workload.inspect(TARGET, Duration.ofMinutes(10), 5).pods().stream()
            .filter(p -> p.revision() == 2).flatMap(p -> p.containers().stream()).toList())
        .isNotEmpty()
        .allSatisfy(c -> {
          assertThat(c.waitingReason()).isEqualTo("CrashLoopBackOff");
          assertThat(c.restarts()).isPositive();
          assertThat(c.lastExitCode()).isEqualTo(1);
          assertThat(c.lastTerminationReason()).isEqualTo("Error");
          assertThat(c.ready()).isFalse();
        }));
    RolloutStatus stuck = activity.awaitRollout(TARGET, ROLLOUT);
    assertThat(stuck.failed()).as(stuck.message()).isTrue();
    assertThat(stuck.message()).isEqualTo("deployment \"auth-service\" exceeded its progress deadline");
    WorkloadStatus diagnosed = workload.inspect(TARGET, Duration.ofMinutes(10), 5);
    assertThat(diagnosed.currentRevision()).isEqualTo(2);
    assertThat(diagnosed.pods()).anySatisfy(p -> assertThat(p.revision()).isEqualTo(1)); // old pods still serve

    RollbackResult rollback = workload.rollback(TARGET, 2, "incident-4/rollback");
    assertThat(rollback.refusal()).isNull();
    assertThat(rollback.rolledBack()).isTrue();
    assertThat(rollback.patched()).isTrue();
    assertThat(List.of(rollback.fromRevision(), rollback.toRevision())).containsExactly(2L, 1L);
    assertThat(rollback.changes()).anySatisfy(c -> assertThat(c).contains(GOOD));
    RolloutStatus recovered = activity.awaitRollout(TARGET, ROLLOUT);

    assertThat(recovered.complete()).as(recovered.message()).isTrue();
    Deployment after = get(NAME);
    assertThat(after.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(GOOD);
    assertThat(after.getStatus().getAvailableReplicas()).isEqualTo(3);
    // The real controller reuses revision 1's ReplicaSet and gives it the next revision number (as for kubectl
    // rollout undo): the Deployment is at revision 3 now, and revision 1 is gone from the history.
    assertThat(revision(after.getMetadata().getAnnotations())).isEqualTo(3);
    ReplicaSet current = newest(replicaSets());
    assertThat(current.getMetadata().getName()).isEqualTo(goodSet);
    assertThat(replicaSets()).extracting(rs -> revision(rs.getMetadata().getAnnotations()))
        .containsExactlyInAnyOrder(2L, 3L);
    await().atMost(ROLLOUT).untilAsserted(() -> assertThat(pods(NAME)).hasSize(3)
        .allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo(GOOD)));
  }

  @Test
  void theRollbacksRevisionsAreTheOnesTheClusterShowsAfterwards() {
    createHealthy(deployment(NAME, GOOD).build());
    setImage(BAD);
    awaitObserved();

    // Revision 1's ReplicaSet is a few seconds old before the rollback makes it the newest again.
    Instant goodCreated = replicaSets().stream().map(rs -> Instant.parse(rs.getMetadata().getCreationTimestamp()))
        .min(Comparator.naturalOrder()).orElseThrow();
    await().atMost(ROLLOUT).until(() -> Instant.now().isAfter(goodCreated.plusSeconds(5)));
    Instant rollbackStarted = Instant.now();

    RollbackResult rollback = workload.rollback(TARGET, 2, "incident-5/rollback");
    activity.awaitRollout(TARGET, ROLLOUT);

    // The controller reuses revision 1's ReplicaSet and renumbers it: the result names both.
    WorkloadStatus after = workload.inspect(TARGET, Duration.ofMinutes(10), 5);
    assertThat(after.currentRevision()).isEqualTo(3);
    assertThat(rollback.revisionAfter()).isEqualTo(after.currentRevision());
    assertThat(List.of(rollback.fromRevision(), rollback.toRevision())).containsExactly(2L, 1L);
    assertThat(rollback.revisions()).isEqualTo("revision 2 → 1's template (now revision 3)");
    // A revision's age is when it last became the newest, not its ReplicaSet's (older) creation.
    WorkloadStatus.Revision newest = after.history().get(0);
    assertThat(newest.revision()).isEqualTo(3);
    assertThat(newest.ageSeconds())
        .isLessThanOrEqualTo(Duration.between(rollbackStarted, Instant.parse(after.observedAt())).getSeconds() + 1);
  }

  @Test
  void aRollbackAfterARestartOfTheBadRolloutReturnsToTheLastHealthyImage() {
    createHealthy(deployment(NAME, GOOD).build());
    setImage(BAD);
    awaitObserved();
    admin().apps().deployments().inNamespace(NS).withName(NAME).rolling().restart(); // the on-call engineer's try
    awaitObserved();
    long bad = revision(get(NAME).getMetadata().getAnnotations());
    assertThat(bad).isEqualTo(3);
    // The restart's pods crash-loop too; the controller has scaled revision 2's ReplicaSet down for them.
    await().atMost(ROLLOUT).untilAsserted(() -> assertThat(
        workload.inspect(TARGET, Duration.ofMinutes(10), 5).pods().stream()
            .filter(p -> p.revision() == 3).flatMap(p -> p.containers().stream()).toList())
        .isNotEmpty()
        .allSatisfy(c -> assertThat(c.waitingReason()).isEqualTo("CrashLoopBackOff")));

    // The diagnosis blames revision 2's change, not the restart, and not revision 2 as "healthy".
    WorkloadStatus seen = workload.inspect(TARGET, Duration.ofMinutes(10), 5);
    assertThat(seen.history()).extracting(WorkloadStatus.Revision::revision, WorkloadStatus.Revision::routine)
        .containsExactly(tuple(3L, true), tuple(2L, false), tuple(1L, false));
    CrashLogs logs = workload.crashLogs(TARGET, 3); // KWOK serves no logs: reported, not retried
    assertThat(logs.containers()).isZero();
    assertThat(logs.unavailable()).startsWith("logs unavailable: the API server cannot reach pod ")
        .contains("no preferred addresses found");
    ServiceDownDiagnosis.Finding finding = ServiceDownDiagnosis.diagnose(seen, logs, null, Duration.ofHours(2));
    assertThat(finding.cause()).isEqualTo(ServiceDownCause.BAD_ROLLOUT);
    assertThat(finding.badRevision()).isEqualTo(3);
    assertThat(finding.evidence().get(0)).startsWith("failures began with revision 2, rolled out ")
        .endsWith("image " + NAME + ": " + GOOD + " -> " + BAD);
    assertThat(finding.evidence()).noneMatch(e -> e.startsWith("previous revision 2"))
        .anySatisfy(e -> assertThat(e).startsWith("previous revision 1 healthy"));

    RollbackResult rollback = workload.rollback(TARGET, bad, "incident-6/rollback");

    assertThat(rollback.rolledBack()).isTrue();
    assertThat(List.of(rollback.fromRevision(), rollback.toRevision(), rollback.revisionAfter()))
        .containsExactly(3L, 1L, 4L);
    assertThat(get(NAME).getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(GOOD);
    assertThat(activity.awaitRollout(TARGET, ROLLOUT).complete()).isTrue();
  }

  @Test
  void aCrashLoopWithoutTemplateChangeGetsItsRestart() {
    createHealthy(deployment(NAME, GOOD).build());
    // The dependency went away: the running pods start crash-looping (KWOK's stage, through their label).
    for (Pod p : pods(NAME)) {
      admin().pods().inNamespace(NS).withName(p.getMetadata().getName())
          .edit(pod -> {
            pod.getMetadata().getLabels().put("crashloop.remediator.dev/container", NAME);
            return pod;
          });
    }
    await().atMost(ROLLOUT).until(() -> available(get(NAME)) == 0);
    assertThat(get(NAME).getStatus().getConditions())
        .anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("Progressing");
          assertThat(c.getStatus()).isEqualTo("True");
          assertThat(c.getReason()).isEqualTo("NewReplicaSetAvailable");
        });

    RestartResult restart = kube.rollingRestart(TARGET, "incident-7/restart", Duration.ZERO);

    assertThat(restart.refusal()).isNull();
    assertThat(restart.restarted()).isTrue();
    assertThat(activity.awaitRollout(TARGET, ROLLOUT).complete()).isTrue();
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------

  static List<ReplicaSet> replicaSets() {
    return admin().apps().replicaSets().inNamespace(NS).withLabel("app", NAME).list().getItems();
  }

  static ReplicaSet newest(List<ReplicaSet> sets) {
    return sets.stream().max(Comparator.comparingLong(rs -> revision(rs.getMetadata().getAnnotations())))
        .orElseThrow();
  }

  static long revision(Map<String, String> annotations) {
    return annotations == null ? 0
        : Long.parseLong(annotations.getOrDefault("deployment.kubernetes.io/revision", "0"));
  }
}
