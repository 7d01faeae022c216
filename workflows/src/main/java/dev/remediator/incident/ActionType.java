package dev.remediator.incident;

/** The runbook's immediate fixes, in the order it lists them. */
public enum ActionType {
  /** "Kill long-running queries": terminate sessions idle in transaction past the threshold. */
  TERMINATE_SESSIONS,
  /** "Restart application instances": rolling restart, then wait for the rollout. */
  ROLLING_RESTART,
  /** "Temporary pool size increase", reverted by a durable timer after recovery. */
  POOL_INCREASE,
  /** Service Down runbook: "Roll back a bad rollout" to the previous revision, then wait for the rollout. */
  ROLLBACK
}
