package dev.remediator.incident;

import dev.remediator.runbook.dbpool.PoolPageSection;
import dev.remediator.runbook.dbpool.TerminationTarget;
import dev.remediator.runbook.dbpool.PoolStatusSection;
import dev.remediator.runbook.dbpool.PoolReportSection;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.RootCause;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.registry.Runbooks;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every branch of the runbook workflow in Temporal's time-skipping test environment, against a scripted target
 * ({@link SimulatedTarget}) that reacts to actions the way the runbook expects.
 */
class IncidentWorkflowTest {

  @RegisterExtension
  static final TestWorkflowExtension testWorkflow = RunbookWorkflows.extension();


  static final Target TARGET = new Target("prod", "auth-service", "authdb");
  static final String LADDER =
      """
      approvers: [alice, bob]
      escalation:
        - {name: database, channels: [database-pager], ackTimeout: 15m}
        - {name: platform, channels: [platform-pager], ackTimeout: 15m}
        - {name: development, channels: [development-slack], ackTimeout: 15m}
        - {name: management, channels: [management-email], ackTimeout: 30m}
      """;
  static final Alert CRITICAL =
      new Alert(DbPoolRunbook.CRITICAL, "critical", "firing", "98606b87143f2dc9", "2026-11-26T17:27:15.08Z", "pool 91.89%");
  static final Alert HIGH =
      new Alert(DbPoolRunbook.HIGH, "warning", "firing", "843184d4e142c5bf", "2026-11-26T17:27:07.08Z", "pool 72.97%");
  static final Alert RESOLVED =
      new Alert(DbPoolRunbook.CRITICAL, "critical", "resolved", "98606b87143f2dc9", "2026-11-26T17:27:15.08Z", null);
  static final Alert HIGH_RESOLVED =
      new Alert(DbPoolRunbook.HIGH, "warning", "resolved", "843184d4e142c5bf", "2026-11-26T17:27:07.08Z", null);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  @org.junit.jupiter.api.BeforeAll
  static void warmUp() {
    Warmup.dataConverter();
  }

  /** Every test's own history (its last run) replays against today's code. */
  @org.junit.jupiter.api.AfterEach
  void replaysItsOwnHistory() throws Exception {
    if (client != null) {
      RunbookWorkflows.replay(client.fetchHistory(Runbooks.fallback().incidentId(TARGET)));
    }
  }

  private IncidentWorkflow start(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client, SimulatedTarget world, String policy,
      Alert alert) {
    return start(env, worker, client, world,
        new IncidentInput(TARGET, ConfigLoader.parsePolicy(LADDER + policy), alert));
  }

  private IncidentWorkflow start(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client, SimulatedTarget world, IncidentInput input) {
    this.env = env;
    this.client = client;
    RunbookWorkflows.start(env, worker, world);
    IncidentWorkflow incident =
        client.newWorkflowStub(
            IncidentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(Runbooks.fallback().incidentId(TARGET))
                .setTaskQueue(worker.getTaskQueue())
                .build());
    WorkflowClient.start(incident::run, input);
    return incident;
  }

