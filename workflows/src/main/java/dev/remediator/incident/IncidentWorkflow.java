package dev.remediator.incident;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One incident of one target (workflow ID {@code Runbook.incidentId(target)}), run as its runbook says: assess,
 * diagnose, plan, ask for approval, act, verify, report. Every handler only records what arrived; refusals are recorded too.
 */
@WorkflowInterface
public interface IncidentWorkflow {

  @WorkflowMethod
  IncidentReport run(IncidentInput input);

  /** A further Alertmanager notification for this target (repeat, severity change or resolved). */
  @SignalMethod(description = "An Alertmanager alert for this incident's target: {\"alertName\":\"...\","
      + "\"severity\":\"critical\",\"status\":\"firing\",\"fingerprint\":\"...\",\"startsAt\":\"...\"}")
  void alert(Alert alert);

  /** The alerts of one Alertmanager delivery for this incident, applied in order (one signal per delivery). */
  @SignalMethod(description = "The alerts of one Alertmanager delivery for this incident: {\"alerts\":[...]}")
  void alerts(AlertBatch batch);

  /** Approves the plan named in the decision. Refused and recorded if stale or not from an approver. */
  @SignalMethod(description = "Approve the pending plan: {\"planId\":\"plan-...\",\"approver\":\"<you>\","
      + "\"reason\":\"...\"}. Refused (and recorded) if the plan is stale or you are not an approver")
  void approve(ApprovalDecision decision);

  /** Rejects the plan named in the decision: nothing of it is executed. */
  @SignalMethod(description = "Reject the pending plan: {\"planId\":\"plan-...\",\"approver\":\"<you>\","
      + "\"reason\":\"...\"}. Nothing of it runs")
  void reject(ApprovalDecision decision);

  /** Withdraws the pending plan, if any, and plans again from what the database shows now (approvers only). */
  @SignalMethod(description = "Plan again from what the database shows now: {\"approver\":\"<you>\","
      + "\"reason\":\"...\"} (the pending plan, if any, is withdrawn)")
  void replan(ApprovalDecision request);

  /** Someone took the escalated incident; stops the escalation ladder. */
  @SignalMethod(description = "Take the escalated incident and stop the escalation ladder: {\"by\":\"<you>\","
      + "\"note\":\"...\"}")
  void acknowledge(Acknowledgement acknowledgement);

  /** A decision refused before it reached the incident (the approval API's 403, 409, 422): recorded, nothing else. */
  @SignalMethod(description = "Record a decision refused outside the incident: {\"action\":\"approve\","
      + "\"by\":\"<who>\",\"reason\":\"...\"}; one timeline line (repeats counted on it), changes nothing else")
  void refused(RefusedDecision refusal);

  /**
   * Approve, reject, replan or acknowledge, answering at once whether it was applied. Shares its handlers with the
   * signals: refusals are recorded in the timeline either way.
   */
  @UpdateMethod(description = "Approve, reject, replan or acknowledge and learn at once whether it was applied: "
      + "{\"action\":\"approve\",\"planId\":\"plan-...\",\"approver\":\"<you>\",\"reason\":\"...\"}")
  DecisionResult decide(DecisionRequest request);

  /** Rejects malformed requests before they reach history (unknown action, no approver). */
  @UpdateValidatorMethod(updateName = "decide")
  void validateDecide(DecisionRequest request);

  @QueryMethod(description = "What the incident is doing now: phase, severity, alerts, plan, samples, timeline")
  IncidentStatus status();
}
