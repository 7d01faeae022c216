package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * An approver's decision on a plan, as sent by the {@code approve}/{@code reject} signals (Temporal UI,
 * {@code temporal workflow signal}) or the {@code decide} update (our CLI and API).
 *
 * @param planId the plan being decided; a decision for any other plan is stale and refused
 * @param approver who decides; must be on the target's approver list
 * @param reason free text recorded in the timeline
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ApprovalDecision(String planId, String approver, String reason) {}
