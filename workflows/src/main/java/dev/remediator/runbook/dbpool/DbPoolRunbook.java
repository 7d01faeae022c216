package dev.remediator.runbook.dbpool;

import dev.remediator.runbook.Runbook;
import java.util.List;

/** The database connection pool runbook ({@code shared/runbook/database-connection-pool.md}). */
public final class DbPoolRunbook {
  private DbPoolRunbook() {}

  /** Its name: the incident ID prefix and the key of its policy section. */
  public static final String NAME = "dbpool";

  /** Pool utilization above the warning threshold (70 %). */
  public static final String HIGH = "DatabaseConnectionPoolHigh";

  /** Pool utilization above the critical threshold (90 %). */
  public static final String CRITICAL = "DatabaseConnectionPoolCritical";

  public static final Runbook DEFINITION =
      new Runbook(
          NAME,
          "Connection pool",
          "IncidentWorkflow",
          List.of(HIGH, CRITICAL),
          List.of(CRITICAL),
          List.of("postgres.url", "postgres.applicationRoles or postgres.applicationNames"),
          PoolRunbook::new,
          Runbook.BY_LABELS,
          PoolPolicy.SECTION);
}
