package dev.remediator.kubernetes.real;

import static dev.remediator.kubernetes.real.RealApi.BAD;
import static dev.remediator.kubernetes.real.RealApi.GOOD;
import static dev.remediator.kubernetes.real.RealApi.NAME;
import static dev.remediator.kubernetes.real.RealApi.NS;
import static dev.remediator.kubernetes.real.RealApi.ROLLOUT;
import static dev.remediator.kubernetes.real.RealApi.TARGET;
import static dev.remediator.kubernetes.real.RealApi.admin;
import static dev.remediator.kubernetes.real.RealApi.awaitObserved;
import static dev.remediator.kubernetes.real.RealApi.createHealthy;
import static dev.remediator.kubernetes.real.RealApi.deployment;
import static dev.remediator.kubernetes.real.RealApi.get;
import static dev.remediator.kubernetes.real.RealApi.kubernetesActivities;
import static dev.remediator.kubernetes.real.RealApi.pods;
import static dev.remediator.kubernetes.real.RealApi.remove;
import static dev.remediator.kubernetes.real.RealApi.setImage;
import static dev.remediator.kubernetes.real.RealApi.targets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.incident.RestartResult;
import dev.remediator.incident.Target;
import dev.remediator.kubeplane.ControlPlane;
import dev.remediator.kubeplane.ControlPlaneExtension;
import dev.remediator.kubernetes.Deployments;
import dev.remediator.kubernetes.KubeCalls;
import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import dev.remediator.kubernetes.dbpool.PoolSizeActivitiesImpl;
import dev.remediator.kubernetes.servicedown.WorkloadActivitiesImpl;
import dev.remediator.runbook.dbpool.PoolSettings.EnvValue;
import dev.remediator.runbook.dbpool.PoolSizeActivities;
import dev.remediator.runbook.servicedown.RollbackResult;
import dev.remediator.runbook.servicedown.ServiceDownCause;
import dev.remediator.runbook.servicedown.ServiceDownDiagnosis;
import dev.remediator.runbook.servicedown.WorkloadStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the runbooks' Kubernetes actions refuse, and what they read from the real controllers, on the real control
 * plane with the worker's token (issue 28 item 3): a paused Deployment, a Deployment that moved on after the plan, a
 * Deployment whose pods the real scheduler cannot place, and a target in a namespace deploy/'s Role does not cover.
 * Each refusal is checked to have changed nothing (generation, template, annotations).
 */
@ExtendWith(ControlPlaneExtension.class)
class RealGuardsTest {
  static final String STAGING = "staging";
  static final String CONFIG = RealApi.CONFIG
      + """
        - service: auth-service
          namespace: staging
          database: authdb
          postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator}
          kubernetes: {deployment: auth-service, container: auth-service, podSelector: app=auth-service}
      """;
  static final Target IN_STAGING = new Target(STAGING, NAME, "authdb");

  final TargetDirectory targets = targets(CONFIG);
  KubernetesActivitiesImpl kube;
  WorkloadActivitiesImpl workload;
  PoolSizeActivitiesImpl poolSize;

  @BeforeEach
  void fresh() {
    kube = kubernetesActivities(targets);
    workload = new WorkloadActivitiesImpl(targets, RealApi::worker);
    poolSize = new PoolSizeActivitiesImpl(targets, RealApi::worker);
    remove(NAME);
  }

  @AfterEach
  void cleanUp() {
    remove(NAME);
    if (admin().apps().deployments().inNamespace(STAGING).withName(NAME).get() != null) {
      admin().apps().deployments().inNamespace(STAGING).withName(NAME).delete();
      await().atMost(ROLLOUT)
          .until(() -> admin().apps().deployments().inNamespace(STAGING).withName(NAME).get() == null);
    }
  }

  // ---- paused -----------------------------------------------------------------------------------------------------

