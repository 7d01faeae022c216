package dev.remediator.incident;

import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.SessionInfo;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * One action of a plan, with its reason and its exact targets.
 *
 * @param mode what the policy says: AUTO (no approval), APPROVE (needs the plan approved), DRY_RUN (record only)
 * @param sessions for TERMINATE_SESSIONS: the exact sessions (pid + backend start + transaction start)
 * @param poolValues for POOL_INCREASE: the env values to set
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PlannedAction(
    ActionType type,
    ActionMode mode,
    String reason,
    List<SessionInfo> sessions,
    List<PoolSettings.EnvValue> poolValues) {

  /** One line for timelines and approvers, e.g. "terminate 25 sessions idle in transaction > 10 min". */
  public String describe() {
    return type.describe(this);
  }
}
