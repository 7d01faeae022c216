package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What became of one planned action.
 *
 * @param result EXECUTED, DRY_RUN, REFUSED (by a rule at execution time), FAILED, SKIPPED (recovered before it), or
 *     REVERTED (a pool increase restored)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ActionOutcome(String planId, ActionType type, String result, String detail, String at) {}
