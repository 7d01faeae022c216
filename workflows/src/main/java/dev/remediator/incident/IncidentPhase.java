package dev.remediator.incident;

/** Where an incident is in the runbook (also the {@code RemediatorPhase} search attribute). */
public enum IncidentPhase {
  /**
   * Started, its first workflow task not yet run: the phase the receiver's start gives the search attribute, so the
   * incident is listed the moment it exists. The workflow itself never enters it (it starts in {@link #ASSESSING}).
   */
  OPENED,
  /** Immediate response 1: service health, pool utilization, application-log errors. */
  ASSESSING,
  /** Immediate response 2–3: connection status, long-running, idle-in-transaction and blocked sessions. */
  DIAGNOSING,
  /** Sampling utilization without acting: a warning-only alert, or after remediation ran out of options. */
  WATCHING,
  /** Building the plan of actions. */
  PLANNING,
  /** The plan waits for an approver. */
  AWAITING_APPROVAL,
  /** Executing the plan's actions. */
  ACTING,
  /** Sampling after an action: recovered = below the warning threshold for N samples with the service healthy. */
  VERIFYING,
  /** Recovered; open for the quiet period (and until a temporary pool increase is reverted). */
  RECOVERED,
  /** Every alert resolved before recovery was verified; open for the quiet period in case one fires again. */
  RESOLVED,
  CLOSED
}