  @Test
  void aPausedDeploymentRefusesRollbackRestartAndPoolChangeAndNothingChanges() {
    createHealthy(deployment(NAME, GOOD).build());
    setImage(BAD);
    awaitObserved();
    Kubectl pause = Kubectl.run("rollout", "pause", "deployment/" + NAME);
    assertThat(pause.exit()).as(pause.err()).isZero();
    awaitObserved();
    Unchanged before = Unchanged.of(get(NAME));
    assertThat(before.revision()).isEqualTo(2);

    RollbackResult rollback = workload.rollback(TARGET, 2, "paused-1/rollback");
    assertThat(rollback.rolledBack()).isFalse();
    assertThat(rollback.patched()).isFalse();
    assertThat(rollback.refusal()).isEqualTo("deployment prod/auth-service is paused; kubectl cannot roll back a"
        + " paused deployment (kubectl rollout resume first)");
    // kubectl itself refuses it too (admin's kubeconfig): the reason the rollback gives is kubectl's.
    Kubectl undo = Kubectl.run("rollout", "undo", "deployment/" + NAME);
    assertThat(undo.exit()).isNotZero();
    assertThat(undo.err()).contains("cannot rollback a paused deployment");

    RestartResult restart = kube.rollingRestart(TARGET, "paused-1/restart", Duration.ZERO);
    assertThat(restart.restarted()).isFalse();
    assertThat(restart.refusal()).isEqualTo("deployment prod/auth-service is paused; a restart would not roll out"
        + " (kubectl rollout resume first)");

    ApplicationFailure pool = catchThrowableOfType(
        () -> poolSize.setPoolSettings(TARGET, List.of(new EnvValue("DATABASE_POOL_SIZE", "30"))),
        ApplicationFailure.class);
    assertThat(pool).isNotNull();
    assertThat(pool.isNonRetryable()).isTrue();
    assertThat(pool.getType()).isEqualTo(PoolSizeActivities.ROLLOUT_IN_PROGRESS);
    assertThat(pool.getOriginalMessage()).isEqualTo("deployment prod/auth-service is paused; the pool-size change"
        + " would not roll out (kubectl rollout resume first)");

    assertThat(Unchanged.of(get(NAME))).isEqualTo(before);
    assertThat(get(NAME).getSpec().getPaused()).isTrue();
  }

  // ---- moved on ---------------------------------------------------------------------------------------------------

  @Test
  void aRollbackPlannedForARevisionTheDeploymentMovedOnFromIsRefusedAndNothingChanges() {
    createHealthy(deployment(NAME, GOOD).build());
    setImage(BAD);
    awaitObserved();
    WorkloadStatus planned = workload.inspect(TARGET, Duration.ofMinutes(10), 5);
    assertThat(planned.currentRevision()).isEqualTo(2);
    // While the plan waits for approval, someone rolls forward to a fix: revision 3.
    setImage("registry.example/auth-service:2.5.1");
    awaitObserved();
    Unchanged before = Unchanged.of(get(NAME));
    assertThat(before.revision()).isEqualTo(3);

    RollbackResult rollback = workload.rollback(TARGET, planned.currentRevision(), "moved-1/rollback");

    assertThat(rollback.rolledBack()).isFalse();
    assertThat(rollback.patched()).isFalse();
    assertThat(rollback.refusal()).isEqualTo("deployment prod/auth-service is at revision 3, not at revision 2 found"
        + " bad: another rollout happened since the diagnosis");
    assertThat(Unchanged.of(get(NAME))).isEqualTo(before);
  }

