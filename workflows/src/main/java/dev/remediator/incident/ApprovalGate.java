package dev.remediator.incident;

import dev.remediator.incident.TimelineEntry.Kind;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;

/**
 * Plans wait here for a person: approve, reject, or ask for a new plan. A decision is applied only if it names the
 * pending plan, comes from an approver, and (four-eyes) not from whoever opened the incident; every refusal is
 * recorded. Workflow code only; the signals and the {@code decide} update share {@link #decide}.
 */
final class ApprovalGate {

  /** How waiting for a decision ended. */
  enum Outcome {
    APPROVED,
    REJECTED,
    /** No decision within the approval timeout. */
    TIMED_OUT,
    /** Every alert resolved while waiting. */
    RESOLVED,
    /** Someone asked for a new plan. */
    REPLAN
  }

  private final IncidentState state;
  private final Timeline timeline;
  private final RunbookPolicy policy;
  private final Target target;
  private final String requestedBy;
  private final Waits waits;
  private ApprovalDecision approval;
  private ApprovalDecision rejection;
  private String replanRequestedBy;

  ApprovalGate(IncidentState state, Timeline timeline, IncidentInput input, Waits waits) {
    this.state = state;
    this.waits = waits;
    this.timeline = timeline;
    this.policy = input.policy();
    this.target = input.target();
    this.requestedBy = input.requestedBy();
  }

  /** Waits for a decision on the pending plan (already in the state), or until the alerts resolve. */
  Outcome await(Plan plan) {
    approval = null;
    rejection = null;
    state.plan = plan;
    Workflow.getMetricsScope().tagged(Map.of("incident", target.id())).gauge("remediator_approvals_pending").update(1);
    boolean decided =
        waits.until("Approval timeout for " + plan.planId(), policy.approvalTimeout(),
            () -> approval != null || rejection != null || replanRequestedBy != null || state.resolved);
    Workflow.getMetricsScope().tagged(Map.of("incident", target.id())).gauge("remediator_approvals_pending").update(0);
    if (approval != null) {
      return Outcome.APPROVED;
    }
    if (rejection != null) {
      return Outcome.REJECTED;
    }
    if (replanRequestedBy != null) {
      return Outcome.REPLAN;
    }
    return decided ? Outcome.RESOLVED : Outcome.TIMED_OUT;
  }

  /** Why a plan that was not approved was skipped, for its actions' outcomes. */
  String why(Outcome decision) {
    return switch (decision) {
      case RESOLVED -> "alert resolved before approval";
      case REJECTED -> "plan rejected by " + rejectedBy();
      case REPLAN -> "withdrawn: a new plan was asked for";
      default -> "no decision within the approval timeout";
    };
  }

  /** Who rejected the plan, after {@link Outcome#REJECTED}. */
  String rejectedBy() {
    return rejection == null ? null : rejection.approver();
  }

  /** True (once) if someone asked for a new plan; the request is consumed. */
  boolean takeReplanRequest() {
    boolean asked = replanRequestedBy != null;
    replanRequestedBy = null;
    return asked;
  }

  boolean replanRequested() {
    return replanRequestedBy != null;
  }

  /** Approve, reject or replan: applied only if allowed, else refused and recorded. */
  DecisionResult decide(DecisionAction action, ApprovalDecision decision) {
    String who = decision == null ? null : decision.approver();
    String refusal = refusal(action, decision, who);
    if (refusal != null) {
      recordRefusal(who, action, refusal);
      return new DecisionResult(false, refusal);
    }
    String reason = decision.reason() == null ? "" : ": " + decision.reason();
    switch (action) {
      case APPROVE -> approval = decision;
      case REJECT -> rejection = decision;
      default -> {
        replanRequestedBy = who;
        timeline.record(who, Kind.DECISION, "Asked for a new plan" + reason);
        return new DecisionResult(true, "a new plan will be made from what the database shows now");
      }
    }
    String what = "plan " + state.plan.planId() + (action == DecisionAction.APPROVE ? " approved" : " rejected");
    timeline.record(who, Kind.DECISION, Character.toUpperCase(what.charAt(0)) + what.substring(1) + reason);
    return new DecisionResult(true, what);
  }

  /** Who asked for what and why it was refused, counted and bounded: {@link Timeline#refusal}. */
  void recordRefusal(String who, DecisionAction action, String why) {
    timeline.refusal(String.valueOf(who), Kind.DECISION, "Refused " + action, why);
  }

  private String refusal(DecisionAction action, ApprovalDecision decision, String who) {
    if (decision == null || who == null || who.isBlank()) {
      return "a decision needs a plan ID and an approver";
    }
    if (!policy.isApprover(who)) {
      return who + " is not an approver for " + target.id();
    }
    if (action == DecisionAction.REPLAN) {
      return state.phase == IncidentPhase.CLOSED || state.resolved ? "the incident's alerts are resolved" : null;
    }
    if (state.phase != IncidentPhase.AWAITING_APPROVAL || state.plan == null) {
      return "no plan is awaiting approval";
    }
    if (decision.planId() == null || !state.plan.planId().equals(decision.planId())) {
      return "plan " + decision.planId() + " is stale; the pending plan is " + state.plan.planId();
    }
    if (policy.fourEyes() && who.equals(requestedBy)) {
      return who + " requested this incident and may not approve it (four-eyes)";
    }
    return null;
  }

}
