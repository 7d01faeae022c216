package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A decision sent through the {@code decide} update, so the caller learns at once whether it was accepted.
 *
 * @param action {@code approve}, {@code reject} or {@code acknowledge}
 * @param planId the plan decided on (approve/reject); ignored for acknowledge
 * @param approver who decides or acknowledges
 * @param reason free text for the timeline
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DecisionRequest(String action, String planId, String approver, String reason) {
  public static final String APPROVE = "approve";
  public static final String REJECT = "reject";
  public static final String ACKNOWLEDGE = "acknowledge";
}
