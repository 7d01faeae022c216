package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * What Remediator proposes to do, with its reason and exact targets. Approvers approve a plan by its ID; a new plan
 * makes decisions on the old one stale.
 *
 * @param mode what the policy says for this action: approve, auto, dry-run
 * @param sessions the exact sessions to terminate (identity: pid + backend start + transaction start)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Plan(String planId, String action, String reason, ActionMode mode, List<SessionInfo> sessions) {}
