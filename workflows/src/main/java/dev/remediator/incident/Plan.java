package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * What Remediator proposes to do, in the runbook's order, each action with its reason and exact targets. Approvers
 * approve a plan by its ID; a newer plan makes decisions on an older one stale. Actions run one after the other,
 * each followed by verification, until the pool has recovered.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Plan(String planId, String createdAt, List<PlannedAction> actions) {

  /** True if any action waits for an approver. */
  public boolean needsApproval() {
    return actions.stream().anyMatch(a -> a.mode() == ActionMode.APPROVE);
  }

  /** True if some action will really execute (not only dry-run). */
  public boolean executable() {
    return actions.stream().anyMatch(a -> a.mode() == ActionMode.APPROVE || a.mode() == ActionMode.AUTO);
  }
}
