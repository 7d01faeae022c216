package dev.remediator.incident;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/** The connection-pool runbook, step by step. Deterministic: workflow time, workflow logger, no I/O. */
public class IncidentWorkflowImpl implements IncidentWorkflow {
  private static final Logger log = Workflow.getLogger(IncidentWorkflowImpl.class);

  private final DatabaseActivities database =
      Workflow.newActivityStub(
          DatabaseActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(30))
              .setScheduleToCloseTimeout(Duration.ofMinutes(3))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofSeconds(2))
                      .setBackoffCoefficient(2)
                      .setMaximumAttempts(4)
                      .build())
              .build());

  private final List<TimelineEntry> timeline = new ArrayList<>();
  private IncidentInput input;
  private String severity;
  private IncidentPhase phase = IncidentPhase.ASSESSING;
  private String openedAt;
  private ConnectionSnapshot lastSnapshot;
  private Plan plan;
  private ApprovalDecision approval;
  private ApprovalDecision rejection;
  private Alert lastAlert;
  private String acknowledgedBy;
  private int repeatedAlerts;

  @Override
  public IncidentReport run(IncidentInput input) {
    this.input = input;
    this.severity = input.alert().severity();
    this.lastAlert = input.alert();
    this.openedAt = now();
    long started = Workflow.currentTimeMillis();
    record("alertmanager", "Alert " + input.alert().alertName() + " (" + severity + ") opened the incident");

    // 1. Assess current impact and 2. check database connection status.
    enter(IncidentPhase.ASSESSING);
    ConnectionSnapshot before = snapshot();

    // 3. Identify connection leaks: sessions idle in transaction past the termination threshold.
    enter(IncidentPhase.DIAGNOSING);
    List<SessionInfo> leaked = leakedSessions(before);
    record(
        "remediator",
        leaked.size() + " session(s) idle in transaction longer than "
            + input.policy().idleInTransactionTerminateAfter().toSeconds() + " s");
    if (leaked.isEmpty()) {
      return close("NO_ACTION_NEEDED", before, before, 0, 0, started);
    }

    // Resolution 1: kill idle-in-transaction sessions, once a listed approver approved the exact plan.
    enter(IncidentPhase.PLANNING);
    plan =
        new Plan(
            "plan-" + Workflow.randomUUID().toString().substring(0, 8),
            "terminate-idle-in-transaction",
            leaked.size() + " sessions idle in transaction hold connections of " + input.target().service(),
            input.policy().terminateSessions(),
            leaked);
    record("remediator", "Plan " + plan.planId() + ": terminate " + leaked.size() + " session(s)");

    enter(IncidentPhase.AWAITING_APPROVAL);
    boolean decided =
        Workflow.await(input.policy().approvalTimeout(), () -> approval != null || rejection != null);
    if (!decided) {
      enter(IncidentPhase.ESCALATING);
      record("remediator", "No decision within " + input.policy().approvalTimeout().toMinutes()
          + " min: escalating, nothing done");
      return close("ESCALATED", before, before, leaked.size(), 0, started);
    }
    if (rejection != null) {
      return close("REJECTED", before, before, leaked.size(), 0, started);
    }

    enter(IncidentPhase.ACTING);
    TerminationResult result =
        database.terminateIdleInTransaction(input.target(), input.policy(), plan.sessions());
    record("remediator", "Terminated " + result.terminated() + " of " + leaked.size() + " session(s)");

    // Verify: utilization must have fallen below the warning threshold.
    enter(IncidentPhase.VERIFYING);
    ConnectionSnapshot after = snapshot();
    boolean recovered = after.utilization() < input.policy().warningUtilization();
    return close(
        recovered ? "MITIGATED" : "NOT_RECOVERED",
        before,
        after,
        leaked.size(),
        (int) result.terminated(),
        started);
  }

  @Override
  public void alert(Alert alert) {
    // Re-sends (repeat_interval, HA pairs, signal-with-start's own signal) are counted, not recorded again.
    if (lastAlert != null && sameNotification(lastAlert, alert)) {
      repeatedAlerts++;
      return;
    }
    lastAlert = alert;
    if (input == null) {
      return; // delivered with the start: run() records the opening alert
    }
    record("alertmanager", "Alert " + alert.alertName() + " " + alert.status() + " (" + alert.severity() + ")");
    if (alert.firing()) {
      severity = alert.severity();
    }
  }

  private static boolean sameNotification(Alert a, Alert b) {
    return java.util.Objects.equals(a.alertName(), b.alertName())
        && java.util.Objects.equals(a.status(), b.status())
        && java.util.Objects.equals(a.severity(), b.severity());
  }

  @Override
  public void approve(ApprovalDecision decision) {
    decide(DecisionRequest.APPROVE, decision);
  }

  @Override
  public void reject(ApprovalDecision decision) {
    decide(DecisionRequest.REJECT, decision);
  }

  @Override
  public void acknowledge(Acknowledgement ack) {
    decide(new DecisionRequest(DecisionRequest.ACKNOWLEDGE, null, ack.by(), ack.note()));
  }

  @Override
  public DecisionResult decide(DecisionRequest request) {
    if (DecisionRequest.ACKNOWLEDGE.equals(request.action())) {
      acknowledgedBy = request.approver();
      record(request.approver(), "Acknowledged" + (request.reason() == null ? "" : ": " + request.reason()));
      return new DecisionResult(true, "acknowledged by " + request.approver());
    }
    return decide(request.action(), new ApprovalDecision(request.planId(), request.approver(), request.reason()));
  }

  @Override
  public void validateDecide(DecisionRequest request) {
    if (request == null || request.approver() == null || request.approver().isBlank()) {
      throw new IllegalArgumentException("a decision needs an approver");
    }
    if (!List.of(DecisionRequest.APPROVE, DecisionRequest.REJECT, DecisionRequest.ACKNOWLEDGE)
        .contains(request.action())) {
      throw new IllegalArgumentException("unknown action " + request.action());
    }
  }

  @Override
  public IncidentStatus status() {
    return new IncidentStatus(
        input == null ? null : input.target().incidentId(),
        input == null ? null : input.target(),
        severity,
        phase,
        openedAt,
        plan,
        phase == IncidentPhase.AWAITING_APPROVAL,
        lastSnapshot,
        List.copyOf(timeline));
  }

  /** The one handler behind the approve/reject signals and the decide update. */
  private DecisionResult decide(String action, ApprovalDecision decision) {
    String who = decision == null ? null : decision.approver();
    String refusal = null;
    if (phase != IncidentPhase.AWAITING_APPROVAL || plan == null) {
      refusal = "no plan is awaiting approval";
    } else if (!plan.planId().equals(decision.planId())) {
      refusal = "plan " + decision.planId() + " is stale; current plan is " + plan.planId();
    } else if (!input.policy().isApprover(who)) {
      refusal = who + " is not an approver for " + input.target().id();
    }
    if (refusal != null) {
      record(String.valueOf(who), "Refused " + action + ": " + refusal);
      return new DecisionResult(false, refusal);
    }
    boolean approved = DecisionRequest.APPROVE.equals(action);
    if (approved) {
      approval = decision;
    } else {
      rejection = decision;
    }
    record(who, "Plan " + plan.planId() + " " + (approved ? "approved" : "rejected")
        + (decision.reason() == null ? "" : ": " + decision.reason()));
    return new DecisionResult(true, "plan " + plan.planId() + (approved ? " approved" : " rejected"));
  }

  private ConnectionSnapshot snapshot() {
    lastSnapshot = database.snapshot(input.target(), input.policy());
    record(
        "remediator",
        "Utilization " + lastSnapshot.utilizationPercent() + ": " + lastSnapshot.totalConnections()
            + " connections, " + lastSnapshot.idleInTransaction() + " idle in transaction");
    return lastSnapshot;
  }

  private List<SessionInfo> leakedSessions(ConnectionSnapshot s) {
    double threshold = input.policy().idleInTransactionTerminateAfter().toMillis() / 1000.0;
    return s.idleInTransactionSessions().stream().filter(x -> x.stateSeconds() >= threshold).toList();
  }

  private IncidentReport close(
      String outcome,
      ConnectionSnapshot before,
      ConnectionSnapshot after,
      int found,
      int terminated,
      long started) {
    enter(IncidentPhase.CLOSED);
    record("remediator", "Closed: " + outcome);
    return new IncidentReport(
        input.target().incidentId(),
        input.target(),
        outcome,
        before.utilization(),
        after.utilization(),
        found,
        terminated,
        (Workflow.currentTimeMillis() - started) / 1000,
        List.copyOf(timeline));
  }

  private void enter(IncidentPhase next) {
    phase = next;
    log.info("{}: {}", input.target().incidentId(), next);
  }

  private void record(String actor, String event) {
    timeline.add(new TimelineEntry(now(), actor, event));
  }

  private static String now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString();
  }
}
