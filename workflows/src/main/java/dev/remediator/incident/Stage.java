package dev.remediator.incident;

/** What the incident shell does next, between its steps. */
enum Stage {
  /** Plan, approve, act, verify. */
  REMEDIATE,
  /** Below critical: the runbook's actions at warning (leaked sessions), told to the on-call; then watch. */
  REMEDIATE_AT_WARNING,
  /** Sample without acting: warning only, or after a declined plan or an escalation. */
  WATCH,
  /** Recovered: open until every alert resolves, checking for a relapse. */
  RECOVERED,
  /** Every alert resolved before a verified recovery: wait in case one fires again. */
  QUIET,
  /** Close. */
  DONE
}
