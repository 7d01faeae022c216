package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.KubeFixture.NAME;
import static dev.remediator.kubernetes.KubeFixture.NS;
import static dev.remediator.kubernetes.KubeFixture.TARGET;
import static dev.remediator.kubernetes.KubeFixture.deployment;
import static dev.remediator.kubernetes.KubeFixture.env;
import static dev.remediator.kubernetes.WorkloadFixture.crashLooping;
import static dev.remediator.kubernetes.WorkloadFixture.running;
import static dev.remediator.kubernetes.WorkloadFixture.waiting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.remediator.kubernetes.servicedown.WorkloadActivitiesImpl;
import dev.remediator.runbook.servicedown.CrashLogs;
import dev.remediator.runbook.servicedown.PodOwner;
import dev.remediator.runbook.servicedown.RollbackResult;
import dev.remediator.runbook.servicedown.WorkloadStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Service Down runbook's Kubernetes side against fabric8's mock API server in CRUD mode, the test playing
 * the deployment controller and the kubelet (WorkloadFixture): a good revision 1, a bad rollout to revision 2
 * (new image, an added env var, a lower memory limit) whose pods crash-loop.
 *
 * <p>What the mock cannot do, and how it is covered instead: it runs no controller, so nothing reacts to the
 * rollback patch (no new ReplicaSet, no revision bump, no status) — the test writes what the controller would
 * and checks the patch itself (its JSON Patch body, content type and the template it leaves); it serves no pod
 * logs from stored pods, so {@code --previous} logs are expectations on the exact log path; it ignores field
 * selectors on events, so the activity lists a namespace's events and filters them itself (tested here with
 * foreign and stale events); and it does not enforce RBAC (the 403 mapping is KubernetesActivitiesImplTest's,
 * the Role is checked by deploy/check.sh).
 */
class WorkloadActivitiesImplTest {
  static final String GOOD_IMAGE = "registry.example/auth-service:2.4.1";
  static final String BAD_IMAGE = "registry.example/auth-service:2.5.0";
  static final String DEPLOYMENT_PATH = "/apis/apps/v1/namespaces/prod/deployments/auth-service";

  final KubeFixture k8s = new KubeFixture();
  final WorkloadFixture cluster = new WorkloadFixture(k8s);
  final WorkloadActivitiesImpl activities =
      new WorkloadActivitiesImpl(k8s.targets, () -> k8s.client, Duration.ZERO); // no controller to wait for
  ReplicaSet good;
  ReplicaSet bad;
  PodTemplateSpec goodTemplate;

  @BeforeEach
  void badRollout() {
    k8s.create(deployment(env("LOG_LEVEL", "info")).build());
    goodTemplate = k8s.get().getSpec().getTemplate();
    good = cluster.replicaSet("5d8f7b9c4", 1, 1, 1);
    cluster.revision(1);
    // The bad change: image, one env var more, a memory limit.
    k8s.client.apps().deployments().inNamespace(NS).withName(NAME).edit(d -> new DeploymentBuilder(d)
        .editSpec().editTemplate().editSpec().editContainer(1)
        .withImage(BAD_IMAGE)
        .addToEnv(new EnvVar("FEATURE_X", "on", null))
        .withNewResources().addToLimits("memory", new Quantity("256Mi")).endResources()
        .endContainer().endSpec().endTemplate().endSpec().build());
    bad = cluster.replicaSet("7d9f8c6b5", 2, 3, 0);
    cluster.revision(2);
    long generation = k8s.get().getMetadata().getGeneration();
    k8s.status(generation, 4, 3, 1);
    cluster.pod(bad, "x2x4q", "Running", running("istio-proxy"), crashLooping(NAME, 7, "Error", 1));
    cluster.pod(bad, "h7k2m", "Running", running("istio-proxy"), crashLooping(NAME, 6, "Error", 1));
    cluster.pod(bad, "p9z8w", "Pending");
    cluster.pod(good, "a1b2c", "Running", running("istio-proxy"), running(NAME));
  }

  @AfterEach
  void close() {
    k8s.close();
  }

