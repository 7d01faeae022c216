package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@code kill -9} of the Temporal server itself ({@code temporal server start-dev}), then a restart on the same SQLite
 * file: the incident continues where it was, with the worker and receiver that outlived the server, and each
 * destructive action happened exactly once.
 */
class TemporalCrashIT extends Scenario {
  private static final Duration PHASE = Duration.ofSeconds(60);
  /** Long enough for an activity whose completion was lost with the server to time out and be retried (30 s). */
  private static final Duration AFTER_CRASH = Duration.ofSeconds(120);

  @Test
  @DisplayName("kill -9 of the Temporal server while awaiting approval, restart on the same database")
  void killServerWhileAwaitingApproval(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of());
    assertThat(worker.output()).as("a real server: sticky execution stays on")
        .doesNotContain("embedded test server");
    RemediatorProcess server = stack.processes().get(0);
    fire();
    String plan = awaitPlan();
    killServer(server, "killed while awaiting approval");
    RemediatorProcess.Cli down = stack.cli("show", Stack.INCIDENT, "--timeout", "2");
    assertThat(down.exitCode()).as(down.stderr()).isEqualTo(1);
    assertThat(down.stderr()).contains("Temporal is not reachable");
    restartServer();
    JsonNode status = stack.awaitPhase("AWAITING_APPROVAL", PHASE);
    assertThat(status.at("/plan/planId").asText()).as("the same plan, still pending").isEqualTo(plan);
    assertThat(db.leakedLeft()).as("nothing done before the approval").isEqualTo(LEAKED);
    approve(plan);
    JsonNode report = recoverAndClose(PHASE);
    assertTerminatedExactlyOnce(report, 0);
    assertClusterUntouched();
    assertWorkerOutlivedTheServer(worker);
    assertThat(report.get("timeline").findValuesAsText("event"))
        .filteredOn(e -> e.contains("opened the incident")).as("one incident, not a new one").hasSize(1);
    assertShowAndReportWorkAfterClose();
    assertNoNonDeterminism();
  }

  @Test
  @DisplayName("kill -9 of the Temporal server while terminating sessions, restart on the same database")
  void killServerWhileTerminating(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of());
    RemediatorProcess server = stack.processes().get(0);
    fire();
    JsonNode status = stack.awaitPhase("AWAITING_APPROVAL", PHASE);
    String plan = status.at("/plan/planId").asText();
    List<Integer> order = new ArrayList<>();
    status.at("/plan/actions/0/sessions").forEach(s -> order.add(s.get("pid").asInt()));
    assertThat(order).hasSize(LEAKED);
    int stuck = order.get(12); // the 13th session of the plan cannot react to SIGTERM for now
    TargetDatabase.signal(stuck, "STOP");
    try {
      approve(plan);
      await("12 sessions terminated, the 13th pending").atMost(PHASE).pollInterval(Duration.ofMillis(20))
          .until(() -> db.leakedLeft() <= LEAKED - 12);
      assertThat(stack.phase()).isEqualTo(ACTING);
      killServer(server, "killed inside the termination: " + (LEAKED - db.leakedLeft()) + " of " + LEAKED
          + " terminated");
    } finally {
      TargetDatabase.signal(stuck, "CONT"); // it takes the pending SIGTERM and exits; the activity goes on
    }
    // The activity goes on in the worker without the server: it finishes the plan's sessions meanwhile.
    await("the worker finishes the termination while the server is down").atMost(PHASE)
        .pollInterval(Duration.ofMillis(100)).until(() -> db.leakedLeft() == 0);
    assertThat(db.healthyLeft()).isEqualTo(HEALTHY);
    restartServer();
    JsonNode report = recoverAndClose(AFTER_CRASH);
    assertThat(db.leakedLeft()).as("leaked sessions left").isZero();
    assertThat(db.healthyLeft()).as("healthy sessions left").isEqualTo(HEALTHY);
    List<JsonNode> executed = actions(report, "TERMINATE_SESSIONS", "EXECUTED");
    assertThat(executed).as("executed terminations").hasSize(1);
    int counted = (report.hasNonNull("runbook") ? report.get("runbook") : report).get("sessionsTerminated").asInt();
    note("report counts " + counted + " terminated; action: " + executed.get(0).get("detail").asText());
    // The attempt's completion reached the restarted server (25), or it was lost and the retry found the sessions
    // gone (counted from the first attempt's heartbeats: at least its first).
    assertThat(counted).as("sessions terminated per the report").isBetween(LEAKED - 12, LEAKED);
    assertClusterUntouched();
    assertWorkerOutlivedTheServer(worker);
    assertShowAndReportWorkAfterClose();
    assertNoNonDeterminism();
  }
}
