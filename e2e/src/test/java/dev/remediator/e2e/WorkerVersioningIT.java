package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Worker Versioning on the real server, with worker processes of two builds of the Worker Deployment. Build B runs a
 * changed runbook ({@link ChangedRunbook}: its immediate response reads the workload before it probes, behind
 * {@code getVersion}). Three incidents open on build A: P (auth-service) awaiting approval, M (billing-service) whose
 * termination has executed and which now waits after recovery for its alert to resolve, O (orders-service) awaiting
 * approval. B is promoted: all three stay pinned to A. A's worker is killed: O is moved to B on purpose with the
 * emergency override ({@code temporal workflow update-options}, as README gives it), approved there and finished by
 * B's worker; P and M wait ("waiting for build A" in {@code show} and {@code incidents}), an approval sent meanwhile
 * is held; a worker of A back finishes both. The next incident for auth-service starts on B and follows B's step
 * order; the incidents of A followed A's. Every termination ran exactly once (report, database, history), no worker
 * met non-determinism, and A drains.
 */
class WorkerVersioningIT extends Scenario {
  private static final String DEPLOYMENT = "remediator";
  private static final Duration PHASE = Duration.ofSeconds(90);
  /** A stopped worker stays listed as a poller for up to ~70 s (its last long poll). */
  private static final Duration POLLER_GONE = Duration.ofSeconds(150);
  /** Mid-wait after its action when B is promoted; finishes on A. */
  private static final Stack.PoolTarget BILLING = new Stack.PoolTarget("billing-service", "billingdb");
  /** Awaiting approval on A when B is promoted; moved to B by the emergency override. */
  private static final Stack.PoolTarget ORDERS = new Stack.PoolTarget("orders-service", "ordersdb");
  /**
   * The leaks are smaller than the other scenarios' 25 + 9: three databases share the server's 37 usable connections
   * while P, M and O are open (16 + 4, 3 + 1, 2 + 1 sessions), with room left for Remediator's own — a worker keeps
   * up to 2 diagnosis connections per target, and a termination opens one more.
   */
  private static final int P_LEAKED = 16;
  private static final int P_HEALTHY = 4;
  private static final String TERMINATE = "TerminateIdleInTransaction";

  private final List<TargetDatabase.Leak> leaks = new ArrayList<>();
  private final List<String> table = new ArrayList<>();
  private volatile long compileMillis;

  @AfterEach
  void closeLeaks() {
    leaks.forEach(TargetDatabase.Leak::close);
  }

