package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.config.ConfigLoader;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The incident workflow in Temporal's time-skipping test environment, with a scripted database. */
class IncidentWorkflowTest {

  @RegisterExtension
  static final TestWorkflowExtension testWorkflow =
      TestWorkflowExtension.newBuilder()
          .registerWorkflowImplementationTypes(IncidentWorkflowImpl.class)
          .setDoNotStart(true)
          .build();

  static final Target TARGET = new Target("prod", "auth-service", "authdb");
  static final RunbookPolicy POLICY = ConfigLoader.parsePolicy("approvers: [alice, bob]");
  static final Alert CRITICAL =
      new Alert(Alert.CRITICAL, "critical", "firing", "98606b87143f2dc9", "2026-11-26T17:27:15.08Z", "pool");

  /** A database whose pool is 92% used by 25 sessions idle in transaction for 15 minutes, until terminated. */
  static final class LeakingDatabase implements DatabaseActivities {
    final List<SessionInfo> leaked = new ArrayList<>();
    final List<List<SessionInfo>> terminations = new CopyOnWriteArrayList<>();
    volatile boolean cleared;

    LeakingDatabase(int leakedSessions, double idleSeconds) {
      for (int i = 0; i < leakedSessions; i++) {
        leaked.add(new SessionInfo(1000 + i, "auth_service", "auth-service", "10.0.0.7", "idle in transaction",
            "2026-11-26 17:00:00.00000" + i + "+00", "2026-11-26 17:01:00+00", idleSeconds, idleSeconds,
            "SELECT balance FROM accounts WHERE email = ?"));
      }
    }

    @Override
    public ConnectionSnapshot snapshot(Target target, RunbookPolicy policy) {
      List<SessionInfo> idle = cleared ? List.of() : leaked;
      int total = 9 + idle.size();
      return new ConnectionSnapshot("2026-11-26T17:30:00Z", total, 0, 9, idle.size(), 900, 40, 3, total + 1,
          total / 37.0, idle, List.of(), List.of(), List.of(), Diagnosis.unknown());
    }

    @Override
    public TerminationResult terminateIdleInTransaction(
        Target target, RunbookPolicy policy, List<SessionInfo> sessions) {
      terminations.add(List.copyOf(sessions));
      cleared = true;
      return new TerminationResult(
          sessions.stream()
              .map(s -> new SessionOutcome(s.pid(), SessionOutcome.Result.TERMINATED, "pg_terminate_backend"))
              .toList());
    }
  }

  private static IncidentWorkflow start(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client, DatabaseActivities db) {
    worker.registerActivitiesImplementations(db);
    env.start();
    IncidentWorkflow incident =
        client.newWorkflowStub(
            IncidentWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(TARGET.incidentId())
                .setTaskQueue(worker.getTaskQueue())
                .build());
    WorkflowClient.start(incident::run, new IncidentInput(TARGET, POLICY, CRITICAL));
    return incident;
  }

  private static IncidentStatus awaitStatus(IncidentWorkflow incident, Predicate<IncidentStatus> condition) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(incident::status, condition);
  }

  private static IncidentReport result(WorkflowClient client) {
    return client.newUntypedWorkflowStub(TARGET.incidentId()).getResult(IncidentReport.class);
  }

  @Test
  void approvedPlanTerminatesExactlyThePlannedSessions(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    LeakingDatabase db = new LeakingDatabase(25, 900);
    IncidentWorkflow incident = start(env, worker, client, db);

    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.plan().sessions()).hasSize(25);
    assertThat(db.terminations).isEmpty();

    incident.approve(new ApprovalDecision(pending.plan().planId(), "alice", "leak confirmed"));
    IncidentReport report = result(client);

    assertThat(report.outcome()).isEqualTo("MITIGATED");
    assertThat(report.sessionsFound()).isEqualTo(25);
    assertThat(report.sessionsTerminated()).isEqualTo(25);
    assertThat(report.utilizationBefore()).isGreaterThan(0.9);
    assertThat(report.utilizationAfter()).isLessThan(0.7);
    assertThat(db.terminations).containsExactly(db.leaked);
    assertThat(report.timeline()).anyMatch(e -> e.actor().equals("alice") && e.event().contains("approved"));
  }

  @Test
  void noDecisionWithinTheTimeoutEscalatesAndActsOnNothing(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    LeakingDatabase db = new LeakingDatabase(25, 900);
    IncidentWorkflow incident = start(env, worker, client, db);
    awaitStatus(incident, IncidentStatus::awaitingApproval);

    env.sleep(POLICY.approvalTimeout().plusMinutes(1));
    IncidentReport report = result(client);

    assertThat(report.outcome()).isEqualTo("ESCALATED");
    assertThat(report.sessionsTerminated()).isZero();
    assertThat(db.terminations).isEmpty();
  }

  @Test
  void sessionsYoungerThanTheThresholdNeedNoAction(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    LeakingDatabase db = new LeakingDatabase(25, 45); // idle in transaction, but not yet 10 minutes
    start(env, worker, client, db);

    IncidentReport report = result(client);

    assertThat(report.outcome()).isEqualTo("NO_ACTION_NEEDED");
    assertThat(db.terminations).isEmpty();
  }

  @Test
  void staleAndUnauthorisedApprovalsAreRefusedAndRecorded(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    LeakingDatabase db = new LeakingDatabase(3, 900);
    IncidentWorkflow incident = start(env, worker, client, db);
    String plan = awaitStatus(incident, IncidentStatus::awaitingApproval).plan().planId();

    incident.approve(new ApprovalDecision("plan-old", "alice", "stale"));
    incident.approve(new ApprovalDecision(plan, "mallory", "not an approver"));
    IncidentStatus status =
        awaitStatus(incident, s -> s.timeline().stream().filter(e -> e.event().startsWith("Refused")).count() == 2);

    assertThat(status.awaitingApproval()).isTrue();
    assertThat(db.terminations).isEmpty();

    incident.reject(new ApprovalDecision(plan, "bob", "investigating first"));
    IncidentReport report = result(client);
    assertThat(report.outcome()).isEqualTo("REJECTED");
    assertThat(db.terminations).isEmpty();
  }
}
