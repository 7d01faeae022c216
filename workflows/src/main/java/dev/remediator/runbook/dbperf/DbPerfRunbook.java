package dev.remediator.runbook.dbperf;

/** The Database Performance runbook ({@code docs/runbooks/database-performance.md}). */
public final class DbPerfRunbook {
  private DbPerfRunbook() {}

  /** Its name: the incident ID prefix and the key of its policy section. */
  public static final String NAME = "dbperf";

  /** Sessions wait on a lock longer than the rule's threshold (postgres_exporter custom query). */
  public static final String LOCK_WAITS = "PostgresLockWaits";

  /** A transaction or statement runs longer than the rule's threshold ({@code pg_stat_activity_max_tx_duration}). */
  public static final String LONG_RUNNING_TRANSACTION = "PostgresLongRunningTransaction";

  /** {@code pg_stat_database_deadlocks} increases. */
  public static final String DEADLOCKS = "PostgresDeadlocks";

  /** Rollbacks above a share of all transactions. */
  public static final String HIGH_ROLLBACK_RATE = "PostgresHighRollbackRate";

  /** Dead tuples build up relative to live ones (vacuum lag, stale statistics). */
  public static final String DEAD_TUPLES_HIGH = "PostgresDeadTuplesHigh";

  // DEFINITION (the Runbook record: steps, targets, policy) is added with the steps.
}