  @Test
  @DisplayName("versioning: incidents pinned to A finish on A (A stopped, back), one moved to B on purpose; B's"
      + " changed runbook runs the next")
  void pinnedIncidentsFinishOnTheirBuild(TestInfo info) throws Exception {
    stack(info, Map.of());
    stack.addTargets(BILLING, ORDERS);
    CompletableFuture<Path> changed = CompletableFuture.supplyAsync(() -> {
      try {
        long t0 = System.nanoTime();
        Path classes = ChangedRunbook.compile(stack.dir.resolve("build-B"));
        compileMillis = (System.nanoTime() - t0) / 1_000_000;
        return classes;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    stack.startServer();
    CompletableFuture<Void> receiver = CompletableFuture.runAsync(() -> stack.startReceiver("receiver-1", receiverPort));
    RemediatorProcess a1 = stack.startVersionedWorker("worker-A", DEPLOYMENT, "A");
    receiver.get();
    promote("A");

    // Three incidents open on A, each on a database of its own.
    db.leak(P_LEAKED, P_HEALTHY);
    TargetDatabase.Leak billing = leak(BILLING, 3, 1);
    TargetDatabase.Leak orders = leak(ORDERS, 2, 1);
    await("the leaks are older than the termination threshold").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100)).until(() -> db.youngestLeakSeconds() >= 2.5
            && billing.youngestSeconds() >= 2.5 && orders.youngestSeconds() >= 2.5);
    stack.fireCritical(receiverPort);
    stack.fireCritical(receiverPort, BILLING);
    stack.fireCritical(receiverPort, ORDERS);
    String mPlan = awaitPlan(BILLING.incidentId());
    approve(mPlan);
    await("M's leak terminated").atMost(PHASE).pollInterval(Duration.ofMillis(200))
        .until(() -> billing.leakedLeft() == 0);
    stack.awaitPhase("RECOVERED", PHASE); // M: acted, now waiting for its alert to resolve
    String oPlan = awaitPlan(ORDERS.incidentId());
    String plan = awaitPlan(Stack.INCIDENT);
    String firstRun = runId(Stack.INCIDENT);
    String mRun = runId(BILLING.incidentId());
    String oRun = runId(ORDERS.incidentId());
    for (String id : List.of(Stack.INCIDENT, BILLING.incidentId(), ORDERS.incidentId())) {
      assertThat(pinnedBuild(id)).as(id + " is pinned to A").isEqualTo("A");
    }
    await("A holds the three open incidents").atMost(PHASE)
        .until(() -> build("A").path("openIncidents").asInt() == 3);

    RemediatorProcess b = stack.startVersionedWorker("worker-B", DEPLOYMENT, "B", changed.get());
    note("build B: PoolRunbook with the workload read before the probes, compiled at test time in " + compileMillis
        + " ms");
    long promoteMs = promote("B");
    note("build B promoted in " + promoteMs + " ms (Temporal's SetWorkerDeploymentCurrentVersion)");
    JsonNode a = build("A");
    assertThat(a.get("role").asText()).isEqualTo("DRAINING");
    assertThat(a.get("openIncidents").asInt()).isEqualTo(3);
    assertThat(a.get("canShutDown").asBoolean()).isFalse();
    for (String id : List.of(Stack.INCIDENT, BILLING.incidentId(), ORDERS.incidentId())) {
      assertThat(pinnedBuild(id)).as("promoting B does not move " + id).isEqualTo("A");
    }

    // A's worker goes. The emergency path first: O moved to B on purpose, approved there, finished by B's worker.
    a1.kill();
    long killed = System.nanoTime();
    RemediatorProcess.Cli moved = stack.temporal("workflow", "update-options", "--workflow-id", ORDERS.incidentId(),
        "--versioning-override-behavior", "pinned", "--versioning-override-deployment-name", DEPLOYMENT,
        "--versioning-override-build-id", "B");
    assertThat(moved.exitCode()).as(moved.stdout() + moved.stderr()).isZero();
    stack.incident = ORDERS.incidentId();
    approve(oPlan);
    JsonNode oReport = recoverAndClose(ORDERS, orders);
    assertThat(pinnedBuild(ORDERS.incidentId())).as("O finished on B").isEqualTo("B");
    List<Activity> oActivities = activities(ORDERS.incidentId(), oRun);
    assertThat(oActivities.stream().filter(x -> !x.afterOverride()).map(Activity::identity))
        .as("O's activities before the move ran on A's worker").isNotEmpty()
        .allMatch(id -> id.startsWith(a1.pid() + "@"));
    assertThat(oActivities.stream().filter(Activity::afterOverride).map(Activity::identity))
        .as("O's activities after the move ran on B's worker").isNotEmpty()
        .allMatch(id -> id.startsWith(b.pid() + "@"));
    assertThat(ChangedRunbook.probesFirst(types(oActivities))).as("O was opened with A's step order").isTrue();
    row("O " + ORDERS.service(), "opened on A, moved to B by the override, finished on B", oReport, orders.leakedCount,
        orders.leakedLeft(), orders.healthyLeft(), orders.healthyCount, oActivities, b);

    // P and M wait for build A; B's worker does not take them.
    stack.incident = Stack.INCIDENT;
    RemediatorProcess.Cli[] waiting = new RemediatorProcess.Cli[1];
    await("show says the incident waits for build A").atMost(POLLER_GONE).pollInterval(Duration.ofSeconds(2))
        .until(() -> {
          waiting[0] = stack.cli("show", Stack.INCIDENT, "--timeout", "5");
          return waiting[0].exitCode() == 1 && waiting[0].stderr().contains("waiting for build A");
        });
    assertThat(waiting[0].stderr()).contains("pinned to build A of deployment " + DEPLOYMENT,
        "--deployment-name " + DEPLOYMENT + " --build-id A");
    // `incidents` says it too, decided the same way (PinnedBuilds), from one DescribeTaskQueue for the whole list.
    RemediatorProcess.Cli listed = stack.cli("incidents", "-o", "json");
    assertThat(listed.exitCode()).as(listed.stderr()).isZero();
    Map<String, JsonNode> rows = new HashMap<>();
    Stack.parse(listed.stdout()).get("incidents").forEach(r -> rows.put(r.get("incidentId").asText(), r));
    assertThat(rows.keySet()).as("the open incidents").containsExactlyInAnyOrder(Stack.INCIDENT,
        BILLING.incidentId());
    for (JsonNode r : rows.values()) {
      assertThat(r.get("build").asText()).isEqualTo("A");
      assertThat(r.get("waitingForBuild").asText()).isEqualTo("A");
    }
    assertThat(stack.cli("incidents").stdout()).contains("waiting for build A");
    note("show said \"waiting for build A\" " + (System.nanoTime() - killed) / 1_000_000_000 + " s after A's worker"
        + " was killed");
    RemediatorProcess.Cli held = stack.approve("alice", plan, 3);
    assertThat(held.exitCode()).as(held.stdout()).isEqualTo(1);
    assertThat(Stack.parse(held.stdout()).get("pending").asBoolean()).isTrue();
    assertThat(db.leakedLeft()).as("B's worker did not act on A's incident").isEqualTo(P_LEAKED);

    RemediatorProcess a2 = stack.startVersionedWorker("worker-A2", DEPLOYMENT, "A");
    JsonNode report = recoverAndClose(PHASE);
    assertThat(timelineHas(report, "Plan " + plan + " approved")).isTrue();
    List<Activity> pActivities = activities(Stack.INCIDENT, firstRun);
    assertThat(pActivities.stream().map(Activity::identity))
        .as("every activity of P ran on a worker of build A").isNotEmpty()
        .allMatch(id -> id.startsWith(a1.pid() + "@") || id.startsWith(a2.pid() + "@"));
    assertThat(ChangedRunbook.probesFirst(types(pActivities))).as("P follows A's step order").isTrue();
    row("P " + "auth-service", "A (waited while A was down)", report, P_LEAKED, db.leakedLeft(), db.healthyLeft(),
        P_HEALTHY, pActivities, a2);

    // M resumes on A: its alert resolves, it closes; its one termination was A's, before the kill.
    JsonNode mReport = recoverAndClose(BILLING, billing);
    List<Activity> mActivities = activities(BILLING.incidentId(), mRun);
    assertThat(mActivities.stream().map(Activity::identity))
        .as("every activity of M ran on a worker of build A").isNotEmpty()
        .allMatch(id -> id.startsWith(a1.pid() + "@") || id.startsWith(a2.pid() + "@"));
    assertThat(ChangedRunbook.probesFirst(types(mActivities))).as("M follows A's step order").isTrue();
    row("M " + BILLING.service(), "A (mid-wait after its action when B was promoted)", mReport, billing.leakedCount,
        billing.leakedLeft(), billing.healthyLeft(), billing.healthyCount, mActivities, a1);
    leaks.forEach(TargetDatabase.Leak::close); // their connections back for P2's full leak

    // The next incident for auth-service starts on the current build, B, and runs B's runbook.
    db.leak(P_LEAKED, P_HEALTHY);
    fire();
    String plan2 = awaitPlan(Stack.INCIDENT);
    String secondRun = runId(Stack.INCIDENT);
    assertThat(secondRun).isNotEqualTo(firstRun);
    assertThat(pinnedBuild(Stack.INCIDENT)).as("the next incident is pinned to B").isEqualTo("B");
    approve(plan2);
    JsonNode report2 = recoverAndClose(PHASE);
    List<Activity> p2Activities = activities(Stack.INCIDENT, secondRun);
    assertThat(p2Activities.stream().map(Activity::identity))
        .as("every activity of the next incident ran on B's worker").isNotEmpty()
        .allMatch(id -> id.startsWith(b.pid() + "@"));
    assertThat(ChangedRunbook.probesFirst(types(p2Activities)))
        .as("the next incident follows B's changed step order: workload before probes").isFalse();
    row("P2 auth-service", "B (opened after the promotion)", report2, P_LEAKED, db.leakedLeft(), db.healthyLeft(),
        P_HEALTHY, p2Activities, b);
    note("step order: P, M, O (opened on A) " + ChangedRunbook.PROBES + " before " + ChangedRunbook.WORKLOAD
        + "; P2 (B) " + ChangedRunbook.WORKLOAD + " before " + ChangedRunbook.PROBES);

    long drain0 = System.nanoTime();
    await("A drained").atMost(PHASE).pollInterval(Duration.ofSeconds(1))
        .until(() -> build("A").path("canShutDown").asBoolean());
    note("A reported drained (workers can be shut down) " + (System.nanoTime() - drain0) / 1_000_000
        + " ms after the next incident closed; A's last incident had closed before it");
    assertThat(build("A").get("drainage").asText()).isEqualTo("DRAINED");
    // No build ever replayed another build's history and failed: O's A-history replayed on B took the old branch.
    // (The SDK's deadlock detector may fire once on a cold worker's first workflow task on a loaded machine — class
    // loading past 1 s —; that task is retried: noted, not failed.)
    for (RemediatorProcess p : stack.processes()) {
      if (p.name().startsWith("worker")) {
        assertThat(p.output()).as(p.name() + "'s log").doesNotContain("NonDeterministicException");
        int slow = p.count("PotentialDeadlockException");
        if (slow > 0) {
          note(p.name() + ": " + slow + " workflow task(s) retried after the SDK's 1 s deadlock detector fired");
        }
      }
    }
    table.forEach(DurabilityReport::note);
    System.out.println("\n| incident | build | actions | exactly-once evidence |\n| --- | --- | --- | --- |");
    table.forEach(r -> System.out.println("| " + r.replace(" · ", " | ") + " |"));
  }

  /** One activity of a run, from its history: type, the worker that started it, attempt, after an override. */
  record Activity(String type, String identity, int attempt, boolean afterOverride) {}

  private TargetDatabase.Leak leak(Stack.PoolTarget target, int leaked, int healthy) throws SQLException {
    TargetDatabase.Leak l = db.leakIn(target.database(), leaked, healthy);
    leaks.add(l);
    return l;
  }

  private String awaitPlan(String incidentId) {
    stack.incident = incidentId;
    return awaitPlan();
  }

  /** As {@link Scenario#recoverAndClose} for another target: its leak gone, recovered, its alert resolved. */
  private JsonNode recoverAndClose(Stack.PoolTarget target, TargetDatabase.Leak leak) {
    stack.incident = target.incidentId();
    await(target.service() + "'s leak is gone").atMost(PHASE).pollInterval(Duration.ofMillis(200))
        .until(() -> leak.leakedLeft() == 0);
    stack.awaitPhase("RECOVERED", PHASE);
    stack.fireResolved(receiverPort, target);
    JsonNode report = stack.awaitReport(Duration.ofSeconds(60));
    assertThat(report.get("outcome").asText()).isEqualTo("MITIGATED");
    stack.incident = Stack.INCIDENT;
    return report;
  }

  /**
   * Exactly once, three ways: the report (one TERMINATE_SESSIONS executed, all leaked sessions counted), the database
   * (none of the leaked sessions left, every healthy one there) and the history (one termination activity, attempt
   * 1, started by {@code by}); one row of the scenario's table.
   */
  private void row(String incident, String build, JsonNode report, int leaked, int leakedLeft, int healthyLeft,
      int healthy, List<Activity> activities, RemediatorProcess by) {
    List<JsonNode> executed = actions(report, "TERMINATE_SESSIONS", "EXECUTED");
    JsonNode counts = report.hasNonNull("runbook") ? report.get("runbook") : report;
    List<Activity> terminations = activities.stream().filter(x -> x.type().equals(TERMINATE)).toList();
    assertThat(executed).as(incident + ": executed terminations").hasSize(1);
    assertThat(counts.get("sessionsTerminated").asInt()).as(incident + ": sessions terminated").isEqualTo(leaked);
    assertThat(leakedLeft).as(incident + ": leaked sessions left").isZero();
    assertThat(healthyLeft).as(incident + ": healthy sessions left").isEqualTo(healthy);
    assertThat(terminations).as(incident + ": termination activities in the history").hasSize(1);
    assertThat(terminations.get(0).attempt()).as(incident + ": the termination's attempt").isEqualTo(1);
    assertThat(terminations.get(0).identity()).as(incident + ": the termination's worker")
        .startsWith(by.pid() + "@");
    table.add(String.format(Locale.ROOT, "%s · %s · TERMINATE_SESSIONS executed %dx (%d sessions) · report %d"
        + " executed; database %d of %d leaked left, %d of %d healthy intact; history: %d %s activity, attempt %d,"
        + " by %s (%s)", incident, build, executed.size(), leaked, executed.size(), leakedLeft, leaked, healthyLeft,
        healthy, terminations.size(), TERMINATE, terminations.get(0).attempt(), by.name(),
        terminations.get(0).identity()));
  }

  private static List<String> types(List<Activity> activities) {
    return activities.stream().map(Activity::type).toList();
  }

  /** {@code versions promote BUILD}, once a worker of BUILD is seen polling; returns the call's own milliseconds. */
  private long promote(String buildId) {
    RemediatorProcess.Cli[] r = new RemediatorProcess.Cli[1];
    await("build " + buildId + " promoted").atMost(PHASE).pollInterval(Duration.ofSeconds(1)).until(() -> {
      r[0] = stack.cli("versions", "promote", buildId, "--deployment", DEPLOYMENT, "-o", "json");
      return r[0].exitCode() == 0;
    });
    return Stack.parse(r[0].stdout()).get("millis").asLong();
  }

  private JsonNode build(String buildId) {
    RemediatorProcess.Cli r = stack.cli("versions", "--deployment", DEPLOYMENT, "-o", "json");
    if (r.exitCode() != 0) {
      return Stack.JSON.createObjectNode();
    }
    for (JsonNode v : Stack.parse(r.stdout()).path("versions")) {
      if (v.path("buildId").asText().equals(buildId)) {
        return v;
      }
    }
    return Stack.JSON.createObjectNode();
  }

  private <T> T withService(java.util.function.Function<WorkflowServiceStubs, T> call) {
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(stack.temporalAddress()).build());
    try {
      return call.apply(service);
    } finally {
      service.shutdownNow();
    }
  }

