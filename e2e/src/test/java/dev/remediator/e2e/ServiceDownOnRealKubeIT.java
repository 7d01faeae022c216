package dev.remediator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The Service Down runbook on the real Kubernetes control plane (issue 28 item 5) across a {@code kill -9} of the
 * worker: a release whose image crash-loops (KWOK's crash-loop stage, as a kubelet reports it) takes all three pods
 * of {@code prod/auth-service} down; the ServiceDown alert opens the incident; the planned ROLLBACK is approved; the
 * worker — a separate OS process whose KUBECONFIG holds the {@code remediator-worker} ServiceAccount's token, never
 * the admin's — rolls back and is killed while it waits for the rollback's rollout. That rollout really takes a
 * while: the Deployment's {@code minReadySeconds} keeps the new pods unavailable for {@value #MIN_READY} s after
 * they are Ready. A new worker process finishes the wait, verifies and closes the incident. The real controller's
 * history shows exactly one rollback: one new revision, the good image's ReplicaSet reused once. On the real
 * Temporal server.
 */
class ServiceDownOnRealKubeIT extends RealKubeScenario {
  static final String INCIDENT = ServiceDownCrashIT.INCIDENT;
  static final String GOOD_IMAGE = "registry.example/auth-service:2.4.1";
  /** KWOK's crash-loop stage applies to any image whose name contains "crashloop". */
  static final String BAD_IMAGE = "registry.example/auth-service:2.5.0-crashloop";

  @Test
  @DisplayName("service down on real Kubernetes: kill -9 while waiting for the rollback's rollout (minReadySeconds)")
  void killWhileWaitingForTheRollbackOnRealKubernetes(TestInfo info) throws Exception {
    RemediatorProcess worker = startOnRealCluster(info, Map.of("rollingRestart", "approve"), GOOD_IMAGE,
        RealCluster.Strategy.REPLACE_ALL);
    stack.incident = INCIDENT;

    // The service answers while a pod is Ready; the release replaces every pod with one that crash-loops.
    stack.world.probesServeWhile(() -> !kube.readyPods().isEmpty());
    kube.setImage(BAD_IMAGE);
    // As the alert fires in production (after a minute of failing probes): every pod is the release's and
    // crash-looping, not merely Pending — an incident opened on Pending pods sees no crash yet.
    await("every pod is the bad release's, crash-looping, none Ready").atMost(PHASE)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> {
          var pods = kube.pods();
          return pods.size() == 3 && kube.readyPods().isEmpty()
              && pods.stream().allMatch(p -> BAD_IMAGE.equals(RealCluster.image(p)) && RealCluster.crashLooping(p));
        });
    assertThat(kube.revision()).isEqualTo(2);

    HttpResponse<String> fired = stack.webhook(receiverPort, Stack.payload("service-down-firing.json"));
    assertThat(fired.statusCode()).as(fired.body()).isEqualTo(200);
    assertThat(Stack.parse(fired.body()).at("/accepted/0/incidentId").asText()).isEqualTo(INCIDENT);
    String plan = awaitPlan();
    assertThat(stack.show().at("/status/plan/actions/0/type").asText()).isEqualTo("ROLLBACK");
    long generationBefore = kube.generation();
    String historyBefore = kube.history();
    List<String> setsBefore = kube.replicaSets().stream().map(rs -> rs.getMetadata().getName()).toList();
    assertThat(setsBefore).hasSize(2);

    Acting acting = approveAndAwaitTheRolloutWait(plan, "rollback", "Rolled back from revision",
        () -> (plan + "/rollback").equals(kube.annotation("remediator.dev/rollback-request")));

    long killed = killInTheRolloutWait(worker, "rollback", acting, () -> {});
    kube.awaitComplete(RealCluster.ROLLOUT);
    long rolledOut = System.nanoTime();

    stack.awaitPhase("RECOVERED", AFTER_CRASH);
    long recovered = System.nanoTime();
    HttpResponse<String> resolved = stack.webhook(receiverPort, Stack.payload("service-down-resolved.json"));
    assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
    JsonNode report = stack.awaitReport(PHASE);

    assertThat(report.get("outcome").asText()).isEqualTo("MITIGATED");
    assertThat(actions(report, "ROLLBACK", "EXECUTED")).as("executed rollbacks").hasSize(1);
    assertThat(report.path("timeline").findValuesAsText("event"))
        .filteredOn(e -> e.startsWith("Rolled back from revision") || e.startsWith("Already rolled back"))
        .as("rollbacks in the timeline").hasSize(1);

    // The real controller's rollout history: one rollback = one new revision (3), revision 1's ReplicaSet reused
    // once (revision-history "1") with the good image, the bad release's scaled to 0, no third ReplicaSet.
    String historyAfter = kube.history();
    assertThat(kube.revision()).as("the Deployment's revision: " + historyAfter).isEqualTo(3);
    assertThat(kube.generation()).as("one template change since the approval").isEqualTo(generationBefore + 1);
    List<ReplicaSet> sets = kube.replicaSets();
    assertThat(sets).extracting(rs -> rs.getMetadata().getName()).as(historyAfter)
        .containsExactlyInAnyOrderElementsOf(setsBefore);
    List<ReplicaSet> newRevisions = sets.stream()
        .filter(rs -> RealCluster.revision(rs.getMetadata().getAnnotations()) > 2).toList();
    assertThat(newRevisions).as("revisions after the bad release's: " + historyAfter).hasSize(1);
    ReplicaSet rolledBack = newRevisions.get(0);
    assertThat(RealCluster.image(rolledBack)).isEqualTo(GOOD_IMAGE);
    assertThat(rolledBack.getMetadata().getAnnotations())
        .containsEntry(RealCluster.REVISION_HISTORY, "1"); // revision 1, renumbered once
    assertThat(rolledBack.getStatus().getAvailableReplicas()).isEqualTo(3);
    ReplicaSet bad = sets.stream().filter(rs -> rs != rolledBack).findFirst().orElseThrow();
    assertThat(RealCluster.image(bad)).isEqualTo(BAD_IMAGE);
    assertThat(bad.getSpec().getReplicas()).isZero();
    assertThat(kube.annotation("remediator.dev/rollback-request")).isEqualTo(plan + "/rollback");
    assertThat(kube.readyPods()).hasSize(3).allMatch(p -> GOOD_IMAGE.equals(RealCluster.image(p)));
    assertThat(db.leakedLeft()).as("the pool runbook's sessions were not touched").isEqualTo(LEAKED);
    assertNoNonDeterminism();

    noteRollout(historyBefore, historyAfter, acting, killed, rolledOut, recovered);
  }
}