  @Test
  void aRestartAfterThePlanIsMovingOnToo() {
    createHealthy(deployment(NAME, GOOD).build());
    setImage(BAD);
    awaitObserved();
    long planned = workload.inspect(TARGET, Duration.ofMinutes(10), 5).currentRevision();
    // The on-call engineer restarts it while the plan waits: revision 3 repeats revision 2's template. The
    // rollback planned for 2 is still refused (the plan was made on what the cluster showed then); a new diagnosis
    // of revision 3 walks back past the restart (RealRolloutTest).
    Kubectl restart = Kubectl.run("rollout", "restart", "deployment/" + NAME);
    assertThat(restart.exit()).as(restart.err()).isZero();
    awaitObserved();
    Unchanged before = Unchanged.of(get(NAME));
    assertThat(before.revision()).isEqualTo(3);

    RollbackResult rollback = workload.rollback(TARGET, planned, "moved-2/rollback");

    assertThat(rollback.rolledBack()).isFalse();
    assertThat(rollback.refusal()).isEqualTo("deployment prod/auth-service is at revision 3, not at revision 2 found"
        + " bad: another rollout happened since the diagnosis");
    assertThat(Unchanged.of(get(NAME))).isEqualTo(before);
  }

  // ---- events from the real scheduler -----------------------------------------------------------------------------

  @Test
  void podsTheSchedulerCannotPlaceAreDiagnosedUnschedulableFromItsEvents() {
    // More CPU than the KWOK node has (32): the real scheduler leaves every pod Pending and says why.
    createUnschedulable();

    WorkloadStatus seen = await().atMost(ROLLOUT).until(() -> workload.inspect(TARGET, Duration.ofMinutes(10), 5),
        s -> s.pods().size() == 3 && s.events().stream().filter(e -> "FailedScheduling".equals(e.reason()))
            .map(WorkloadStatus.Event::object).distinct().count() == 3);
    System.out.printf("%n[unschedulable] inspect (worker token): %s%n", seen);

    assertThat(seen.pods()).allSatisfy(p -> {
      assertThat(p.phase()).isEqualTo("Pending");
      assertThat(p.ready()).isFalse();
      assertThat(p.revision()).isEqualTo(1);
    });
    assertThat(seen.events()).filteredOn(e -> "FailedScheduling".equals(e.reason())).allSatisfy(e -> {
      assertThat(e.type()).isEqualTo("Warning");
      assertThat(e.object()).startsWith("Pod/" + NAME + "-");
      assertThat(e.message()).startsWith("0/1 nodes are available: 1 Insufficient cpu.");
      assertThat(e.count()).isPositive();
      assertThat(e.lastSeen()).isNotNull();
    });
    ServiceDownDiagnosis.Finding finding = ServiceDownDiagnosis.diagnose(seen, null, null, Duration.ofHours(2));
    assertThat(finding.cause()).isEqualTo(ServiceDownCause.UNSCHEDULABLE);
    assertThat(finding.badRevision()).isZero();
    assertThat(finding.evidence()).hasSize(3).allSatisfy(line -> assertThat(line)
        .matches("Pod/" + NAME + "-[a-z0-9]+-[a-z0-9]+ FailedScheduling ×[1-9][0-9]*: 0/1 nodes are available: 1"
            + " Insufficient cpu\\..*"));
  }

