package dev.remediator.incident;

/**
 * Every kind of action a runbook may plan: the one catalogue of them, as {@code Runbooks} is of runbooks. A runbook
 * that adds an action registers it here, with its report label and its one-line description (its target, if
 * any, is the runbook's {@link ActionTarget}); no other generic
 * class switches over it. Constants are never removed or renamed: recorded histories name them.
 */
public enum ActionType {
  /** Pool runbook, "Kill long-running queries": terminate sessions idle in transaction past the threshold. */
  TERMINATE_SESSIONS("Terminate idle-in-transaction sessions", "terminate sessions idle in transaction"),
  /** "Restart application instances": rolling restart, then wait for the rollout. */
  ROLLING_RESTART("Rolling restart", "rolling restart of the deployment"),
  /** Pool runbook, "Temporary pool size increase", reverted by a durable timer after recovery. */
  POOL_INCREASE("Temporary pool increase", "temporary pool increase"),
  /** Service Down runbook: "Roll back a bad rollout" to the previous revision, then wait for the rollout. */
  ROLLBACK("Rollback", "roll back the deployment to its previous revision"),
  /** Database Performance runbook: cancel the statements of the root blockers of a lock tree. */
  CANCEL_BLOCKERS("Cancel blocking statements", "cancel the statements of the sessions that block others"),
  /** Database Performance runbook: terminate root blockers whose cancel did not clear the lock waits. */
  TERMINATE_BLOCKERS("Terminate blocking sessions", "terminate the sessions that still block others"),
  /** Database Performance runbook: ANALYZE tables whose statistics are stale, with a statement timeout. */
  ANALYZE_TABLES("Analyze tables", "ANALYZE tables whose statistics are stale");

  private final String label;
  private final String description;

  ActionType(String label, String description) {
    this.label = label;
    this.description = description;
  }

  /** The action's name in timelines and reports, e.g. "Rolling restart". */
  public String label() {
    return label;
  }

  /**
   * One line for timelines and approvers of an action without a target; an action with one says it with its exact
   * targets ({@link ActionTarget#describe}).
   */
  String describe() {
    return description;
  }
}
