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
 * {@code kill -9} of the worker inside each step of the runbook. Each step is held open by the world (probes that do
 * not answer, a database that does not accept, a backend that cannot exit, a rollout that does not finish, a pager
 * that does not answer), the kill lands while {@code show} reports that step, a new worker process finishes the
 * incident, and every destructive action happened exactly once. On the real Temporal server
 * ({@code temporal server start-dev}), as every scenario here.
 */
class WorkerCrashIT extends Scenario {
  private static final Duration PHASE = Duration.ofSeconds(60);
  /** Long enough for an activity that died with its worker to time out (database 30 s, notifications 60 s). */
  private static final Duration AFTER_CRASH = Duration.ofSeconds(120);

  @Test
  @DisplayName("no fault: alert, approve, mitigated (baseline)")
  void baseline(TestInfo info) throws Exception {
    leakingStack(info, Map.of());
    fire();
    String plan = awaitPlan();
    // show over Temporal's HTTP API alone (no gRPC server where TEMPORAL_ADDRESS points) prints what it prints over
    // gRPC (read between two gRPC reads that agree).
    await("show over HTTP as over gRPC").atMost(PHASE).pollInterval(Duration.ofMillis(200)).until(() -> {
      RemediatorProcess.Cli before = stack.cli("show", Stack.INCIDENT, "-o", "json", "--timeout", "10");
      RemediatorProcess.Cli overHttp =
          stack.cliOverHttpOnly("show", Stack.INCIDENT, "-o", "json", "--timeout", "10");
      RemediatorProcess.Cli after = stack.cli("show", Stack.INCIDENT, "-o", "json", "--timeout", "10");
      assertThat(overHttp.exitCode()).as(overHttp.stderr()).isZero();
      assertThat(overHttp.stderr()).as("no fallback note").isEmpty();
      return before.stdout().equals(after.stdout()) && overHttp.stdout().equals(before.stdout());
    });
    // approve over HTTP, the pending plan read by the status query: applied, and (below) executed exactly once.
    RemediatorProcess.Cli approved = stack.cliOverHttpOnly("approve", Stack.INCIDENT, "--by", "alice", "--reason",
        "e2e: over HTTP", "-o", "json", "--timeout", "20");
    assertThat(approved.exitCode()).as(approved.stdout() + approved.stderr()).isZero();
    assertThat(Stack.parse(approved.stdout()).get("accepted").asBoolean()).isTrue();
    assertThat(Stack.parse(approved.stdout()).get("planId").asText()).isEqualTo(plan);
    RemediatorProcess.Cli again = stack.cliOverHttpOnly("approve", Stack.INCIDENT, "--by", "alice", "--plan", plan,
        "--timeout", "20");
    assertThat(again.exitCode()).as("a second approval is refused: " + again.stderr()).isIn(3, 4);
    JsonNode report = recoverAndClose(PHASE);
    assertTerminatedExactlyOnce(report, 0);
    assertClusterUntouched();
    assertThat(stack.world.requests()).noneMatch(r -> r.channel() != null);
  }