  @Test
  void inspectShowsReplicasPodsEventsAndWhatTheNewestRevisionChanged() {
    Instant now = Instant.now();
    cluster.event("e1", "Pod", "auth-service-7d9f8c6b5-x2x4q", "Warning", "BackOff",
        "Back-off restarting failed container auth-service in pod auth-service-7d9f8c6b5-x2x4q", 12,
        now.minusSeconds(30));
    cluster.event("e2", "Pod", "auth-service-7d9f8c6b5-h7k2m", "Warning", "Unhealthy",
        "Readiness probe failed: Get \"http://10.0.0.7:8000/ready\": dial tcp 10.0.0.7:8000: connect: connection refused",
        4, now.minusSeconds(60));
    cluster.event("e3", "Pod", "auth-service-7d9f8c6b5-p9z8w", "Warning", "FailedScheduling",
        "0/3 nodes are available: 3 Insufficient memory.", 2, now.minusSeconds(90));
    cluster.event("e4", "Deployment", NAME, "Normal", "ScalingReplicaSet",
        "Scaled up replica set auth-service-7d9f8c6b5 to 3", 1, now.minusSeconds(600));
    // Not ours: another app's pod, and our pod's event older than the window.
    cluster.event("e5", "Pod", "billing-5f6d7c8b9-abcde", "Warning", "BackOff", "Back-off restarting", 3,
        now.minusSeconds(20));
    cluster.event("e6", "Pod", "auth-service-7d9f8c6b5-x2x4q", "Warning", "BackOff", "old", 1,
        now.minus(Duration.ofHours(2)));
    k8s.pod("debug-shell", Map.of("app", NAME)); // the Deployment's labels, but no ReplicaSet owns it

    WorkloadStatus s = activities.inspect(TARGET, Duration.ofMinutes(30), 5);

    assertThat(s.deployment()).isEqualTo(NAME);
    assertThat(List.of(s.desired(), s.updated(), s.ready(), s.available())).containsExactly(3, 3, 1, 1);
    assertThat(s.currentRevision()).isEqualTo(2);
    assertThat(s.paused()).isFalse();
    assertThat(s.rollout().complete()).isFalse();
    assertThat(s.rollout().message()).endsWith("1 old replicas are pending termination...");
    assertThat(s.pods()).extracting(WorkloadStatus.PodState::name).containsExactly(
        "auth-service-7d9f8c6b5-h7k2m", "auth-service-7d9f8c6b5-p9z8w", "auth-service-7d9f8c6b5-x2x4q",
        "auth-service-5d8f7b9c4-a1b2c");
    WorkloadStatus.PodState crashing = s.pods().get(2);
    assertThat(crashing.revision()).isEqualTo(2);
    assertThat(crashing.ready()).isFalse();
    assertThat(crashing.containers()).containsExactly(
        new WorkloadStatus.ContainerState("istio-proxy", true, 0, null, null, null, null),
        new WorkloadStatus.ContainerState(NAME, false, 7, "CrashLoopBackOff",
            "back-off 5m0s restarting failed container=auth-service", "Error", 1));
    assertThat(s.pods().get(1).phase()).isEqualTo("Pending");
    assertThat(s.pods().get(3).revision()).isEqualTo(1);
    assertThat(s.pods().get(3).ready()).isTrue();
    assertThat(s.events()).extracting(WorkloadStatus.Event::reason, WorkloadStatus.Event::object,
            WorkloadStatus.Event::count)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("BackOff", "Pod/auth-service-7d9f8c6b5-x2x4q", 12),
            org.assertj.core.groups.Tuple.tuple("Unhealthy", "Pod/auth-service-7d9f8c6b5-h7k2m", 4),
            org.assertj.core.groups.Tuple.tuple("FailedScheduling", "Pod/auth-service-7d9f8c6b5-p9z8w", 2),
            org.assertj.core.groups.Tuple.tuple("ScalingReplicaSet", "Deployment/auth-service", 1));
    assertThat(s.history()).extracting(WorkloadStatus.Revision::revision).containsExactly(2L, 1L);
    WorkloadStatus.Revision newest = s.history().get(0);
    assertThat(newest.replicaSet()).isEqualTo("auth-service-7d9f8c6b5");
    assertThat(newest.images()).containsExactly("istio/proxyv2:1.22", BAD_IMAGE);
    assertThat(newest.changes()).containsExactly(
        "image auth-service: " + GOOD_IMAGE + " -> " + BAD_IMAGE,
        "env auth-service: FEATURE_X added",
        "resources auth-service: limits.memory unset -> 256Mi");
    assertThat(newest.ageSeconds()).isBetween(0L, 60L);
    assertThat(newest.readyReplicas()).isZero();
    assertThat(s.history().get(1).changes()).isEmpty();
  }

  @Test
  void inspectLimitsTheHistory() {
    assertThat(activities.inspect(TARGET, Duration.ofMinutes(30), 1).history())
        .extracting(WorkloadStatus.Revision::revision).containsExactly(2L);
  }

  @Test
  void resolvesAPodToItsDeploymentThroughItsReplicaSet() {
    k8s.client.apps().deployments().inNamespace(NS)
        .resource(deployment(env()).editMetadata().withName("billing").endMetadata()
            .editSpec().editSelector().withMatchLabels(Map.of("app", "billing")).endSelector().endSpec().build())
        .create();
    ReplicaSet billing = cluster.replicaSet("billing", "5f6d7c8b9", 1, 1, 1,
        k8s.client.apps().deployments().inNamespace(NS).withName("billing").get().getSpec().getTemplate());
    cluster.pod(billing, "abcde", "Running", running("billing"));
    k8s.pod("debug-shell", Map.of("app", NAME));

    assertThat(activities.resolvePod(TARGET, "auth-service-7d9f8c6b5-x2x4q"))
        .isEqualTo(new PodOwner("auth-service-7d9f8c6b5-x2x4q", "auth-service-7d9f8c6b5", NAME, true, null));
    PodOwner foreign = activities.resolvePod(TARGET, "billing-5f6d7c8b9-abcde");
    assertThat(foreign.ofTarget()).isFalse();
    assertThat(foreign.deployment()).isEqualTo("billing");
    assertThat(foreign.reason()).isEqualTo(
        "pod billing-5f6d7c8b9-abcde belongs to deployment billing, not to the target's auth-service");
    assertThat(activities.resolvePod(TARGET, "debug-shell").reason())
        .isEqualTo("pod debug-shell is not owned by a ReplicaSet");
    assertThat(activities.resolvePod(TARGET, "auth-service-7d9f8c6b5-gone").reason())
        .isEqualTo("pod prod/auth-service-7d9f8c6b5-gone no longer exists");
  }

  // ---- rollback -----------------------------------------------------------------------------------------------

  @Test
  void rollbackPutsThePreviousRevisionsTemplateBackWithOneJsonPatch() {
    Deployment before = k8s.get();
    k8s.requests();

    RollbackResult result = activities.rollback(TARGET, 2, "plan-1/rollback");

    assertThat(result.rolledBack()).isTrue();
    assertThat(result.patched()).isTrue();
    assertThat(result.fromRevision()).isEqualTo(2);
    assertThat(result.toRevision()).isEqualTo(1);
    assertThat(result.refusal()).isNull();
    assertThat(result.changes()).containsExactly(
        "image auth-service: " + BAD_IMAGE + " -> " + GOOD_IMAGE,
        "env auth-service: FEATURE_X removed",
        "resources auth-service: limits.memory 256Mi -> unset");
    Deployment after = k8s.get();
    // Exactly revision 1's template, without the ReplicaSet's pod-template-hash label.
    assertThat(after.getSpec().getTemplate()).isEqualTo(goodTemplate);
    assertThat(after.getSpec().getTemplate().getMetadata().getLabels()).doesNotContainKey("pod-template-hash");
    assertThat(after.getMetadata().getAnnotations())
        .containsEntry(Deployments.REVISION, "2") // the controller moves it, not kubectl
        .containsEntry(WorkloadActivitiesImpl.ROLLBACK_REQUEST, "plan-1/rollback")
        .containsEntry(WorkloadActivitiesImpl.ROLLBACK_REVISIONS, "2->1");
    assertThat(after.getSpec().getReplicas()).isEqualTo(before.getSpec().getReplicas());
    List<KubeFixture.Sent> patches = k8s.patches();
    assertThat(patches).hasSize(1);
    assertThat(patches.get(0).path()).isEqualTo(DEPLOYMENT_PATH);
    assertThat(patches.get(0).contentType()).startsWith("application/json-patch+json");
    assertThat(patches.get(0).body()).startsWith("[{\"op\":\"replace\",\"path\":\"/metadata/resourceVersion\","
        + "\"value\":\"" + before.getMetadata().getResourceVersion() + "\"},{\"op\":\"replace\","
        + "\"path\":\"/spec/template\",");
  }

  @Test
  void aRetriedRollbackRequestDoesNotPatchAgain() {
    RollbackResult first = activities.rollback(TARGET, 2, "plan-1/rollback");
    // Controller: the old ReplicaSet becomes revision 3 and the Deployment follows.
    cluster.revision(3);
    String version = k8s.get().getMetadata().getResourceVersion();
    k8s.requests();

    RollbackResult retry = activities.rollback(TARGET, 2, "plan-1/rollback");

    assertThat(retry.rolledBack()).isTrue();
    assertThat(retry.patched()).isFalse();
    assertThat(List.of(retry.fromRevision(), retry.toRevision())).containsExactly(first.fromRevision(), first.toRevision());
    assertThat(k8s.patches()).isEmpty();
    assertThat(k8s.get().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void aRollbackSomeoneElseAlreadyMadeIsReportedNotRepeated() {
    k8s.client.apps().deployments().inNamespace(NS).withName(NAME).edit(d -> new DeploymentBuilder(d)
        .editSpec().withTemplate(goodTemplate).endSpec().build());
    k8s.rolledOut();
    k8s.requests();

    RollbackResult result = activities.rollback(TARGET, 2, "plan-1/rollback");

    assertThat(result.rolledBack()).isTrue();
    assertThat(result.patched()).isFalse();
    assertThat(result.toRevision()).isEqualTo(1);
    assertThat(k8s.patches()).isEmpty();
  }

  @Test
  void rollbackIsRefusedWhenAnotherRolloutIsInProgress() {
    // Someone changed the Deployment after the diagnosis; the controller has not observed it yet.
    k8s.client.apps().deployments().inNamespace(NS).withName(NAME).edit(d -> new DeploymentBuilder(d)
        .editSpec().editTemplate().editSpec().editContainer(1).withImage("registry.example/auth-service:2.5.1")
        .endContainer().endSpec().endTemplate().endSpec().build());
    String version = k8s.get().getMetadata().getResourceVersion();
    k8s.requests();

    RollbackResult unobserved = activities.rollback(TARGET, 2, "plan-1/rollback");
    assertThat(unobserved.rolledBack()).isFalse();
    assertThat(unobserved.refusal()).isEqualTo("a rollout of deployment prod/auth-service is in progress: its"
        + " latest change is not yet observed by the controller");

    // Controller: it observed it and made revision 3.
    cluster.replicaSet("8e0a1b2c3", 3, 3, 0);
    cluster.revision(3);
    k8s.status(k8s.get().getMetadata().getGeneration(), 4, 1, 1);
    k8s.requests();
    RollbackResult moved = activities.rollback(TARGET, 2, "plan-1/rollback");
    assertThat(moved.refusal()).isEqualTo("deployment prod/auth-service is at revision 3, not at revision 2 found"
        + " bad: another rollout happened since the diagnosis");
    assertThat(k8s.patches()).isEmpty();
    assertThat(k8s.get().getSpec().getTemplate().getSpec().getContainers().get(1).getImage())
        .isEqualTo("registry.example/auth-service:2.5.1");
    assertThat(version).isNotNull();
  }

  @Test
  void rollbackIsRefusedWhenPausedOrThePreviousRevisionIsUnknown() {
    k8s.client.apps().replicaSets().inNamespace(NS).withName(good.getMetadata().getName()).delete();
    k8s.requests();
    RollbackResult unknown = activities.rollback(TARGET, 2, "plan-1/rollback");
    assertThat(unknown.rolledBack()).isFalse();
    assertThat(unknown.refusal()).startsWith("the revision before 2 of deployment prod/auth-service is unknown");
    assertThat(k8s.patches()).isEmpty();

    k8s.client.apps().deployments().inNamespace(NS).withName(NAME).edit(d -> new DeploymentBuilder(d)
        .editSpec().withPaused(true).endSpec().build());
    k8s.rolledOut();
    k8s.requests();
    assertThat(activities.rollback(TARGET, 2, "plan-1/rollback").refusal())
        .isEqualTo("deployment prod/auth-service is paused; kubectl cannot roll back a paused deployment (kubectl"
            + " rollout resume first)");
    assertThat(k8s.patches()).isEmpty();
  }

  @Test
  void unconfiguredTargetsAreRefusedBeforeAnyCall() {
    k8s.requests();
    ApplicationFailure unknown = catchThrowableOfType(ApplicationFailure.class,
        () -> activities.rollback(KubeFixture.UNCONFIGURED, 2, "r"));
    assertThat(unknown.getType()).isEqualTo("UnknownTarget");
    assertThat(unknown.isNonRetryable()).isTrue();
    ApplicationFailure noKubernetes = catchThrowableOfType(ApplicationFailure.class,
        () -> activities.inspect(KubeFixture.WITHOUT_KUBERNETES, Duration.ofMinutes(30), 5));
    assertThat(noKubernetes.getType()).isEqualTo(Deployments.NOT_CONFIGURED);
    assertThat(k8s.requests()).isEmpty();
  }

  // ---- previous logs ------------------------------------------------------------------------------------------

  static String previousLogPath(String pod, String container) {
    return "/api/v1/namespaces/prod/pods/" + pod + "/log?pretty=false&container=" + container
        + "&previous=true&tailLines=" + WorkloadActivitiesImpl.MAX_LOG_LINES;
  }

  @Test
  void crashLogsCountsThePatternsInTheCrashedContainersPreviousLogs() {
    k8s.server.expect().get().withPath(previousLogPath("auth-service-7d9f8c6b5-x2x4q", NAME)).andReturn(200, """
        2026-11-29T20:01:00Z INFO starting auth-service 2.5.0
        2026-11-29T20:01:01Z ERROR org.postgresql.util.PSQLException: Connection to authdb.prod.svc:5432 refused. password=hunter2
        2026-11-29T20:01:01Z FATAL could not connect to server: Connection refused
        """).always();
    k8s.server.expect().get().withPath(previousLogPath("auth-service-7d9f8c6b5-h7k2m", NAME)).andReturn(200, """
        2026-11-29T20:02:00Z ERROR java.lang.IllegalStateException: environment variable JWT_SECRET is not set
        """).always();

    CrashLogs logs = activities.crashLogs(TARGET, 5);

    assertThat(logs.containers()).isEqualTo(2);
    assertThat(logs.linesScanned()).isEqualTo(4);
    assertThat(logs.counts()).containsExactly(
        Map.entry(CrashLogs.CONFIGURATION, 1),
        Map.entry(CrashLogs.DATABASE, 2),
        Map.entry(CrashLogs.CRASH, 3),
        Map.entry(CrashLogs.OUT_OF_MEMORY, 0));
    assertThat(logs.samples()).hasSize(3).allSatisfy(l -> assertThat(l).doesNotContain("hunter2"));
    assertThat(logs.samples().get(0)).startsWith("auth-service-7d9f8c6b5-x2x4q/auth-service: ");
    // Only crashed containers are read: never the healthy pod, the sidecars or the pending pod.
    assertThat(k8s.requests()).filteredOn(r -> r.path().contains("/log"))
        .extracting(KubeFixture.Sent::path)
        .containsExactly(previousLogPath("auth-service-7d9f8c6b5-h7k2m", NAME),
            previousLogPath("auth-service-7d9f8c6b5-x2x4q", NAME));
  }

  @Test
  void crashLogsStopsAtTheContainerCap() {
    k8s.server.expect().get().withPath(previousLogPath("auth-service-7d9f8c6b5-h7k2m", NAME))
        .andReturn(200, "java.lang.OutOfMemoryError: Java heap space\n").always();

    CrashLogs logs = activities.crashLogs(TARGET, 1);

    assertThat(logs.containers()).isEqualTo(1);
    assertThat(logs.count(CrashLogs.OUT_OF_MEMORY)).isEqualTo(1);
  }

  @Test
  void imagePullErrorsAreShownAsWaitingReasons() {
    k8s.client.pods().inNamespace(NS).withName("auth-service-7d9f8c6b5-p9z8w").delete();
    cluster.pod(bad, "q1w2e", "Pending", running("istio-proxy"), waiting(NAME, "ImagePullBackOff",
        "Back-off pulling image \"" + BAD_IMAGE + "\""));

    WorkloadStatus s = activities.inspect(TARGET, Duration.ofMinutes(30), 5);

    assertThat(s.pods()).filteredOn(p -> p.name().endsWith("q1w2e")).singleElement()
        .satisfies(p -> assertThat(p.containers().get(1).waitingReason()).isEqualTo("ImagePullBackOff"));
  }
}
