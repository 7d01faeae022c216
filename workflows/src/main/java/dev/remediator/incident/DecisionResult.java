package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Whether a decision was applied, and if not, why (stale plan, not an approver, four-eyes, nothing pending). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DecisionResult(boolean accepted, String message) {}