  private static IncidentStatus awaitStatus(IncidentWorkflow incident, Predicate<IncidentStatus> condition) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(incident::status, condition);
  }

  /** Lets workflow time pass (verify and watch intervals) until the status matches. */
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
    return client.newUntypedWorkflowStub(Runbooks.fallback().incidentId(TARGET)).getResult(IncidentReport.class);
  }

  private static List<String> events(IncidentReport r) {
    return r.timeline().stream().map(TimelineEntry::event).toList();
  }

  /**
   * Every line carries the kind its writer set, none is drawn under "Other", and each line the words alone placed
   * (the classification of lines from before kinds) is drawn under the same stage: the pool's picture is unchanged.
   */
  private static void assertDrawnByKind(IncidentReport r) {
    assertThat(r.timeline()).allSatisfy(e -> assertThat(e.kind()).as(e.event()).isNotNull());
    List<ReportDiagrams.Stage> byKind = ReportDiagrams.stages(r.timeline());
    List<ReportDiagrams.Stage> byWords = ReportDiagrams.stages(
        r.timeline().stream().map(e -> new TimelineEntry(e.at(), e.actor(), e.event())).toList());
    assertThat(byKind).doesNotContain(ReportDiagrams.Stage.OTHER);
    for (int i = 0; i < byKind.size(); i++) {
      if (byWords.get(i) != ReportDiagrams.Stage.OTHER) {
        assertThat(byKind.get(i)).as(r.timeline().get(i).event()).isEqualTo(byWords.get(i));
      }
    }
    assertThat(r.markdown()).contains("## Timeline at a glance").doesNotContain(" · Other");
  }

  private static List<String> results(IncidentReport r, ActionType type) {
    return r.actions().stream().filter(a -> a.type() == type).map(a -> a.result().name()).toList();
  }

  @Test
  void theOpeningDeliveryInTheInputIsAppliedAsTheAlertsSignalWouldBe(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    this.env = env;
    this.client = client;
    RunbookWorkflows.start(env, worker, SimulatedTarget.leaking(25));
    IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(Runbooks.fallback().incidentId(TARGET)).setTaskQueue(worker.getTaskQueue()).build());
    // The receiver's one call for a new incident: the opening alert, and the whole delivery (High and Critical).
    WorkflowClient.start(incident::run, new IncidentInput(TARGET, ConfigLoader.parsePolicy(LADDER), CRITICAL,
        "alertmanager", null, new AlertBatch(List.of(HIGH, CRITICAL))));

    IncidentStatus s = awaitStatus(incident, st -> st.alerts().size() == 2);
    assertThat(s.alerts()).extracting(TrackedAlert::alertName, TrackedAlert::firing)
        .containsExactlyInAnyOrder(tuple(DbPoolRunbook.HIGH, true), tuple(DbPoolRunbook.CRITICAL, true));
    assertThat(s.repeatedAlerts()).isEqualTo(1); // CRITICAL opened the run and came again in the delivery

    // Critical resolves while High fires: the incident stays open; High resolving too closes it, nothing done.
    incident.alert(RESOLVED);
    assertThat(awaitStatus(incident, st -> st.alerts().stream().noneMatch(a -> a.alertName().equals(
        DbPoolRunbook.CRITICAL) && a.firing())).alerts()).anyMatch(a -> a.alertName().equals(DbPoolRunbook.HIGH)
        && a.firing());
    incident.alert(HIGH_RESOLVED);
    IncidentReport report = result();
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RESOLVED);
  }

  @Test
  void warningOnlyIsWatchedAndRecoversWithoutAction(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 22; // 27 of 37 = 73%: High, not Critical
    world.recoversAfterSnapshots = 4;
    IncidentWorkflow incident = start(env, worker, client, world, "", HIGH);

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(HIGH_RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RECOVERED);
    assertThat(report.actions()).isEmpty();
    assertThat(world.terminations).isEmpty();
    assertThat(world.restarts).isEmpty();
    assertThat(world.poolChanges).isEmpty();
    assertThat(PoolReportSection.of(report).utilizationBefore()).isGreaterThan(0.7).isLessThan(0.9);
    assertThat(report.escalated()).isFalse();
    assertThat(events(report)).anyMatch(e -> e.startsWith("Recovered without action"));
  }

  @Test
  void aLeakLeftAtWarningGetsAnApprovalGatedTerminationAndTheOnCallIsTold(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    world.leakIdleSeconds = 45; // idle in transaction, but not yet 10 minutes: nothing to terminate at critical
    IncidentWorkflow incident = start(env, worker, client, world,
        "rollingRestart: off\npoolIncrease: off\ncriticalEscalateAfter: 1h", CRITICAL);
    awaitStatus(incident, s -> "database".equals(s.escalatedTo()));
    await().until(() -> !world.notifications.isEmpty());
    assertThat(world.notifications.get(0).summary())
        .as("the page says what holds now, not that nothing is left for good")
        .contains("no remediation the policy allows for what the database shows now")
        .doesNotContain("no remediation left");

    // The episode falls to warning (29 of 37 = 78 %) while the leaked sessions age past the threshold.
    world.leaked = 20;
    world.leakIdleSeconds = 900;
    incident.alerts(new AlertBatch(List.of(HIGH, RESOLVED)));
    IncidentStatus pending = skipUntil(incident, IncidentStatus::awaitingApproval);
    String planId = pending.plan().planId();
    assertThat(pending.severity()).isEqualTo(Severity.WARNING);
    assertThat(pending.plan().actions()).extracting(PlannedAction::type, PlannedAction::mode)
        .containsExactly(tuple(ActionType.TERMINATE_SESSIONS, ActionMode.APPROVE));
    assertThat(pending.plan().actions().get(0).target(TerminationTarget.class).sessions()).hasSize(20);
    Notification told = await().until(() -> world.notifications.stream()
        .filter(n -> n.summary().contains(planId)).findFirst(), java.util.Optional::isPresent).get();
    assertThat(told.channels()).as("the channels already paged").containsExactly("database-pager");
    assertThat(told.summary()).contains("at warning: terminate 20 session(s)").endsWith(planId + " awaits approval");
    assertThat(told.howToRespond()).anyMatch(h -> h.contains("--plan " + planId));
    assertThat(world.terminations).as("approval-gated").isEmpty();

    incident.approve(new ApprovalDecision(planId, "bob", "leak confirmed"));
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(HIGH_RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(world.terminations).containsExactly(pending.plan().actions().get(0).target(TerminationTarget.class).sessions());
    assertThat(world.restarts).isEmpty();
    assertThat(world.poolChanges).isEmpty();
  }

  @Test
  void aLeakAtWarningIsOnlyWatchedWhenThePolicySaysSo(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(20); // 29 of 37 = 78 %: High, a leak past 10 min
    IncidentWorkflow incident = start(env, worker, client, world, "terminateLeaksAtWarning: false", HIGH);
    skipUntil(incident, s -> s.phase() == IncidentPhase.WATCHING && world.snapshots.get() > 5);
    assertThat(incident.status().plan()).isNull();
    incident.alert(HIGH_RESOLVED);
    IncidentReport report = result();

    assertThat(report.actions()).isEmpty();
    assertThat(world.terminations).isEmpty();
    assertThat(world.notifications).isEmpty();
  }

  @Test
  void aLeakAtWarningFromTheStartGetsItsPlanButNoRestart(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(20); // 29 of 37 = 78 %: High, a leak past 10 min
    IncidentWorkflow incident = start(env, worker, client, world, "", HIGH);
    IncidentStatus pending = skipUntil(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.plan().actions()).extracting(PlannedAction::type)
        .containsExactly(ActionType.TERMINATE_SESSIONS);
    await().until(() -> world.notifications.stream().anyMatch(n -> n.summary().contains(pending.plan().planId())));
    assertThat(world.notifications.get(0).channels()).as("nobody paged yet: the first tier").containsExactly(
        "database-pager");

    incident.reject(new ApprovalDecision(pending.plan().planId(), "alice", "not now"));
    skipUntil(incident, s -> s.phase() == IncidentPhase.WATCHING && !s.awaitingApproval());
    env.sleep(Duration.ofMinutes(5));
    assertThat(incident.status().timeline()).as("no new plan at warning after a rejection")
        .filteredOn(e -> e.event().matches("Plan plan-[0-9a-f]+: .*")).hasSize(1);
    incident.alert(HIGH_RESOLVED);
    IncidentReport report = result();
    assertThat(world.terminations).isEmpty();
    assertThat(world.restarts).isEmpty();
  }

  @Test
  void criticalWithApprovalTerminatesExactlyThePlannedSessionsAndReports(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    IncidentWorkflow incident = start(env, worker, client, world, "", CRITICAL);

    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.plan().actions())
        .extracting(PlannedAction::type)
        .containsExactly(ActionType.TERMINATE_SESSIONS, ActionType.ROLLING_RESTART);
    assertThat(pending.plan().actions().get(0).target(TerminationTarget.class).sessions()).hasSize(25);
    assertThat(pending.diagnosis().cause()).isEqualTo(RootCause.LEAK.name());
    assertThat(world.terminations).isEmpty();

    DecisionResult decision =
        incident.decide(new DecisionRequest(DecisionAction.APPROVE, pending.plan().planId(), "alice", "leak confirmed"));
    assertThat(decision.accepted()).isTrue();
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(PoolReportSection.of(report).sessionsFound()).isEqualTo(25);
    assertThat(PoolReportSection.of(report).sessionsTerminated()).isEqualTo(25);
    assertThat(world.terminations).containsExactly(pending.plan().actions().get(0).target(TerminationTarget.class).sessions());
    assertThat(world.restarts).as("recovered after the first action: no restart").isEmpty();
    assertThat(PoolReportSection.of(report).utilizationBefore()).isGreaterThan(0.9);
    assertThat(PoolReportSection.of(report).utilizationAfter()).isLessThan(0.7);
    assertThat(report.timeline()).anyMatch(e -> e.actor().equals("alice") && e.event().contains("approved"));
    assertThat(report.markdown())
        .contains("# Post-incident draft: auth-service")
        .contains("Root-cause hint: **LEAK**")
        .contains("- [ ] Conduct root cause analysis")
        .contains("idle_in_transaction_session_timeout");
    assertThat(report.followUps()).hasSize(8);
    assertDrawnByKind(report);
  }

  @Test
  void aTargetWithoutKubernetesIsNotedOnceAndTheClusterIsLeftAlone(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    world.kubernetesConfigured = false;
    IncidentWorkflow incident = start(env, worker, client, world, "", CRITICAL);

    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.plan().actions()).extracting(PlannedAction::type)
        .containsExactly(ActionType.TERMINATE_SESSIONS);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(events(report)).filteredOn(e -> e.startsWith("Kubernetes") || e.startsWith("Application logs"))
        .containsExactly("Kubernetes: target " + TARGET.id() + " has no kubernetes.deployment configured"
            + " (restart and pool changes unavailable)");
    assertThat(world.kubernetesCallsWithoutDeployment).hasValue(0);
  }

  @Test
  void sessionsYoungerThanTheTerminationThresholdAreNotPlanned(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    world.leakIdleSeconds = 45; // idle in transaction, reported (> 30 s), but not yet 10 minutes
    IncidentWorkflow incident = start(env, worker, client, world, "", CRITICAL);

    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.plan().actions()).extracting(PlannedAction::type).containsExactly(ActionType.ROLLING_RESTART);
    assertThat(PoolStatusSection.of(pending).lastSnapshot().idleInTransactionSessions()).hasSize(25);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(PoolReportSection.of(report).sessionsFound()).isZero();
    assertThat(world.terminations).isEmpty();
    assertThat(world.restarts).isEmpty();
  }

  @Test
  void rejectedPlanExecutesNothingAndTheLeakGetsANewPlan(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    IncidentWorkflow incident = start(env, worker, client, world, "", CRITICAL);
    String first = awaitStatus(incident, IncidentStatus::awaitingApproval).plan().planId();

    incident.reject(new ApprovalDecision(first, "bob", "investigating first"));
    IncidentStatus second = skipUntil(incident, s -> s.awaitingApproval() && !s.plan().planId().equals(first));
    assertThat(world.terminations).isEmpty();
    assertThat(second.timeline()).anyMatch(e -> e.event().contains("a new plan (automatic, 1 of 2)"));

    incident.reject(new ApprovalDecision(second.plan().planId(), "bob", "still no"));
    IncidentStatus third = skipUntil(incident, s -> s.awaitingApproval()
        && !List.of(first, second.plan().planId()).contains(s.plan().planId()));
    incident.reject(new ApprovalDecision(third.plan().planId(), "bob", "no"));
    skipUntil(incident, s -> s.phase() == IncidentPhase.WATCHING);
    env.sleep(Duration.ofMinutes(5));
    assertThat(incident.status().phase()).as("automatic plans are bounded").isEqualTo(IncidentPhase.WATCHING);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RESOLVED);
    assertThat(world.terminations).isEmpty();
    assertThat(world.restarts).isEmpty();
    assertThat(results(report, ActionType.TERMINATE_SESSIONS)).containsExactly("SKIPPED", "SKIPPED", "SKIPPED");
  }

  @Test
  void approvalTimeoutEscalatesWithTheRunbookInformationAndNeverActs(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    IncidentWorkflow incident = start(env, worker, client, world, "criticalEscalateAfter: 1h", CRITICAL);
    awaitStatus(incident, IncidentStatus::awaitingApproval);

    env.sleep(Duration.ofMinutes(16));
    IncidentStatus escalated = awaitStatus(incident, s -> "database".equals(s.escalatedTo()));
    await().until(() -> !world.notifications.isEmpty());

    Notification page = world.notifications.get(0);
    assertThat(page.event()).isEqualTo("trigger");
    assertThat(page.tier()).isEqualTo("database");
    assertThat(page.channels()).containsExactly("database-pager");
    assertThat(page.summary()).contains("no approval decision within 15 min");
    PoolPageSection pageSection = (PoolPageSection) page.details().runbook();
    assertThat(pageSection.utilization()).isGreaterThan(0.9);
    assertThat(page.details().recentChanges()).isNotEmpty();
    assertThat(pageSection.database()).isNotNull();
    assertThat(page.details().errorLogs().counts()).containsKey("Connection pool exhausted");
    assertThat(page.details().timeline()).isNotEmpty();
    assertThat(page.howToRespond()).anyMatch(h -> h.contains("./remediator ack " + Runbooks.fallback().incidentId(TARGET)));
    assertThat(escalated.phase()).isEqualTo(IncidentPhase.WATCHING);
    assertThat(world.terminations).isEmpty();
    assertThat(world.restarts).isEmpty();

    incident.alert(RESOLVED);
    IncidentReport report = result();
    assertDrawnByKind(report);
    assertThat(report.escalated()).isTrue();
    assertThat(world.notifications).anyMatch(n -> "resolve".equals(n.event()));
  }

  @Test
  void atCloseTheOtherTargetsAreCheckedOnceAndAnotherTargetsLeakIsReportedAndAnnounced(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    Target billing = new Target("prod", "billing-service", "billingdb");
    Target orders = new Target("prod", "orders-service", "ordersdb");
    Target payments = new Target("prod", "payments-service", "paymentsdb");
    world.elsewhere.put(billing, SimulatedTarget.leaking(14)); // 23 of 37: under warning, but leaking
    world.elsewhere.put(orders, new SimulatedTarget());
    world.elsewhere.put(payments, null); // does not answer
    IncidentWorkflow incident = start(env, worker, client, world, "criticalEscalateAfter: 1h", CRITICAL);
    awaitStatus(incident, IncidentStatus::awaitingApproval);
    env.sleep(Duration.ofMinutes(16)); // no decision: the database tier is paged
    awaitStatus(incident, s -> "database".equals(s.escalatedTo()));
    await().until(() -> !world.notifications.isEmpty()); // the page is out before the alert resolves
    assertThat(world.similarCalls).hasValue(0); // only at close

    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(world.similarCalls).hasValue(1);
    SimilarIssues similar = report.similarElsewhere();
    assertThat(similar.targets()).extracting(SimilarIssues.Elsewhere::target, SimilarIssues.Elsewhere::finding)
        .containsExactly(tuple(billing, SimilarIssues.Finding.SAME_PATTERN),
            tuple(orders, SimilarIssues.Finding.CLEAN), tuple(payments, SimilarIssues.Finding.UNCHECKED));
    assertThat(similar.targets().get(0).detail()).isEqualTo("14 sessions idle in transaction > 10 min");
    String line = "1 other service shows the same pattern: billing-service (14 sessions idle in transaction > 10 min);"
        + " 1 not checked: payments-service (did not answer: connect timed out)";
    assertThat(events(report)).filteredOn(e -> e.startsWith("Similar issues in other services"))
        .containsExactly("Similar issues in other services: " + line);
    assertThat(report.markdown()).contains("## Similar issues in other services",
        "| prod/billing-service/billingdb | **same pattern** | 14 sessions idle in transaction > 10 min |",
        "| prod/orders-service/ordersdb | clean | utilization 13.5%, no session idle in transaction > 10 min |",
        "| prod/payments-service/paymentsdb | unchecked | did not answer: connect timed out |");
    Notification closing = world.notifications.stream().filter(n -> "resolve".equals(n.event())).findFirst()
        .orElseThrow();
    assertThat(closing.channels()).containsExactly("database-pager");
    assertThat(closing.summary()).isEqualTo("[" + TARGET.id() + "] closed: RESOLVED. " + line);
    assertThat(world.terminations).isEmpty(); // nothing acted on, here or elsewhere
    assertThat(world.elsewhere.get(billing).terminations).isEmpty();
  }

  @Test
  void escalationDuringTheImmediateResponsePagesEachTierOnce(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    world.databaseRefuses = true; // diagnosis fails: escalated before remediation starts
    IncidentWorkflow incident = start(env, worker, client, world, "criticalEscalateAfter: 1h", CRITICAL);
    awaitStatus(incident, s -> "database".equals(s.escalatedTo()));
    await().until(() -> !world.notifications.isEmpty());

    env.sleep(Duration.ofMinutes(5)); // within the tier's 15 min: nothing more to page
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(report.escalationReason()).contains("database severely degraded: it refuses connections");
    assertThat(world.notifications.stream().filter(n -> "trigger".equals(n.event())).map(Notification::tier))
        .containsExactly("database");
  }

  /**
   * Every slot was taken when the incident opened: the diagnosis saw nothing and, with no Deployment to restart,
   * nothing could be planned (escalated). Once a sample reaches the database, the incident plans from what it shows
   * — the leaked sessions — without waiting for a person's replan.
   */
  @Test
  void aPlanThatCameOutEmptyWhileTheDatabaseRefusedIsMadeAgainOnceItAnswers(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    world.kubernetesConfigured = false;
    world.databaseRefuses = true;
    IncidentWorkflow incident = start(env, worker, client, world, "", CRITICAL);
    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING && s.escalatedTo() != null);
    assertThat(incident.status().plan()).isNull();
    skipUntil(incident, s -> world.snapshotCalls.get() >= 4); // still refused: no plan from a sample that failed
    assertThat(incident.status().awaitingApproval()).isFalse();

    world.databaseRefuses = false;
    IncidentStatus pending = skipUntil(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.plan().actions()).singleElement().satisfies(a -> {
      assertThat(a.type()).isEqualTo(ActionType.TERMINATE_SESSIONS);
      assertThat(a.target(TerminationTarget.class).sessions()).hasSize(25);
    });
    incident.approve(new ApprovalDecision(pending.plan().planId(), "bob", "the leak, now visible"));
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(world.terminations).singleElement().satisfies(t -> assertThat(t).hasSize(25));
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(events(report)).containsSubsequence(
        "Escalating: database severely degraded: it refuses connections (all slots taken)",
        "Database reachable again",
        "The cause is one the runbook acts on now: a new plan");
    assertThat(events(report)).filteredOn(e -> e.startsWith("The database answers again")).hasSize(1);
  }

  /**
   * A database that lets the watch's samples in and refuses the planning snapshots: each sample that gets through
   * would plan again, the plan (a load, no Deployment) comes out empty again, and the next sample follows without a
   * wait. The plan is made again at most twice.
   */
  @Test
  void aDatabaseThatRefusesThePlanningSnapshotsIsPlannedAgainAtMostTwice(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 30; // 35 of 37: critical, a load (no leak), nothing to plan without a Deployment
    world.kubernetesConfigured = false;
    world.refusesThePlanningSnapshots = true;
    IncidentWorkflow incident = start(env, worker, client, world, "", CRITICAL);
    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING && s.escalatedTo() != null);
    skipUntil(incident, s -> world.snapshotCalls.get() >= 12);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(events(report)).filteredOn(e -> e.startsWith("The database answers again")).hasSize(2);
    assertThat(report.actions()).isEmpty();
  }

  @Test
  void acknowledgementStopsTheEscalationLadder(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    IncidentWorkflow incident = start(env, worker, client, world, "criticalEscalateAfter: 1h", CRITICAL);
    awaitStatus(incident, IncidentStatus::awaitingApproval);
    env.sleep(Duration.ofMinutes(16));
    awaitStatus(incident, s -> "database".equals(s.escalatedTo()));

    DecisionResult ack = incident.decide(new DecisionRequest(DecisionAction.ACKNOWLEDGE, null, "dba-on-call", "looking"));
    assertThat(ack.accepted()).isTrue();
    env.sleep(Duration.ofHours(2));
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(world.pagedTiers()).containsExactly("database");
    assertThat(report.acknowledgedBy()).isEqualTo("dba-on-call");
    assertThat(world.notifications).anyMatch(n -> "acknowledge".equals(n.event()));
  }

  @Test
  void withoutAcknowledgementTheLadderClimbsEveryTier(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    IncidentWorkflow incident = start(env, worker, client, world, "terminateSessions: off\nrollingRestart: off\n"
        + "poolIncrease: off", CRITICAL);
    awaitStatus(incident, s -> s.escalatedTo() != null);

    env.sleep(Duration.ofHours(2));
    await().until(() -> world.pagedTiers().size() == 4);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(world.pagedTiers()).containsExactly("database", "platform", "development", "management");
    assertThat(report.escalationReason())
        .isEqualTo("no remediation the policy allows for what the database shows now (replan if that changes)");
  }

  @Test
  void staleUnauthorisedAndFourEyesApprovalsAreRefusedAndRecorded(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(3);
    IncidentWorkflow incident = start(env, worker, client, world,
        new IncidentInput(TARGET, ConfigLoader.parsePolicy(LADDER), CRITICAL, "alice", null));
    String plan = awaitStatus(incident, IncidentStatus::awaitingApproval).plan().planId();

    DecisionResult stale = incident.decide(new DecisionRequest(DecisionAction.APPROVE, "plan-old", "bob", null));
    DecisionResult stranger = incident.decide(new DecisionRequest(DecisionAction.APPROVE, plan, "mallory", null));
    DecisionResult requester = incident.decide(new DecisionRequest(DecisionAction.APPROVE, plan, "alice", null));
    incident.approve(new ApprovalDecision(plan, "mallory", "via signal"));

    assertThat(stale.accepted()).isFalse();
    assertThat(stale.message()).contains("stale");
    assertThat(stranger.accepted()).isFalse();
    assertThat(stranger.message()).contains("not an approver");
    assertThat(requester.accepted()).isFalse();
    assertThat(requester.message()).contains("four-eyes");
    // mallory's second refusal (by signal) counts on the line of the first.
    IncidentStatus status = awaitStatus(incident, s -> s.timeline().stream()
        .anyMatch(e -> e.event().startsWith("Refused approve ×2: mallory is not an approver")));
    assertThat(status.timeline()).filteredOn(e -> e.event().startsWith("Refused")).hasSize(3);
    assertThat(status.awaitingApproval()).isTrue();
    assertThat(world.terminations).isEmpty();

    assertThat(incident.decide(new DecisionRequest(DecisionAction.APPROVE, plan, "bob", "ok")).accepted()).isTrue();
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(RESOLVED);
    assertThat(result().outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(world.terminations).hasSize(1);
  }

  @Test
  void everyRefusedDecisionIsOneCountedLineAndAStormIsBounded(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(3);
    IncidentWorkflow incident = start(env, worker, client, world,
        new IncidentInput(TARGET, ConfigLoader.parsePolicy(LADDER), CRITICAL, "alice", null));
    String plan = awaitStatus(incident, IncidentStatus::awaitingApproval).plan().planId();

    // The same refusal three times: one line, counted. A refused reject is recorded like a refused approve.
    for (int i = 0; i < 3; i++) {
      assertThat(incident.decide(new DecisionRequest(DecisionAction.APPROVE, "plan-old", "bob", null)).accepted())
          .isFalse();
    }
    assertThat(incident.decide(new DecisionRequest(DecisionAction.REJECT, plan, "mallory", "no")).accepted())
        .isFalse();
    // Refusals the approval API made before the incident saw the decision arrive by the refused signal.
    incident.refused(new RefusedDecision(DecisionAction.APPROVE, "eve", "eve is not an approver for " + TARGET.id()));
    incident.refused(new RefusedDecision(DecisionAction.APPROVE, "eve", "eve is not an approver for " + TARGET.id()));
    incident.refused(new RefusedDecision(DecisionAction.REJECT, "bob", "a rejection needs a reason"));
    // A storm of distinct refusals (made-up plan IDs): at most MAX_REFUSAL_LINES lines, the rest counted on one.
    int storm = Timeline.MAX_REFUSAL_LINES + 20;
    for (int i = 0; i < storm; i++) {
      incident.approve(new ApprovalDecision("plan-made-up-" + i, "bob", null));
    }

    IncidentStatus status = awaitStatus(incident, s -> s.timeline().stream()
        .anyMatch(e -> e.event().startsWith("Refused decisions beyond") && e.event().contains("×"))
        && refusalsCounted(s) == 3 + 1 + 2 + 1 + storm);
    List<String> refusals = status.timeline().stream()
        .filter(e -> e.event().startsWith("Refused")).map(e -> e.actor() + " | " + e.event()).toList();
    assertThat(refusals).startsWith(
        "bob | Refused approve ×3: plan plan-old is stale; the pending plan is " + plan,
        "mallory | Refused reject: mallory is not an approver for " + TARGET.id(),
        "eve | Refused approve ×2: eve is not an approver for " + TARGET.id(),
        "bob | Refused reject: a rejection needs a reason");
    assertThat(refusals).hasSize(Timeline.MAX_REFUSAL_LINES + 1);
    assertThat(refusals.get(refusals.size() - 1)).isEqualTo("remediator | Refused decisions beyond "
        + Timeline.MAX_REFUSAL_LINES + " ×" + (storm - (Timeline.MAX_REFUSAL_LINES - 4))
        + ": further refusals are not itemised (the workflow history has each)");
    assertThat(status.awaitingApproval()).isTrue();
    assertThat(world.terminations).isEmpty();

    assertThat(incident.decide(new DecisionRequest(DecisionAction.REJECT, plan, "bob", "not now")).accepted())
        .isTrue();
  }

  /** How many refusals the timeline's refusal lines account for (a line "×n" for n). */
  private static int refusalsCounted(IncidentStatus s) {
    int n = 0;
    for (TimelineEntry e : s.timeline()) {
      if (e.event().startsWith("Refused")) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^Refused [a-z ]+?(?:\\d+)? ×(\\d+):")
            .matcher(e.event());
        n += m.find() ? Integer.parseInt(m.group(1)) : 1;
      }
    }
    return n;
  }

  @Test
  void resolvedBeforeApprovalTakesNoAction(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    IncidentWorkflow incident = start(env, worker, client, world, "", CRITICAL);
    awaitStatus(incident, IncidentStatus::awaitingApproval);

    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RESOLVED);
    assertThat(world.terminations).isEmpty();
    assertThat(world.restarts).isEmpty();
    assertThat(results(report, ActionType.TERMINATE_SESSIONS)).containsExactly("SKIPPED");
    assertThat(report.escalated()).isFalse();
  }

  @Test
  void aStaleResolvedCopyOfThePreviousEpisodeDoesNotResolveTheFiringOne(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    IncidentWorkflow incident = start(env, worker, client, world, "", CRITICAL);
    String plan = awaitStatus(incident, IncidentStatus::awaitingApproval).plan().planId();

    // A lagging HA peer's resolution of the episode before (startsAt 17:26:27, the firing one 17:27:15).
    Alert stale = new Alert(DbPoolRunbook.CRITICAL, "critical", "resolved", CRITICAL.fingerprint(),
        "2026-11-26T17:26:27.08Z", null);
    incident.alert(stale);
    IncidentStatus after = awaitStatus(incident, s -> s.repeatedAlerts() == 1);
    assertThat(after.alerts()).extracting(TrackedAlert::firing, TrackedAlert::startsAt)
        .containsExactly(tuple(true, CRITICAL.startsAt()));
    assertThat(after.awaitingApproval()).isTrue();
    assertThat(after.plan().planId()).isEqualTo(plan);
    assertThat(after.timeline()).noneMatch(e -> e.event().contains("Every alert of the incident is resolved"));

    incident.alert(RESOLVED); // the episode's own resolution ends it
    IncidentReport report = result();
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RESOLVED);
    assertThat(events(report)).filteredOn(e -> e.contains("Every alert of the incident is resolved")).hasSize(1);
    assertThat(world.terminations).isEmpty();
  }

  @Test
  void severityUpgradeMidIncidentStartsRemediation(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 22; // High
    IncidentWorkflow incident = start(env, worker, client, world, "", HIGH);
    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING);

    world.load = 0;
    world.leaked = 29; // now 34 of 37: Critical, a leak
    incident.alert(CRITICAL);
    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.severity()).isEqualTo(Severity.CRITICAL);
    incident.approve(new ApprovalDecision(pending.plan().planId(), "bob", "go"));
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alerts(new AlertBatch(List.of(RESOLVED, HIGH_RESOLVED)));
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(world.terminations).as(String.join("\n", events(report))).hasSize(1);
    assertThat(events(report)).anyMatch(e -> e.contains("firing (critical)"));
  }

  @Test
  void restartsThatDoNotHelpAreCappedThenEscalated(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 30; // 35 of 37, no leak: restarts do not help
    world.poolIncreaseClearsLoad = false;
    world.restartClearsLeaks = false;
    IncidentWorkflow incident =
        start(env, worker, client, world, "rollingRestart: auto\npoolIncrease: auto\nrestartCooldown: 0s", CRITICAL);

    env.sleep(Duration.ofHours(1)); // verification samples, restarts, the pool increase
    IncidentStatus status = awaitStatus(incident, s -> s.escalatedTo() != null);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(world.restarts).hasSize(2);
    assertThat(status.actions().stream().filter(a -> a.type() == ActionType.ROLLING_RESTART)
        .map(a -> a.result().name())).containsExactly("EXECUTED", "EXECUTED");
    assertThat(report.escalationReason()).isEqualTo("2 restart(s) did not resolve it");
    assertThat(world.pagedTiers()).first().isEqualTo("database");
  }

  @Test
  void temporaryPoolIncreaseIsRevertedAfterRecovery(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.base = 2;
    world.load = 32; // 34 of 37, load: a pool increase relieves it in this world
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: off\npoolIncrease: auto", CRITICAL);

    env.sleep(Duration.ofMinutes(5));
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    assertThat(world.poolChanges).hasSize(1);
    assertThat(world.restores).isEmpty();
    // The plan says the capacity capped the policy's 5 + 2 × 1.5 = 8 + 3; status and show say when it is reverted.
    IncidentStatus recovered = incident.status();
    assertThat(recovered.plan().actions()).singleElement().satisfies(a -> assertThat(a.reason()).isEqualTo(
        "temporary pool increase within the server's capacity (DATABASE_POOL_SIZE capped at "
            + world.poolChanges.get(0).get(0).value() + " by the server's capacity (wanted 8)), reverted 120 min"
            + " after recovery"));
    assertThat(PoolStatusSection.of(recovered).poolRevertTo().values()).containsExactly(
        new PoolSettings.EnvValue("DATABASE_POOL_SIZE", "5"), new PoolSettings.EnvValue("DATABASE_MAX_OVERFLOW", "2"));
    assertThat(PoolStatusSection.of(recovered).poolRevertFinal()).isTrue();
    java.time.Instant recoveredAt = java.time.Instant.parse(recovered.timeline().stream()
        .filter(e -> e.event().startsWith("Recovered")).reduce((x, y) -> y).orElseThrow().at());
    assertThat(java.time.Instant.parse(PoolStatusSection.of(recovered).poolRevertAt()))
        .isBetween(recoveredAt.plus(Duration.ofHours(2)).minusSeconds(5), recoveredAt.plus(Duration.ofHours(2)));
    incident.alert(RESOLVED);
    IncidentReport report = result();
    assertDrawnByKind(report);

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(world.restores).singleElement().satisfies(p -> assertThat(p.values())
        .containsExactly(new PoolSettings.EnvValue("DATABASE_POOL_SIZE", "5"),
            new PoolSettings.EnvValue("DATABASE_MAX_OVERFLOW", "2")));
    assertThat(world.env).isEqualTo(world.restores.get(0).values());
    assertThat(results(report, ActionType.POOL_INCREASE)).containsExactly("EXECUTED", "REVERTED");
    assertThat(report.durationSeconds()).isGreaterThanOrEqualTo(Duration.ofHours(2).toSeconds());
    // The revert rolls the deployment: the incident closes only after that rollout completed.
    assertThat(world.kubernetesCalls).endsWith("restorePoolSettings", "awaitRollout");
    assertThat(events(report)).contains(
        "Rollout after the revert complete: deployment \"auth-service\" successfully rolled out");
  }

  @Test
  void aPoolIncreaseRefusedDuringAnotherRolloutIsRecordedAndChangesNothing(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.base = 2;
    world.load = 32;
    String refusal = "a rollout of deployment prod/auth-service is in progress: Waiting for deployment"
        + " \"auth-service\" rollout to finish: 1 out of 3 new replicas have been updated...; the pool-size change"
        + " would merge into it — try again once it has finished";
    world.poolChangeRefusal = refusal;
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: off\npoolIncrease: auto", CRITICAL);

    env.sleep(Duration.ofMinutes(5));
    IncidentStatus status = awaitStatus(incident, s -> s.actions().stream()
        .anyMatch(a -> a.type() == ActionType.POOL_INCREASE && a.result() == ActionResult.REFUSED));
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(status.actions()).filteredOn(a -> a.type() == ActionType.POOL_INCREASE)
        .allSatisfy(a -> {
          assertThat(a.result()).isEqualTo(ActionResult.REFUSED);
          assertThat(a.detail()).isEqualTo(refusal);
        });
    assertThat(world.poolChanges).isEmpty();
    assertThat(world.restores).isEmpty();
    assertThat(results(report, ActionType.POOL_INCREASE)).isNotEmpty().allMatch("REFUSED"::equals);
  }

  @Test
  void theRevertLeavesAnOperatorsPoolChangeAndSaysSo(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.base = 2;
    world.load = 32;
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: off\npoolIncrease: auto", CRITICAL);

    env.sleep(Duration.ofMinutes(5));
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    String ours = world.env.get(0).value();
    String theirs = Integer.toString(Integer.parseInt(ours) + 1);
    world.env = List.of(new PoolSettings.EnvValue("DATABASE_POOL_SIZE", theirs), world.env.get(1));
    incident.alert(RESOLVED);
    IncidentReport report = result();

    String left = "left DATABASE_POOL_SIZE=" + theirs + ": changed by someone else since we set " + ours;
    assertThat(world.env.get(0).value()).isEqualTo(theirs);
    assertThat(world.env.get(1)).isEqualTo(new PoolSettings.EnvValue("DATABASE_MAX_OVERFLOW", "2"));
    assertThat(results(report, ActionType.POOL_INCREASE)).containsExactly("EXECUTED", "REFUSED");
    assertThat(events(report)).anyMatch(e -> e.startsWith("Temporary pool increase not reverted: " + left));
  }

  @Test
  void temporaryPoolIncreaseIsRevertedWhenTheIncidentFails(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.base = 2;
    world.load = 32;
    world.rolloutFails = true;
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: off\npoolIncrease: auto", CRITICAL);

    env.sleep(Duration.ofMinutes(5));
    IncidentStatus status = awaitStatus(incident, s -> s.escalatedTo() != null);
    assertThat(status.actions()).anyMatch(a -> a.type() == ActionType.POOL_INCREASE && a.result() == ActionResult.FAILED);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(world.restores).hasSize(1);
    assertThat(results(report, ActionType.POOL_INCREASE)).containsExactly("FAILED", "REVERTED");
    assertThat(report.escalationReason()).startsWith("action failed: temporary pool increase");
  }

  @Test
  void dryRunRecordsThePlanAndExecutesNothing(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    IncidentWorkflow incident = start(env, worker, client, world,
        "terminateSessions: dry_run\nrollingRestart: dry_run\npoolIncrease: dry_run\ncriticalEscalateAfter: 1h",
        CRITICAL);

    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(results(report, ActionType.TERMINATE_SESSIONS)).containsExactly("DRY_RUN");
    assertThat(results(report, ActionType.ROLLING_RESTART)).containsExactly("DRY_RUN");
    assertThat(world.terminations).isEmpty();
    assertThat(world.restarts).isEmpty();
    assertThat(events(report)).anyMatch(e -> e.contains("dry run: would terminate 25 session(s)"));
  }

  @Test
  void repeatedAlertsAreCoalescedAndContinueAsNewKeepsTheState(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 22; // High for a long time
    world.recoversAfterSnapshots = 12;
    IncidentWorkflow incident = start(env, worker, client, world, "maxSamplesPerRun: 4", HIGH);
    String firstRun = WorkflowStub.fromTyped(incident).getExecution().getRunId();
    for (int i = 0; i < 5; i++) {
      incident.alert(HIGH); // Alertmanager re-sends
    }
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(HIGH_RESOLVED);

    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RECOVERED);
    assertThat(events(report).stream().filter(e -> e.startsWith("Continued as new"))).hasSizeGreaterThanOrEqualTo(2);
    assertThat(events(report).get(0)).contains("opened the incident");
    assertThat(events(report).stream().filter(e -> e.contains("firing (warning)"))).isEmpty();
    assertThat(PoolReportSection.of(report).utilizationBefore()).isGreaterThan(0.7);
    var first =
        env.getWorkflowClient().getWorkflowServiceStubs().blockingStub()
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(env.getNamespace())
                    .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                        .setWorkflowId(Runbooks.fallback().incidentId(TARGET)).setRunId(firstRun))
                    .build());
    assertThat(first.getWorkflowExecutionInfo().getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW);
  }
}
