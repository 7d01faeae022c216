package dev.remediator.runbook.dbperf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.Alert;
import dev.remediator.incident.DecisionAction;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.IncidentWorkflow;
import dev.remediator.incident.Notification;
import dev.remediator.incident.PlannedAction;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.registry.RunbookWorkflows;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Database Performance runbook through the incident shell (the one {@code IncidentWorkflow} type, chosen by the
 * {@code dbperf:} ID prefix), in Temporal's time-skipping environment against a simulated database ({@link
 * DbPerfWorld}): lock contention cancelled, or terminated when the cancel does not clear it, a blocker that changed
 * before the approval, stale statistics analyzed, dead tuples escalated, and the policy's modes. Every test also
 * replays its own history.
 */
class DbPerfWorkflowTest {

  @RegisterExtension
  static final TestWorkflowExtension testWorkflow = RunbookWorkflows.extension();

  static final Target TARGET = new Target("shop", "orders-service", "orders");
  static final String ID = DbPerfRunbook.DEFINITION.incidentId(TARGET);
  static final String LADDER = """
      approvers: [alice, bob]
      escalation:
        - {name: platform, channels: [platform-pager], ackTimeout: 15m}
        - {name: database, channels: [dba-pager], ackTimeout: 15m}
      """;
  static final Alert LOCK_WAITS = new Alert(DbPerfRunbook.LOCK_WAITS, "critical", "firing", "0d0e0a0d0b0e0e0f",
      "2026-12-01T10:00:00Z", "Sessions wait on locks in database orders");
  static final Alert LOCK_WAITS_RESOLVED = new Alert(DbPerfRunbook.LOCK_WAITS, "critical", "resolved",
      "0d0e0a0d0b0e0e0f", "2026-12-01T10:00:00Z", null);
  static final Alert LONG_RUNNING = new Alert(DbPerfRunbook.LONG_RUNNING_TRANSACTION, "warning", "firing",
      "1a2b3c4d5e6f7a8b", "2026-12-01T10:01:00Z", "A transaction runs for more than 5 minutes");
  static final Alert DEAD_TUPLES = new Alert(DbPerfRunbook.DEAD_TUPLES_HIGH, "critical", "firing",
      "feedfacecafebeef", "2026-12-01T10:00:00Z", "Dead tuples build up in database orders");
  static final Alert DEAD_TUPLES_RESOLVED = new Alert(DbPerfRunbook.DEAD_TUPLES_HIGH, "critical", "resolved",
      "feedfacecafebeef", "2026-12-01T10:00:00Z", null);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  @AfterEach
  void replaysItsOwnHistory() throws Exception {
    if (client != null) {
      RunbookWorkflows.replay(client.fetchHistory(ID));
    }
  }