  @Test
  void aRepeatedFailedSchedulingIsCountedAndDatedByItsSeries() {
    createUnschedulable();
    List<io.fabric8.kubernetes.api.model.Event> first = await().atMost(ROLLOUT).until(
        () -> failedScheduling(), e -> e.size() == 3);
    Instant firstSeen = first.stream().map(e -> Instant.parse(e.getEventTime().getTime())).max(Instant::compareTo)
        .orElseThrow();
    await().atMost(ROLLOUT).until(() -> Instant.now().isAfter(firstSeen.plusSeconds(2)));
    // The real scheduler tries the pods again whenever CPU is freed on the node: a small pod bound to it, then
    // deleted, again and again. The same failure again (the pod's status, and with it its resourceVersion, then
    // unchanged) is written by the events library it uses (events.k8s.io/v1) as a series of the earlier event
    // (series.count, series.lastObservedTime), with neither the core/v1 count nor lastTimestamp set.
    String filler = "cpu-filler";
    try {
      io.fabric8.kubernetes.api.model.Event repeated = await().atMost(ROLLOUT).pollInterval(Duration.ofSeconds(3))
          .until(() -> {
            var series = failedScheduling().stream().filter(e -> e.getSeries() != null).findFirst().orElse(null);
            if (series == null) {
              freeSomeCpu(filler);
            }
            return series;
          }, java.util.Objects::nonNull);
      System.out.printf("%n[series] core/v1 view of a repeated FailedScheduling: %s%n", repeated);
      assertThat(repeated.getCount()).isNull();
      assertThat(repeated.getLastTimestamp()).isNull();
      Instant repeatedAt = Instant.parse(repeated.getSeries().getLastObservedTime().getTime());
      assertThat(repeatedAt).isAfter(firstSeen);

      WorkloadStatus seen = workload.inspect(TARGET, Duration.ofMinutes(10), 5);

      String pod = "Pod/" + repeated.getInvolvedObject().getName();
      WorkloadStatus.Event event = seen.events().stream().filter(e -> e.object().equals(pod)
          && "FailedScheduling".equals(e.reason())).findFirst().orElseThrow();
      assertThat(event.count()).as("the series' count").isEqualTo(repeated.getSeries().getCount())
          .isGreaterThanOrEqualTo(2);
      assertThat(Instant.parse(event.lastSeen())).as("the series' last observation, not the first event's time")
          .isEqualTo(repeatedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      ServiceDownDiagnosis.Finding finding = ServiceDownDiagnosis.diagnose(seen, null, null, Duration.ofHours(2));
      assertThat(finding.cause()).isEqualTo(ServiceDownCause.UNSCHEDULABLE);
      assertThat(finding.evidence()).anySatisfy(line -> assertThat(line)
          .startsWith(pod + " FailedScheduling ×" + event.count() + ": "));
    } finally {
      admin().pods().inNamespace(NS).withName(filler).withGracePeriod(0).delete();
      await().atMost(ROLLOUT).until(() -> admin().pods().inNamespace(NS).withName(filler).get() == null);
    }
  }

  /** Binds a small pod to the node, or deletes it again: either way the scheduler sees CPU come or go. */
  static void freeSomeCpu(String name) {
    if (admin().pods().inNamespace(NS).withName(name).get() != null) {
      admin().pods().inNamespace(NS).withName(name).withGracePeriod(0).delete();
      return;
    }
    admin().pods().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withName(name).addToLabels("app", "cpu-filler").endMetadata()
        .withNewSpec().withNodeName(ControlPlane.NODE)
        .addNewContainer().withName("filler").withImage("registry.example/filler:1")
        .withNewResources().addToRequests("cpu", new Quantity("100m")).endResources().endContainer()
        .endSpec().build()).create();
  }

  static void createUnschedulable() {
    admin().apps().deployments().inNamespace(NS).resource(deployment(NAME, GOOD)
        .editSpec().editTemplate().editSpec().editFirstContainer()
        .withNewResources().addToRequests("cpu", new Quantity("64")).endResources()
        .endContainer().endSpec().endTemplate().endSpec()
        .build()).create();
  }

