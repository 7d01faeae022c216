package dev.remediator.incident;

/** What the incident shell does next, between its steps. */
enum Stage {
  /** Plan, approve, act, verify. */
  REMEDIATE,
  /** Sample without acting: warning only, or after a declined plan or an escalation. */
  WATCH,
  /** Recovered: open until every alert resolves, checking for a relapse. */
  RECOVERED,
  /** Every alert resolved before a verified recovery: wait in case one fires again. */
  QUIET,
  /** Close. */
  DONE
}
