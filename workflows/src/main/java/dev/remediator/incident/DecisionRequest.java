package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A decision sent through the {@code decide} update, so the caller learns at once whether it was accepted.
 *
 * @param action approve, reject, replan or acknowledge (JSON in lower case); null if the name was unknown
 * @param planId the plan decided on (approve/reject); ignored for acknowledge and replan
 * @param approver who decides or acknowledges
 * @param reason free text for the timeline
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DecisionRequest(DecisionAction action, String planId, String approver, String reason) {
  public static final DecisionAction APPROVE = DecisionAction.APPROVE;
  public static final DecisionAction REJECT = DecisionAction.REJECT;
  public static final DecisionAction ACKNOWLEDGE = DecisionAction.ACKNOWLEDGE;

  /** The {@code decide} update's validator: a decision needs an approver and a known action. */
  public static void validate(DecisionRequest request) {
    if (request == null || request.approver() == null || request.approver().isBlank()) {
      throw new IllegalArgumentException("a decision needs an approver");
    }
    if (request.action() == null) {
      throw new IllegalArgumentException("unknown action: use approve, reject, acknowledge or replan");
    }
  }
}