  /** The FailedScheduling events (core/v1 view, as the admin reads it) about the current pods of the Deployment. */
  static List<io.fabric8.kubernetes.api.model.Event> failedScheduling() {
    List<String> pods = pods(NAME).stream().map(p -> p.getMetadata().getName()).toList();
    return admin().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "FailedScheduling".equals(e.getReason()) && pods.contains(e.getInvolvedObject().getName()))
        .toList();
  }

  @Test
  void eventsOfAnEarlierDeploymentOfTheSameNameAreNotReported() {
    // The same Deployment deleted and created again (helm uninstall/install): the same name, the same template, so
    // the same ReplicaSet name; the first one's events stay in the namespace for an hour.
    createHealthy(deployment(NAME, GOOD).build());
    remove(NAME);
    Deployment second = createHealthy(deployment(NAME, GOOD).build());
    List<String> pods = pods(NAME).stream().map(p -> p.getMetadata().getName()).toList();
    // Both incarnations' events are there, told apart only by the object's uid.
    await().atMost(ROLLOUT).until(() -> admin().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "Deployment".equals(e.getInvolvedObject().getKind())
            && NAME.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getInvolvedObject().getUid()).distinct().count() >= 2);

    WorkloadStatus seen = workload.inspect(TARGET, Duration.ofMinutes(10), 5);

    assertThat(seen.events()).filteredOn(e -> "SuccessfulCreate".equals(e.reason()))
        .as("one 'Created pod' per pod of this Deployment, none of the earlier one's")
        .hasSize(3)
        .allSatisfy(e -> assertThat(pods).contains(e.message().substring("Created pod: ".length())));
    assertThat(seen.events()).filteredOn(e -> e.object().startsWith("Deployment/"))
        .extracting(WorkloadStatus.Event::message)
        .containsExactly("Scaled up replica set " + newestSet(second) + " from 0 to 3");
  }

  static String newestSet(Deployment d) {
    return admin().apps().replicaSets().inNamespace(NS).withLabel("app", NAME).list().getItems().stream()
        .filter(rs -> rs.getMetadata().getOwnerReferences().get(0).getUid().equals(d.getMetadata().getUid()))
        .findFirst().orElseThrow().getMetadata().getName();
  }

  // ---- another namespace ------------------------------------------------------------------------------------------

  @Test
  void aTargetInANamespaceTheRoleDoesNotCoverIsForbiddenNonRetryablyAndNothingChanges() {
    if (admin().namespaces().withName(STAGING).get() == null) {
      admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(STAGING).endMetadata().build())
          .create();
    }
    Deployment created = admin().apps().deployments().inNamespace(STAGING).resource(
        deployment(NAME, GOOD).editMetadata().withNamespace(STAGING).endMetadata().build()).create();
    Supplier<Deployment> staged = () -> admin().apps().deployments().inNamespace(STAGING).withName(NAME).get();
    await().atMost(ROLLOUT).until(() -> staged.get().getStatus() != null
        && Long.valueOf(1).equals(staged.get().getStatus().getObservedGeneration()));
    Unchanged before = Unchanged.of(staged.get());

    Map<String, ThrowingCallable> calls = new java.util.LinkedHashMap<>();
    calls.put("rollingRestart", () -> kube.rollingRestart(IN_STAGING, "staging-1/restart", Duration.ZERO));
    calls.put("rollback", () -> workload.rollback(IN_STAGING, 1, "staging-1/rollback"));
    calls.put("inspect", () -> workload.inspect(IN_STAGING, Duration.ofMinutes(10), 5));
    calls.put("setPoolSettings",
        () -> poolSize.setPoolSettings(IN_STAGING, List.of(new EnvValue("DATABASE_POOL_SIZE", "30"))));
    calls.forEach((name, call) -> {
      ApplicationFailure failure = catchThrowableOfType(call, ApplicationFailure.class);
      assertThat(failure).as(name).isNotNull();
      assertThat(failure.isNonRetryable()).as(name).isTrue();
      assertThat(failure.getType()).as(name).isEqualTo(KubeCalls.FORBIDDEN);
      assertThat(failure.getOriginalMessage()).as(name)
          .startsWith("forbidden: cannot get deployments.apps in namespace staging — grant verb get on"
              + " deployments.apps in namespace staging to Remediator's service account")
          .contains("system:serviceaccount:remediator:remediator-worker");
    });
    assertThat(Unchanged.of(staged.get())).isEqualTo(before);
    assertThat(created.getMetadata().getUid()).isEqualTo(staged.get().getMetadata().getUid());
  }

  /** What a refused action must leave as it was. */
  record Unchanged(long generation, long revision, String template, Map<String, String> annotations) {
    static Unchanged of(Deployment d) {
      return new Unchanged(d.getMetadata().getGeneration(), Deployments.revision(d.getMetadata().getAnnotations()),
          io.fabric8.kubernetes.client.utils.Serialization.asJson(d.getSpec().getTemplate()),
          Map.copyOf(Deployments.nonNull(d.getMetadata().getAnnotations())));
    }
  }
}
