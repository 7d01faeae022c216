package dev.remediator.runbook.dbperf;

import dev.remediator.runbook.Runbook;
import java.util.List;

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

  /**
   * One incident per database ({@link DbPerfTargets}); no alert is critical by name: the severity label decides.
   * A target needs only its database's {@code postgres.url}.
   */
  public static final Runbook DEFINITION = new Runbook(
      NAME,
      "Database performance",
      "IncidentWorkflow",
      List.of(LOCK_WAITS, LONG_RUNNING_TRANSACTION, DEADLOCKS, HIGH_ROLLBACK_RATE, DEAD_TUPLES_HIGH),
      List.of(),
      List.of("postgres.url"),
      DbPerfSteps::new,
      DbPerfTargets.INSTANCE,
      PerformancePolicy.SECTION);
}
