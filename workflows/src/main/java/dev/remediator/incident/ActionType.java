package dev.remediator.incident;

import java.util.function.Function;

/**
 * Every kind of action a runbook may plan: the one catalogue of them, as {@code Runbooks} is of runbooks. A runbook
 * that adds an action registers it here, with its report label and its one-line description; no other generic
 * class switches over it. Constants are never removed or renamed: recorded histories name them.
 */
public enum ActionType {
  /** Pool runbook, "Kill long-running queries": terminate sessions idle in transaction past the threshold. */
  TERMINATE_SESSIONS("Terminate idle-in-transaction sessions",
      a -> "terminate " + a.sessions().size() + " session(s) idle in transaction"),
  /** "Restart application instances": rolling restart, then wait for the rollout. */
  ROLLING_RESTART("Rolling restart", a -> "rolling restart of the deployment"),
  /** Pool runbook, "Temporary pool size increase", reverted by a durable timer after recovery. */
  POOL_INCREASE("Temporary pool increase", a -> "temporary pool increase to "
      + String.join(", ", a.poolValues().stream().map(v -> v.name() + "=" + v.value()).toList())),
  /** Service Down runbook: "Roll back a bad rollout" to the previous revision, then wait for the rollout. */
  ROLLBACK("Rollback", a -> "roll back the deployment to its previous revision");

  private final String label;
  private final Function<PlannedAction, String> description;

  ActionType(String label, Function<PlannedAction, String> description) {
    this.label = label;
    this.description = description;
  }

  /** The action's name in timelines and reports, e.g. "Rolling restart". */
  public String label() {
    return label;
  }

  /** One line for timelines and approvers, with the action's exact targets. */
  String describe(PlannedAction action) {
    return description.apply(action);
  }
}
