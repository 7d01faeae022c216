package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static dev.remediator.e2e.ServiceDownOnRealKubeIT.secs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.remediator.kubeplane.ControlPlane;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pool runbook's rolling restart on the real Kubernetes control plane (issue 28 item 5) across a {@code kill -9}
 * of the worker: a real PostgreSQL leak (25 sessions idle in transaction) by {@code prod/auth-service}, whose
 * Deployment lives on the real API server; the policy turns session termination off and asks approval for the
 * restart, so the plan is the restart. The worker — a separate OS process with the {@code remediator-worker}
 * ServiceAccount's token in its KUBECONFIG — patches the restart and is killed while it waits for the rollout, which
 * the Deployment's {@code minReadySeconds} ({@value #MIN_READY} s) keeps going. When the new pods are available the
 * old ones (and the leak with them) are gone; a new worker process finishes the wait and closes the incident. The
 * real controller's history shows exactly one restart: one new revision, one {@code restartedAt} value.
 */
@ExtendWith(RealCluster.class)
class PoolRestartOnRealKubeIT extends Scenario {
  static final String IMAGE = "registry.example/auth-service:2.4.1";
  static final int MIN_READY = 30;
  private static final Duration PHASE = Duration.ofSeconds(90);
  private static final Duration AFTER_CRASH = Duration.ofSeconds(150);

  private RealCluster kube;

  @AfterEach
  void removeDeployment() {
    if (kube != null) {
      kube.remove();
    }
  }

  @Test
  @DisplayName("pool runbook on real Kubernetes: kill -9 while waiting for the restart's rollout (minReadySeconds)")
  void killWhileWaitingForTheRestartOnRealKubernetes(TestInfo info) throws Exception {
    kube = RealCluster.onControlPlane();
    ControlPlane controlPlane = kube.controlPlane;
    stack(info, Map.of("terminateSessions", "\"off\"", "rollingRestart", "approve"));
    stack.useKubeconfig(controlPlane.workerKubeconfig()); // the worker's ServiceAccount token, as deployed
    kube.create(IMAGE, MIN_READY, RealCluster.Strategy.SURGE_ALL);
    leak();
    RemediatorProcess worker = startAll();
    kube.awaitComplete(RealCluster.ROLLOUT);
    assertThat(kube.revision()).isEqualTo(1);
    String historyBefore = kube.history();
    List<String> setsBefore = kube.replicaSets().stream().map(rs -> rs.getMetadata().getName()).toList();
    long generationBefore = kube.generation();

    fire();
    String plan = awaitPlan();
    assertThat(stack.show().at("/status/plan/actions/0/type").asText()).isEqualTo("ROLLING_RESTART");
    long approved = System.nanoTime();
    approve(plan);
    await("the restart is patched and the worker waits for its rollout").atMost(PHASE)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> realRestartedAt() != null && waitingForTheRollout(stack.show()));
    long patched = System.nanoTime();
    String restartedAt = realRestartedAt();
    assertThat(stack.phase()).isEqualTo(ACTING);

    String[] atKill = new String[1];
    long[] killed = new long[1];
    killAndReplace(worker, () -> {
      killed[0] = System.nanoTime();
      atKill[0] = kube.rolloutState();
      return "killed in ACTING inside kubectl rollout status, " + secs(approved, patched)
          + " s after the approval, the restart's rollout at " + atKill[0] + " (minReadySeconds " + MIN_READY + ")";
    }, () -> {
      assertThat(kube.complete()).as("the restart's rollout was still going at the kill: " + atKill[0]).isFalse();
      kube.awaitComplete(RealCluster.ROLLOUT);
      // The restarted pods hold none of the old connections: the leak went with the old pods.
      db.closeApplication();
      db.leak(0, HEALTHY);
    });
    long rolledOut = System.nanoTime();

    stack.awaitPhase("RECOVERED", AFTER_CRASH);
    long recovered = System.nanoTime();
    stack.fireResolved(receiverPort);
    JsonNode report = stack.awaitReport(PHASE);
    assertThat(report.get("outcome").asText()).isEqualTo("MITIGATED");
    assertThat(actions(report, "ROLLING_RESTART", "EXECUTED")).as("executed restarts").hasSize(1);
    assertThat(report.path("timeline").findValuesAsText("event"))
        .filteredOn(e -> e.startsWith("Rolling restart started")).as("restarts in the timeline").hasSize(1);
    assertThat((report.hasNonNull("runbook") ? report.get("runbook") : report).get("sessionsTerminated").asInt())
        .isZero();

    // The real controller's rollout history: one restart = one new revision (2) with one restartedAt value, the
    // original ReplicaSet scaled to 0, no third ReplicaSet.
    String historyAfter = kube.history();
    assertThat(kube.revision()).as("the Deployment's revision: " + historyAfter).isEqualTo(2);
    assertThat(kube.generation()).as("one template change since the approval").isEqualTo(generationBefore + 1);
    assertThat(realRestartedAt()).as("the annotation was written once").isEqualTo(restartedAt);
    List<ReplicaSet> sets = kube.replicaSets();
    assertThat(sets).as(historyAfter).hasSize(2);
    assertThat(sets.get(0).getMetadata().getName()).isEqualTo(setsBefore.get(0));
    assertThat(sets.get(0).getSpec().getReplicas()).isZero();
    assertThat(sets.stream().map(rs -> RealCluster.templateAnnotation(rs, RealCluster.RESTARTED_AT))
        .filter(Objects::nonNull).distinct().toList())
        .as("restartedAt values across the ReplicaSets").containsExactly(restartedAt);
    ReplicaSet restarted = sets.get(1);
    assertThat(RealCluster.revision(restarted.getMetadata().getAnnotations())).isEqualTo(2);
    assertThat(restarted.getStatus().getAvailableReplicas()).isEqualTo(3);
    assertThat(kube.annotation("remediator.dev/restart-request")).isEqualTo(plan + "/restart");
    assertThat(kube.readyPods()).hasSize(3).allSatisfy(p -> assertThat(p.getMetadata().getOwnerReferences().get(0)
        .getName()).isEqualTo(restarted.getMetadata().getName()));
    assertNoNonDeterminism();

    note("history " + historyBefore + " → " + historyAfter);
    note("rollout took " + secs(patched, rolledOut) + " s after the patch; killed→rolled out "
        + secs(killed[0], rolledOut) + " s; killed→RECOVERED (worker-2) " + secs(killed[0], recovered) + " s");
  }

  private String realRestartedAt() {
    var meta = kube.get().getSpec().getTemplate().getMetadata();
    return meta.getAnnotations() == null ? null : meta.getAnnotations().get(RealCluster.RESTARTED_AT);
  }

  /** The worker has patched the restart and scheduled the rollout's wait (its timeline says so). */
  static boolean waitingForTheRollout(JsonNode shown) {
    return shown != null && shown.path("status").path("timeline").findValuesAsText("event").stream()
        .anyMatch(e -> e.startsWith("Rolling restart started") && e.endsWith("waiting for the rollout"));
  }
}
