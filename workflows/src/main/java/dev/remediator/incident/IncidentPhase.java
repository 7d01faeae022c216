package dev.remediator.incident;

/** Where an incident is in the runbook. */
public enum IncidentPhase {
  ASSESSING,
  DIAGNOSING,
  PLANNING,
  AWAITING_APPROVAL,
  ACTING,
  VERIFYING,
  ESCALATING,
  CLOSED
}