  private String runId(String incidentId) {
    return withService(s -> s.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(incidentId)).build())
        .getWorkflowExecutionInfo().getExecution().getRunId());
  }

  /** The build the incident's current run is pinned to (or ran its last workflow task on), as Temporal records it. */
  private String pinnedBuild(String incidentId) {
    return withService(s -> s.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(incidentId)).build())
        .getWorkflowExecutionInfo().getVersioningInfo().getDeploymentVersion().getBuildId());
  }

  /**
   * The run's activities in the order it scheduled them, from its history: type, the identity (pid@host) of the
   * worker that started the attempt that closed it, its attempt, and whether it was scheduled after a versioning
   * override (a {@code WorkflowExecutionOptionsUpdated} event).
   */
  private List<Activity> activities(String incidentId, String runId) {
    return withService(s -> {
      Map<Long, Activity> started = new java.util.TreeMap<>(); // by scheduling event: the order of scheduling
      Map<Long, Boolean> overridden = new HashMap<>();
      Map<Long, String> type = new HashMap<>();
      boolean afterOverride = false;
      com.google.protobuf.ByteString page = com.google.protobuf.ByteString.EMPTY;
      do {
        var response = s.blockingStub().getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
            .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(incidentId)
                .setRunId(runId)).setNextPageToken(page).build());
        for (HistoryEvent e : response.getHistory().getEventsList()) {
          if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED) {
            afterOverride = true;
          } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
            type.put(e.getEventId(), e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
            overridden.put(e.getEventId(), afterOverride);
          } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
            var a = e.getActivityTaskStartedEventAttributes();
            long scheduled = a.getScheduledEventId();
            started.put(scheduled, new Activity(type.get(scheduled), a.getIdentity(), a.getAttempt(),
                overridden.get(scheduled)));
          }
        }
        page = response.getNextPageToken();
      } while (!page.isEmpty());
      return List.copyOf(started.values());
    });
  }
}