  @Test
  @DisplayName("kill -9 while assessing (probes held)")
  void killWhileAssessing(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of());
    stack.world.holdProbes(true); // /health and /ready do not answer: the probe activity is in flight
    fire();
    await("the probe reached /health").atMost(PHASE).until(() -> stack.world.arrived("/health") >= 1);
    assertThat(stack.phase()).isEqualTo("ASSESSING");
    killAndReplace(worker, () -> "killed in ASSESSING with the probe in flight", () -> stack.world.holdProbes(false));
    JsonNode report = approveRecoverAndClose(AFTER_CRASH);
    assertTerminatedExactlyOnce(report, 0);
    assertClusterUntouched();
    assertThat(stack.world.arrived("/health")).as("probe re-run by the new worker").isGreaterThanOrEqualTo(2);
  }

  @Test
  @DisplayName("kill -9 while diagnosing (database connection held)")
  void killWhileDiagnosing(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of());
    stack.gate.set(TcpGate.Mode.HOLD); // the snapshot's connection is accepted but never answered
    fire();
    await("the snapshot is connecting").atMost(PHASE).until(() -> stack.gate.held() >= 1);
    assertThat(stack.phase()).isEqualTo("DIAGNOSING");
    killAndReplace(worker, () -> "killed in DIAGNOSING during snapshot attempt " + stack.gate.attempts(),
        () -> stack.gate.set(TcpGate.Mode.OPEN));
    JsonNode report = approveRecoverAndClose(AFTER_CRASH);
    assertTerminatedExactlyOnce(report, 0);
    assertClusterUntouched();
    assertThat(timelineHas(report, "Database check failed")).as("the snapshot recovered by retry").isFalse();
  }

  @Test
  @DisplayName("kill -9 while awaiting approval")
  void killWhileAwaitingApproval(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of());
    fire();
    String plan = awaitPlan();
    worker.kill();
    stack.startWorker("worker-2");
    approve(plan);
    JsonNode report = recoverAndClose(PHASE);
    assertTerminatedExactlyOnce(report, 0);
    assertClusterUntouched();
  }

  @Test
  @DisplayName("kill -9 while terminating sessions (a backend that cannot exit yet)")
  void killWhileTerminating(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of());
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
      // The first 12 are terminated, then pg_terminate_backend waits (up to 5 s) for the frozen one.
      await("12 sessions terminated, the 13th pending").atMost(PHASE).pollInterval(Duration.ofMillis(20))
          .until(() -> db.leakedLeft() <= LEAKED - 12);
      assertThat(stack.phase()).isEqualTo(ACTING);
      int left = db.leakedLeft();
      worker.kill();
      note("killed in ACTING inside the termination: " + (LEAKED - left) + " of " + LEAKED + " terminated");
    } finally {
      TargetDatabase.signal(stuck, "CONT"); // it now takes the pending SIGTERM and exits
    }
    stack.startWorker("worker-2");
    JsonNode report = recoverAndClose(AFTER_CRASH);
    // PostgreSQL: each leaked session terminated once. The retried attempt terminates only the 12 left; the report
    // also counts the dead attempt's terminations its heartbeats recorded (at least the first: the SDK sends the first
    // heartbeat at once and throttles the rest) and says the sessions it found gone may be the dead attempt's.
    assertThat(db.leakedLeft()).as("leaked sessions left").isZero();
    assertThat(db.healthyLeft()).as("healthy sessions left").isEqualTo(HEALTHY);
    List<JsonNode> executed = actions(report, "TERMINATE_SESSIONS", "EXECUTED");
    assertThat(executed).as("executed terminations").hasSize(1);
    assertThat((report.hasNonNull("runbook") ? report.get("runbook") : report).get("sessionsTerminated").asInt()).as("sessions terminated per the report")
        .isBetween(LEAKED - 12, LEAKED);
    assertThat(executed.get(0).get("detail").asText()).contains("after an interrupted one");
    assertClusterUntouched();
  }

  @Test
  @DisplayName("kill -9 while waiting for the rollout (rollout held)")
  void killWhileWaitingForRollout(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of("terminateSessions", "\"off\"", "rollingRestart", "approve"));
    fire();
    String plan = awaitPlan();
    stack.cluster.holdRollouts(true);
    approve(plan);
    await("the restart annotation is written").atMost(PHASE).until(() -> restartedAt() != null);
    String restartedAt = restartedAt();
    assertThat(stack.phase()).isEqualTo(ACTING);
    killAndReplace(worker, () -> "killed in ACTING inside kubectl rollout status", () -> {
      stack.cluster.holdRollouts(false);
      await("the rollout completes").atMost(PHASE).until(() -> stack.cluster.completedRollouts() == 1);
      // The restarted pods hold none of the old connections: the leak went with the old pods.
      db.closeApplication();
      db.leak(0, HEALTHY);
    });
    stack.awaitPhase("RECOVERED", AFTER_CRASH);
    stack.fireResolved(receiverPort);
    JsonNode report = stack.awaitReport(PHASE);
    assertThat(report.get("outcome").asText()).isEqualTo("MITIGATED");
    assertThat(actions(report, "ROLLING_RESTART", "EXECUTED")).hasSize(1);
    assertThat(restartedAt()).as("one restart: the annotation was written once").isEqualTo(restartedAt);
    assertThat(stack.cluster.completedRollouts()).isEqualTo(1);
    var deployment = stack.cluster.client().apps().deployments().inNamespace("prod").withName("auth-service").get();
    assertThat(deployment.getMetadata().getAnnotations()).containsEntry("remediator.dev/restart-request",
        plan + "/restart");
    assertThat(stack.cluster.client().apps().replicaSets().inNamespace("prod").list().getItems())
        .as("revisions 1, 2 and the one restart").hasSize(3);
    assertThat((report.hasNonNull("runbook") ? report.get("runbook") : report).get("sessionsTerminated").asInt()).isZero();
  }

  @Test
  @DisplayName("kill -9 while verifying")
  void killWhileVerifying(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of("verifyInterval", "5s"));
    fire();
    String plan = awaitPlan();
    int connections = stack.gate.attempts();
    String sampledBefore = stack.show().at("/status/latest/at").asText();
    approve(plan);
    await("every leaked session is gone").atMost(PHASE).until(() -> db.leakedLeft() == 0);
    stack.awaitPhase("VERIFYING", PHASE);
    // The first sample is done: the termination's own connection came and went, and the incident's latest reading
    // is a new one (the snapshot runs on the diagnosis connection the worker keeps, so it opens no new connection
    // through the gate): the workflow sleeps until the next sample (5 s), with nothing in flight.
    await("the first verification sample is taken").atMost(PHASE).pollInterval(Duration.ofMillis(20))
        .until(() -> stack.gate.attempts() >= connections + 1
            && !stack.show().at("/status/latest/at").asText().equals(sampledBefore));
    killAndReplace(worker, () -> "killed in VERIFYING between samples (" + (stack.gate.attempts() - connections)
        + " connections since the approval)", () -> {});
    JsonNode report = recoverAndClose(AFTER_CRASH);
    assertTerminatedExactlyOnce(report, 0);
    assertClusterUntouched();
  }

  @Test
  @DisplayName("kill -9 while escalating (page sent, chat message in flight), then the next tier")
  void killWhileEscalating(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of(
        "approvalTimeout", "2s",
        "escalation", "[{name: database, channels: [" + World.DATABASE_PAGER + ", " + World.CHAT
            + "], ackTimeout: 5s}, {name: platform, channels: [" + World.PLATFORM_PAGER + "], ackTimeout: 10m}]"));
    stack.world.holdFirstRequest(World.CHAT); // the tier's second channel gets no answer, then a 503
    fire();
    await("the page was delivered, the chat message is in flight").atMost(PHASE)
        .until(() -> stack.world.arrived("/slack/" + World.CHAT) >= 1);
    assertThat(triggers(World.DATABASE_PAGER)).isEqualTo(1);
    JsonNode status = stack.show().get("status");
    assertThat(status.get("escalatedTo").asText()).isEqualTo("database");
    killAndReplace(worker,
        () -> "killed while notifying tier database, its page delivered (phase " + status.get("phase").asText() + ")",
        stack.world::release);
    await("tier database paged by the new worker").atMost(AFTER_CRASH)
        .until(() -> triggers(World.DATABASE_PAGER) == 1 && triggers(World.CHAT) == 1);
    await("tier platform paged after the database tier's ack timeout").atMost(PHASE)
        .until(() -> triggers(World.PLATFORM_PAGER) == 1);
    RemediatorProcess.Cli ack = stack.cli("ack", Stack.INCIDENT, "--by", "alice", "-o", "json");
    assertThat(ack.exitCode()).as(ack.stdout()).isZero();
    stack.fireResolved(receiverPort);
    JsonNode report = stack.awaitReport(PHASE);
    assertThat(report.get("outcome").asText()).isEqualTo("RESOLVED");
    assertThat(report.get("escalationReason").asText()).contains("no approval decision");
    // The dead attempt's heartbeat recorded the delivered page: the retry sends only the chat message.
    assertThat(stack.world.received(World.DATABASE_PAGER))
        .filteredOn(r -> "trigger".equals(r.json().path("event_action").asText()))
        .as("database tier: page sent once, not again by the retry").hasSize(1);
    assertThat(triggers(World.DATABASE_PAGER)).as("database tier: one page").isEqualTo(1);
    assertThat(triggers(World.CHAT)).as("database tier: one chat message").isEqualTo(1);
    assertThat(triggers(World.PLATFORM_PAGER)).as("platform tier: one page").isEqualTo(1);
    assertThat(stack.world.received(World.CHAT).get(0).delivered()).as("the message cut by the crash").isFalse();
    assertThat(db.leakedLeft()).as("nothing was approved: nothing terminated").isEqualTo(LEAKED);
    note("pager deliveries: database " + triggers(World.DATABASE_PAGER) + ", platform "
        + triggers(World.PLATFORM_PAGER) + ", chat " + triggers(World.CHAT));
  }

  @Test
  @DisplayName("approval sent while no worker runs is applied after one starts")
  void approvalWhileNoWorker(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of());
    fire();
    String plan = awaitPlan();
    worker.kill();
    long t0 = System.nanoTime();
    RemediatorProcess.Cli r = stack.approve("alice", plan, 3);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    note("approve with no worker: exit " + r.exitCode() + " after " + ms + " ms");
    assertThat(r.exitCode()).as(r.stdout()).isEqualTo(1);
    JsonNode answer = Stack.parse(r.stdout());
    assertThat(answer.get("pending").asBoolean()).isTrue();
    assertThat(answer.get("message").asText()).contains("not confirmed within 3 s", "no worker answered");
    assertThat(db.leakedLeft()).as("nothing done yet").isEqualTo(LEAKED);
    stack.startWorker("worker-2");
    // Strict: the update Temporal held is applied by the new worker, the leak is terminated exactly once, the
    // incident closes, and show/report answer for it; no worker met non-determinism on the way.
    JsonNode report = recoverAndClose(PHASE);
    assertTerminatedExactlyOnce(report, 0);
    assertThat(timelineHas(report, "Plan " + plan + " approved")).isTrue();
    assertShowAndReportWorkAfterClose();
    assertNoNonDeterminism();
  }

  /** PagerDuty triggers / Slack messages delivered (answered 2xx) on a channel. */
  private int triggers(String channel) {
    return (int) stack.world.delivered(channel).stream()
        .filter(n -> "trigger".equals(n.path("event_action").asText()) || n.path("text").asText().contains(
            "no approval decision"))
        .count();
  }
}
