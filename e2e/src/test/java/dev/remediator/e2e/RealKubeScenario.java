package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the scenarios on the real Kubernetes control plane share: {@code prod/auth-service} on it ({@link RealCluster},
 * removed after each scenario), the worker with the {@code remediator-worker} ServiceAccount's token in its
 * KUBECONFIG, never the admin's, and a {@code kill -9} of the worker while it waits for a real rollout that the
 * Deployment's {@code minReadySeconds} ({@value #MIN_READY} s) keeps going.
 */
@ExtendWith(RealCluster.class)
abstract class RealKubeScenario extends Scenario {
  static final int MIN_READY = 30;
  static final Duration PHASE = Duration.ofSeconds(90);
  /** The heartbeat timeout of the dead attempt (30 s), the rest of the rollout, verification. */
  static final Duration AFTER_CRASH = Duration.ofSeconds(150);

  RealCluster kube;

  /** When the plan was approved, and when the worker had patched the Deployment and waited for its rollout. */
  record Acting(long approvedNanos, long patchedNanos) {}

  @AfterEach
  void removeDeployment() {
    if (kube != null) {
      kube.remove();
    }
  }

  /**
   * The control plane (or the scenario is skipped there), a fresh stack with {@code policy} whose worker gets the
   * ServiceAccount's kubeconfig, the Deployment of {@code image} with {@code strategy} rolled out at revision 1, the
   * leak, then the server, a worker and a receiver; returns the worker.
   */
  RemediatorProcess startOnRealCluster(TestInfo info, Map<String, String> policy, String image,
      RealCluster.Strategy strategy) throws Exception {
    kube = RealCluster.onControlPlane();
    stack(info, policy);
    stack.useKubeconfig(kube.controlPlane.workerKubeconfig()); // the worker's ServiceAccount token, as deployed
    kube.create(image, MIN_READY, strategy);
    leak();
    RemediatorProcess worker = startAll();
    kube.awaitComplete(RealCluster.ROLLOUT);
    assertThat(kube.revision()).isEqualTo(1);
    return worker;
  }

  /**
   * Approves {@code plan} and waits until the Deployment shows the {@code action}'s patch ({@code patched}) and the
   * worker's timeline says it waits for the rollout (an event starting with {@code started}); the incident is ACTING.
   */
  Acting approveAndAwaitTheRolloutWait(String plan, String action, String started, Callable<Boolean> patched) {
    long approved = System.nanoTime();
    approve(plan);
    await("the " + action + " is patched and the worker waits for its rollout").atMost(PHASE)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> patched.call() && waitingForTheRollout(stack.show(), started));
    long patchedAt = System.nanoTime();
    assertThat(stack.phase()).isEqualTo(ACTING);
    return new Acting(approved, patchedAt);
  }

  /**
   * {@code kill -9} of the worker inside {@code kubectl rollout status} of the {@code action}'s rollout, noted with
   * the rollout's state, which must still be going; {@code release}; then a second worker. Returns when it was killed.
   */
  long killInTheRolloutWait(RemediatorProcess worker, String action, Acting acting, Step release) throws Exception {
    String[] atKill = new String[1];
    long[] killed = new long[1];
    killAndReplace(worker, () -> {
      killed[0] = System.nanoTime();
      atKill[0] = kube.rolloutState();
      return "killed in ACTING inside kubectl rollout status, " + secs(acting.approvedNanos(), acting.patchedNanos())
          + " s after the approval, the " + action + "'s rollout at " + atKill[0] + " (minReadySeconds " + MIN_READY
          + ")";
    }, () -> {
      assertThat(kube.complete()).as("the " + action + "'s rollout was still going at the kill: " + atKill[0])
          .isFalse();
      release.run();
    });
    return killed[0];
  }

  /** The durability report's notes: the real rollout history, and how long the rollout and the recovery took. */
  static void noteRollout(String historyBefore, String historyAfter, Acting acting, long killed, long rolledOut,
      long recovered) {
    note("history " + historyBefore + " → " + historyAfter);
    note("rollout took " + secs(acting.patchedNanos(), rolledOut) + " s after the patch; killed→rolled out "
        + secs(killed, rolledOut) + " s; killed→RECOVERED (worker-2) " + secs(killed, recovered) + " s");
  }

  /** The worker has patched and scheduled the rollout's wait: an event "{@code started}… waiting for the rollout". */
  static boolean waitingForTheRollout(JsonNode shown, String started) {
    return shown != null && shown.path("status").path("timeline").findValuesAsText("event").stream()
        .anyMatch(e -> e.startsWith(started) && e.endsWith("waiting for the rollout"));
  }

  static String secs(long fromNanos, long toNanos) {
    return String.format(Locale.ROOT, "%.1f", (toNanos - fromNanos) / 1e9);
  }
}
