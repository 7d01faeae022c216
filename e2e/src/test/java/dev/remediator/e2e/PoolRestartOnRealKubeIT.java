package dev.remediator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

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
class PoolRestartOnRealKubeIT extends RealKubeScenario {
  static final String IMAGE = "registry.example/auth-service:2.4.1";

  @Test
  @DisplayName("pool runbook on real Kubernetes: kill -9 while waiting for the restart's rollout (minReadySeconds)")
  void killWhileWaitingForTheRestartOnRealKubernetes(TestInfo info) throws Exception {
    RemediatorProcess worker = startOnRealCluster(info,
        Map.of("terminateSessions", "\"off\"", "rollingRestart", "approve"), IMAGE, RealCluster.Strategy.SURGE_ALL);
    String historyBefore = kube.history();
    List<String> setsBefore = kube.replicaSets().stream().map(rs -> rs.getMetadata().getName()).toList();
    long generationBefore = kube.generation();

    fire();
    String plan = awaitPlan();
    assertThat(stack.show().at("/status/plan/actions/0/type").asText()).isEqualTo("ROLLING_RESTART");
    Acting acting = approveAndAwaitTheRolloutWait(plan, "restart", "Rolling restart started",
        () -> realRestartedAt() != null);
    String restartedAt = realRestartedAt();

    long killed = killInTheRolloutWait(worker, "restart", acting, () -> {
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

    noteRollout(historyBefore, historyAfter, acting, killed, rolledOut, recovered);
  }

  private String realRestartedAt() {
    var meta = kube.get().getSpec().getTemplate().getMetadata();
    return meta.getAnnotations() == null ? null : meta.getAnnotations().get(RealCluster.RESTARTED_AT);
  }
}
