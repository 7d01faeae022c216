package dev.remediator.incident;

/** What the runbook policy lets Remediator do with one type of action. */
public enum ActionMode {
  /** Act without asking. */
  AUTO,
  /** Act only after a listed approver approved the plan (the default for destructive actions). */
  APPROVE,
  /** Plan and record the action, never execute it. */
  DRY_RUN,
  /** Do not plan the action at all. */
  OFF
}
