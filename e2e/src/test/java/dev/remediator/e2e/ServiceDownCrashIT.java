package dev.remediator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The Service Down runbook across a {@code kill -9} of the worker: the simulated cluster rolls out an image that
 * crashes at start, the ServiceDown alert opens the incident, the rollback is approved, and the worker is killed
 * while it waits for the rollout back (the controller holds it). A new worker process finishes the wait, verifies and
 * closes the incident; the Deployment was rolled back exactly once. On the real Temporal server.
 */
class ServiceDownCrashIT extends Scenario {
  static final String INCIDENT = "servicedown:prod:auth-service:authdb";
  static final String BAD_IMAGE = "registry.example/auth-service:2.5.0";
  static final String GOOD_IMAGE = "registry.example/auth-service:2.4.1";
  private static final Duration PHASE = Duration.ofSeconds(60);
  private static final Duration AFTER_CRASH = Duration.ofSeconds(120);

  @Test
  @DisplayName("service down: kill -9 while waiting for the rollback's rollout (rollout held)")
  void killWhileWaitingForTheRollback(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of("rollingRestart", "approve"));
    stack.incident = INCIDENT;
    stack.world.probesServeWhile(() -> stack.cluster.servingPods() > 0);
    stack.cluster.rollOutBrokenImage(BAD_IMAGE, "release 2.5.0");
    await("every pod crash-loops").atMost(PHASE)
        .until(() -> stack.cluster.crashingPods() == 3 && stack.cluster.servingPods() == 0);

    HttpResponse<String> fired = stack.webhook(receiverPort, Stack.payload("service-down-firing.json"));
    assertThat(fired.statusCode()).as(fired.body()).isEqualTo(200);
    assertThat(Stack.parse(fired.body()).at("/accepted/0/incidentId").asText()).isEqualTo(INCIDENT);
    String plan = awaitPlan();
    assertThat(stack.show().at("/status/plan/actions/0/type").asText()).isEqualTo("ROLLBACK");
    stack.cluster.holdRollouts(true);
    approve(plan);
    await("the rollback is patched onto the Deployment").atMost(PHASE).until(() -> (plan + "/rollback")
        .equals(deployment().getMetadata().getAnnotations().get("remediator.dev/rollback-request")));
    assertThat(stack.phase()).isEqualTo(ACTING);

    killAndReplace(worker, () -> "killed in ACTING inside kubectl rollout status, after the rollback",
        () -> stack.cluster.holdRollouts(false));

    stack.awaitPhase("RECOVERED", AFTER_CRASH);
    HttpResponse<String> resolved = stack.webhook(receiverPort, Stack.payload("service-down-resolved.json"));
    assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
    JsonNode report = stack.awaitReport(PHASE);

    assertThat(report.get("outcome").asText()).isEqualTo("MITIGATED");
    assertThat(actions(report, "ROLLBACK", "EXECUTED")).hasSize(1);
    assertThat(report.path("timeline").findValuesAsText("event"))
        .filteredOn(e -> e.startsWith("Rolled back from revision")).hasSize(1);
    assertThat(stack.cluster.image()).isEqualTo(GOOD_IMAGE);
    assertThat(stack.cluster.servingPods()).isEqualTo(3);
    assertThat(stack.cluster.crashingPods()).isZero();
    // The rollback the dead worker made is the only one: a second would carry another request ID.
    assertThat(deployment().getMetadata().getAnnotations())
        .containsEntry("remediator.dev/rollback-request", plan + "/rollback")
        .containsEntry("remediator.dev/rollback-revisions", "3->2");
    assertThat(db.leakedLeft()).as("the pool runbook's sessions were not touched").isEqualTo(LEAKED);
    assertNoNonDeterminism();
  }

  private io.fabric8.kubernetes.api.model.apps.Deployment deployment() {
    return stack.cluster.client().apps().deployments().inNamespace("prod").withName("auth-service").get();
  }
}
