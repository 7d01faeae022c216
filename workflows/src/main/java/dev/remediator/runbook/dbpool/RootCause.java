package dev.remediator.runbook.dbpool;

/** The runbook's common causes of pool exhaustion. */
public enum RootCause {
  /** Connection leaks: sessions left idle in transaction by application code. */
  LEAK,
  /** Slow queries holding connections longer. */
  SLOW_QUERIES,
  /** Lock contention: transactions waiting on others. */
  LOCK_CONTENTION,
  /** Traffic or batch load beyond expected capacity: many active sessions, no leak. */
  LOAD,
  /** Pool or server sized too small for normal load. */
  CONFIGURATION,
  /** No pattern stands out. */
  UNKNOWN
}
