package dev.remediator.incident;

/** How an incident ended. */
public enum IncidentOutcome {
  /** Our actions ran and recovery was verified. */
  MITIGATED,
  /** Recovery was verified without any action of ours. */
  RECOVERED,
  /** Every alert resolved before recovery was verified (and nothing fired again within the quiet period). */
  RESOLVED
}
