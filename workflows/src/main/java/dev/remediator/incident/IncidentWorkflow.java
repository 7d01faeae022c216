package dev.remediator.incident;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One connection-pool incident of one target (workflow ID {@link Target#incidentId()}), run as the runbook
 * says: assess, diagnose, plan, ask for approval, act, verify, report.
 */
@WorkflowInterface
public interface IncidentWorkflow {

  @WorkflowMethod
  IncidentReport run(IncidentInput input);

  /** A further Alertmanager notification for this target (repeat, severity change or resolved). */
  @SignalMethod
  void alert(Alert alert);

  /** The alerts of one Alertmanager delivery for this incident, applied in order (one signal per delivery). */
  @SignalMethod
  void alerts(AlertBatch batch);

  /** Approves the plan named in the decision. Refused and recorded if stale or not from an approver. */
  @SignalMethod
  void approve(ApprovalDecision decision);

  /** Rejects the plan named in the decision: nothing of it is executed. */
  @SignalMethod
  void reject(ApprovalDecision decision);

  /** Someone took the escalated incident; stops the escalation ladder. */
  @SignalMethod
  void acknowledge(Acknowledgement acknowledgement);

  /**
   * Approve, reject or acknowledge, answering at once whether it was applied. Shares its handler with the signals:
   * refusals are recorded in the timeline either way.
   */
  @UpdateMethod
  DecisionResult decide(DecisionRequest request);

  /** Rejects malformed requests before they reach history (unknown action, no approver). */
  @UpdateValidatorMethod(updateName = "decide")
  void validateDecide(DecisionRequest request);

  @QueryMethod
  IncidentStatus status();
}