  private IncidentWorkflow start(TestWorkflowEnvironment env, Worker worker, WorkflowClient client, DbPerfWorld world,
      String policy, Alert alert) {
    this.env = env;
    this.client = client;
    RunbookWorkflows.start(env, worker, world);
    IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(ID).setTaskQueue(worker.getTaskQueue()).build());
    WorkflowClient.start(incident::run, new IncidentInput(TARGET, ConfigLoader.parsePolicy(LADDER + policy), alert));
    return incident;
  }

  private static IncidentStatus awaitStatus(IncidentWorkflow incident, Predicate<IncidentStatus> condition) {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
        .until(incident::status, condition);
  }

  private IncidentStatus skipUntil(IncidentWorkflow incident, Predicate<IncidentStatus> condition) {
    for (int i = 0; i < 200; i++) {
      IncidentStatus s = incident.status();
      if (condition.test(s)) {
        return s;
      }
      env.sleep(Duration.ofSeconds(10));
    }
    throw new AssertionError("condition not reached: " + incident.status().phase());
  }

  private IncidentReport result() {
    return client.newUntypedWorkflowStub(ID).getResult(IncidentReport.class);
  }

  private static List<String> events(IncidentReport r) {
    return r.timeline().stream().map(TimelineEntry::event).toList();
  }

  private static List<ActionResult> results(IncidentReport r, ActionType type) {
    return r.actions().stream().filter(a -> a.type() == type).map(a -> a.result()).toList();
  }

  private static List<Integer> pids(PlannedAction a) {
    return a.target(BlockersTarget.class).blockers().stream().map(BackendSession::pid).toList();
  }

  private static void approve(IncidentWorkflow incident, IncidentStatus pending) {
    incident.decide(new DecisionRequest(DecisionAction.APPROVE, pending.plan().planId(), "alice", "go"));
  }

  @Test
  void aRootBlockerIsCancelledOnceApprovedAndTheRecoveryVerified(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.lockContention(3, false);
    IncidentWorkflow incident = start(env, worker, client, world, "", LOCK_WAITS);
    incident.alert(LONG_RUNNING); // the same database's second alert: the same incident

    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.diagnosis().cause()).isEqualTo("LOCK_CONTENTION");
    assertThat(pending.plan().actions()).singleElement().satisfies(a -> {
      assertThat(a.type()).isEqualTo(ActionType.CANCEL_BLOCKERS);
      assertThat(pids(a)).containsExactly(4242);
      assertThat(a.reason()).contains("3 session(s) wait behind 1 root blocker(s)");
      assertThat(a.describe()).startsWith("cancel the statement of 1 blocking session(s): pid 4242");
    });
    assertThat(pending.alerts()).hasSize(2);
    assertThat(world.signalled).isEmpty();
    approve(incident, pending);

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(LOCK_WAITS_RESOLVED);
    incident.alert(new Alert(DbPerfRunbook.LONG_RUNNING_TRANSACTION, "warning", "resolved", "1a2b3c4d5e6f7a8b",
        "2026-12-01T10:01:00Z", null));
    IncidentReport report = result();

    assertThat(report.incidentId()).isEqualTo("dbperf:shop:orders-service:orders");
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(results(report, ActionType.CANCEL_BLOCKERS)).containsExactly(ActionResult.EXECUTED);
    assertThat(world.signalled).containsExactly("cancel 4242");
    assertThat(report.escalated()).isFalse();
    assertThat(events(report))
        .anySatisfy(e -> assertThat(e).startsWith("Cause: lock contention — 3 session(s) wait on locks"))
        .anySatisfy(e -> assertThat(e).startsWith("Blocking tree: pid 4242 (app/orders-service, active"))
        .anySatisfy(e -> assertThat(e).isEqualTo("Recovered: lock waits 0 · long-running 0 · active 2 for 3"
            + " sample(s)"));
    assertThat(report.markdown())
        .contains("database performance: orders (shop/orders-service)")
        .contains("action: Cancel blocking statements pid 4242 (app/orders-service, active, transaction 120 s):"
            + " CANCELLED")
        .contains("blocking tree at diagnosis: pid 4242 (app/orders-service, active, transaction 120 s) [root] blocks"
            + " 3 session(s) (directly pid 5001, 5002, 5003), longest wait 95 s; holds ExclusiveLock on"
            + " transactionid, RowExclusiveLock on public.orders; runs/ran: UPDATE orders SET total = total * $1")
        .contains("top statement by total time: 15.6 ms mean × 52000 calls")
        .contains("lock waits 3 (longest 95 s)") // before
        .contains("lock waits 0 · long-running 0 · active 2"); // after
  }

  /**
   * Opens the lock-waits incident on a world whose diagnosis fails, waits until it watches escalated (nothing to
   * plan), then lets workflow time pass until {@code samples} samples were taken.
   */
  private IncidentWorkflow watchWithoutADiagnosis(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client, DbPerfWorld world, int samples) {
    IncidentWorkflow incident = start(env, worker, client, world, "", LOCK_WAITS);
    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING && s.escalatedTo() != null);
    skipUntil(incident, s -> world.calls.stream().filter("sample"::equals).count() >= samples);
    return incident;
  }

  /**
   * Every slot was taken when the incident opened: no diagnosis, nothing to plan (escalated). The first sample that
   * reaches the database and still finds sessions waiting diagnoses again, and the incident plans the cancel.
   */
  @Test
  void aDiagnosisTheDatabaseRefusedIsMadeAgainOnceItAnswers(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.lockContention(3, false);
    world.refuses = true;
    IncidentWorkflow incident = watchWithoutADiagnosis(env, worker, client, world, 4);
    assertThat(incident.status().awaitingApproval()).isFalse();

    world.refuses = false;
    IncidentStatus pending = skipUntil(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.diagnosis().cause()).isEqualTo("LOCK_CONTENTION");
    assertThat(pending.plan().actions()).singleElement()
        .satisfies(a -> assertThat(pids(a)).containsExactly(4242));
    approve(incident, pending);
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(LOCK_WAITS_RESOLVED);
    IncidentReport report = result();

    assertThat(world.signalled).containsExactly("cancel 4242");
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(events(report)).containsSubsequence("Database reachable again",
        "The cause is one the runbook acts on now: a new plan");
  }

  /** A diagnosis that keeps failing while the samples get through is made again twice, not at every sample. */
  @Test
  void aDiagnosisThatKeepsFailingIsMadeAgainAtMostTwice(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.lockContention(3, false);
    world.diagnosisFails = true;
    IncidentWorkflow incident = watchWithoutADiagnosis(env, worker, client, world, 8);
    incident.alert(LOCK_WAITS_RESOLVED);
    result();

    assertThat(world.calls.stream().filter("diagnose"::equals).count()).as("the first diagnosis and 2 more")
        .isEqualTo(3);
    assertThat(world.signalled).isEmpty();
  }

  @Test
  void aBlockerIdleInTransactionIsTerminatedAfterItsCancelDidNotClearTheWaits(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.lockContention(3, true);
    IncidentWorkflow incident = start(env, worker, client, world, "", LOCK_WAITS);

    IncidentStatus cancel = awaitStatus(incident, IncidentStatus::awaitingApproval);
    assertThat(cancel.plan().actions()).extracting(PlannedAction::type).containsExactly(ActionType.CANCEL_BLOCKERS);
    approve(incident, cancel);

    IncidentStatus terminate = skipUntil(incident,
        s -> s.awaitingApproval() && !s.plan().planId().equals(cancel.plan().planId()));
    assertThat(terminate.plan().actions()).singleElement().satisfies(a -> {
      assertThat(a.type()).isEqualTo(ActionType.TERMINATE_BLOCKERS);
      assertThat(pids(a)).containsExactly(4242);
      assertThat(a.reason()).startsWith("cancelling did not clear the lock waits");
    });
    assertThat(world.signalled).containsExactly("cancel 4242");
    approve(incident, terminate);

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(LOCK_WAITS_RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(world.signalled).containsExactly("cancel 4242", "terminate 4242");
    assertThat(results(report, ActionType.CANCEL_BLOCKERS)).containsExactly(ActionResult.EXECUTED);
    assertThat(results(report, ActionType.TERMINATE_BLOCKERS)).containsExactly(ActionResult.EXECUTED);
    assertThat(events(report))
        .anySatisfy(e -> assertThat(e).startsWith("The cancel did not clear the lock waits within 15 s: lock waits 3"));
    assertThat(report.markdown()).contains("Sessions terminated").contains(": TERMINATED");
  }

  @Test
  void aBlockerThatChangedBeforeTheApprovalIsRefusedAndTheNewBlockerPlanned(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.lockContention(3, false);
    IncidentWorkflow incident = start(env, worker, client, world, "", LOCK_WAITS);

    IncidentStatus first = awaitStatus(incident, IncidentStatus::awaitingApproval);
    assertThat(pids(first.plan().actions().get(0))).containsExactly(4242);
    world.blockerChanges();
    approve(incident, first);

    IncidentStatus second = skipUntil(incident,
        s -> s.awaitingApproval() && !s.plan().planId().equals(first.plan().planId()));
    assertThat(second.plan().actions()).singleElement().satisfies(a -> {
      assertThat(a.type()).isEqualTo(ActionType.CANCEL_BLOCKERS);
      assertThat(pids(a)).containsExactly(4343);
    });
    assertThat(world.signalled).isEmpty();
    approve(incident, second);

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(LOCK_WAITS_RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(world.signalled).containsExactly("cancel 4343");
    assertThat(results(report, ActionType.CANCEL_BLOCKERS))
        .containsExactly(ActionResult.REFUSED, ActionResult.EXECUTED);
    assertThat(events(report))
        .anySatisfy(e -> assertThat(e).startsWith("The blocker(s) changed between the plan and its execution"));
    assertThat(report.markdown()).contains("pid 4242 (app/orders-service, active, transaction 120 s): CHANGED");
  }

  @Test
  void staleStatisticsAreAnalyzed(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.tables(DbPerfWorld.stale("public.orders"), DbPerfWorld.stale("public.items"));
    IncidentWorkflow incident = start(env, worker, client, world, "runbooks: {dbperf: {analyzeTables: auto}}",
        DEAD_TUPLES);

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(DEAD_TUPLES_RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(world.analyzed).containsExactly("public.orders", "public.items");
    assertThat(results(report, ActionType.ANALYZE_TABLES)).containsExactly(ActionResult.EXECUTED);
    assertThat(report.diagnosis().cause()).isEqualTo("STALE_STATISTICS");
    assertThat(report.markdown()).contains("action: ANALYZE public.orders: ANALYZED in 1.5 s")
        .contains("Tables analyzed");
    assertThat(world.calls).doesNotContain("cancelBlockers", "terminateBlockers");
  }

  @Test
  void anAnalyzeStoppedByItsTimeoutEscalatesAndIsNotRepeated(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.tables(DbPerfWorld.stale("public.huge"));
    world.analyzeTimesOut.add("public.huge");
    IncidentWorkflow incident = start(env, worker, client, world, "runbooks: {dbperf: {analyzeTables: auto}}",
        DEAD_TUPLES);

    await().atMost(Duration.ofSeconds(20)).until(() -> !world.notifications.isEmpty());
    Notification page = world.notifications.get(0);
    assertThat(page.tier()).isEqualTo("database");
    assertThat(page.details().reason()).isEqualTo("ANALYZE refused or stopped by its timeouts for 1 table(s):"
        + " public.huge: TIMED_OUT — canceling statement due to statement timeout");
    incident.alert(DEAD_TUPLES_RESOLVED);
    IncidentReport report = result();
    assertThat(results(report, ActionType.ANALYZE_TABLES)).containsExactly(ActionResult.REFUSED);
    assertThat(world.calls).filteredOn("analyzeTables"::equals).hasSize(1);
    assertThat(report.markdown()).contains("action: ANALYZE public.huge: TIMED_OUT");
  }

  @Test
  void deadTuplesAloneEscalateToTheDatabaseTeamWithTheTablesAndChangeNothing(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.tables(DbPerfWorld.deadTuples("public.events"));
    IncidentWorkflow incident = start(env, worker, client, world, "", DEAD_TUPLES);

    await().atMost(Duration.ofSeconds(20)).until(() -> !world.notifications.isEmpty());
    Notification page = world.notifications.get(0);
    assertThat(page.tier()).isEqualTo("database");
    assertThat(page.details().reason()).startsWith("dead tuples, which the runbook does not fix automatically"
        + " (never VACUUM FULL, never DDL)");
    assertThat(page.details().facts())
        .anySatisfy(f -> assertThat(f).startsWith("Table public.events: 1000000 live, 600000 dead")
            .endsWith("(dead-tuple build-up)"))
        .anySatisfy(f -> assertThat(f).startsWith("Top statement by total time: "));

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(DEAD_TUPLES_RESOLVED);
    IncidentReport report = result();
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RECOVERED);
    assertThat(report.actions()).isEmpty();
    assertThat(world.calls).doesNotContain("analyzeTables", "cancelBlockers", "terminateBlockers");
    assertThat(report.markdown()).contains("table public.events");
  }

  @Test
  void aDryRunSignalsNothing(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.lockContention(3, false);
    IncidentWorkflow incident = start(env, worker, client, world, "runbooks: {dbperf: {cancelBlockers: dry_run}}",
        LOCK_WAITS);

    IncidentStatus s = awaitStatus(incident, st -> !st.actions().isEmpty());
    assertThat(s.actions()).singleElement().satisfies(a -> {
      assertThat(a.result()).isEqualTo(ActionResult.DRY_RUN);
      assertThat(a.detail()).startsWith("dry run: would cancel the statement of 1 blocking session(s): pid 4242");
    });
    incident.alert(LOCK_WAITS_RESOLVED);
    IncidentReport report = result();
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RESOLVED);
    assertThat(world.signalled).isEmpty();
    assertThat(world.calls).doesNotContain("cancelBlockers");
  }

  @Test
  void offPlansNothingAndEscalates(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.lockContention(3, false);
    IncidentWorkflow incident = start(env, worker, client, world, "runbooks: {dbperf: {cancelBlockers: 'off'}}",
        LOCK_WAITS);

    await().atMost(Duration.ofSeconds(20)).until(() -> !world.notifications.isEmpty());
    assertThat(world.notifications.get(0).details().reason())
        .startsWith("lock contention, but the policy allows no cancel (cancelBlockers: OFF)");
    incident.alert(LOCK_WAITS_RESOLVED);
    IncidentReport report = result();
    assertThat(report.actions()).isEmpty();
    assertThat(world.calls).doesNotContain("cancelBlockers");
  }

  @Test
  void aRejectedPlanEscalatesWithTheTopStatementsAndTheBlockingTree(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    DbPerfWorld world = DbPerfWorld.lockContention(3, false);
    // the other configured databases on the same server, read once at close
    Target billing = new Target("shop", "billing-service", "billing");
    Target reports = new Target("shop", "reports-service", "reports");
    Target payments = new Target("shop", "payments-service", "payments");
    world.elsewhere.put(billing, DbPerfWorld.lockContention(2, false));
    world.elsewhere.put(reports, new DbPerfWorld());
    world.elsewhere.put(payments, null); // does not answer
    IncidentWorkflow incident = start(env, worker, client, world, "criticalEscalateAfter: 2m\n", LOCK_WAITS);

    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    incident.decide(new DecisionRequest(DecisionAction.REJECT, pending.plan().planId(), "bob", "batch job, let it"));

    for (int i = 0; i < 100 && world.notifications.isEmpty(); i++) {
      env.sleep(Duration.ofSeconds(10));
    }
    assertThat(world.notifications).isNotEmpty();
    Notification page = world.notifications.get(0);
    assertThat(page.tier()).isEqualTo("database");
    assertThat(page.details().facts())
        .anySatisfy(f -> assertThat(f).startsWith("Blocking tree: pid 4242 (app/orders-service, active, transaction"
            + " 120 s) [root] blocks 3 session(s)"))
        .anySatisfy(f -> assertThat(f).isEqualTo("Top statement by total time: 15.6 ms mean × 52000 calls (total"
            + " 812000 ms, 52000 rows): UPDATE orders SET status = $1 WHERE id = $2"))
        .anySatisfy(f -> assertThat(f).startsWith("Top statement by mean time: 33.4 ms mean"));
    incident.alert(LOCK_WAITS_RESOLVED);
    IncidentReport report = result();
    assertThat(report.escalated()).isTrue();
    assertThat(results(report, ActionType.CANCEL_BLOCKERS)).isNotEmpty().allMatch(r -> r == ActionResult.SKIPPED);
    assertThat(world.signalled).isEmpty();

    // At close, once, for the incident's cause: the other databases on the server, in the report and the closing page.
    assertThat(world.similarChecks).containsExactly(PerformanceCause.LOCK_CONTENTION);
    SimilarIssues similar = report.similarElsewhere();
    assertThat(similar.targets()).extracting(SimilarIssues.Elsewhere::target, SimilarIssues.Elsewhere::finding)
        .containsExactly(tuple(billing, SimilarIssues.Finding.SAME_PATTERN),
            tuple(reports, SimilarIssues.Finding.CLEAN), tuple(payments, SimilarIssues.Finding.UNCHECKED));
    String waits = "2 lock wait(s) > 30 s behind 1 root blocker(s), longest 95 s on public.orders";
    String line = "1 other service shows the same pattern: billing-service (" + waits + "); 1 not checked:"
        + " payments-service (did not answer: connect timed out)";
    assertThat(events(report)).filteredOn(e -> e.startsWith("Similar issues in other services"))
        .containsExactly("Similar issues in other services: " + line);
    assertThat(report.markdown()).contains("## Similar issues in other services",
        "Looked for: in the other databases on the same server: lock waits > 30 s, statements running > 5 min, stale"
            + " statistics, dead-tuple build-up (this incident: lock contention)",
        "| shop/billing-service/billing | **same pattern** | " + waits + " |",
        "| shop/reports-service/reports | clean | no lock waits > 30 s, no statement running > 5 min, no stale"
            + " statistics or dead-tuple build-up (2 active session(s)) |",
        "| shop/payments-service/payments | unchecked | did not answer: connect timed out |");
    Notification closing = world.notifications.stream().filter(n -> "resolve".equals(n.event())).findFirst()
        .orElseThrow();
    assertThat(closing.channels()).containsExactly("dba-pager");
    assertThat(closing.summary()).isEqualTo("[" + TARGET.id() + "] closed: " + report.outcome() + ". " + line);
    assertThat(world.elsewhere.get(billing).signalled).isEmpty(); // never acted on
  }
}
