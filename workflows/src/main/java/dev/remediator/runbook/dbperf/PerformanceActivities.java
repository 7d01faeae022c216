package dev.remediator.runbook.dbperf;

import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * PostgreSQL side of the Database Performance runbook, on the configured database of the target, with connect,
 * statement and lock timeouts set. Reads run on the read-only diagnosis connections kept per target; each action on
 * a dedicated connection of its own. Never VACUUM FULL, never DDL. Unreachable or refusing databases fail as the
 * pool runbook's activities do ({@code DatabaseRefusedConnection}, {@code DatabaseMissingPrivileges}, non-retryable).
 */
@ActivityInterface
public interface PerformanceActivities {

  /**
   * The diagnosis pass ({@link PerformanceSnapshot}): lock waits with the full blocking tree, long-running
   * statements, top statements from {@code pg_stat_statements} when present, tables with stale statistics or
   * dead-tuple build-up, vacuums running. Read-only; the thresholds and caps are the {@link PerformancePolicy}'s.
   */
  @ActivityMethod
  PerformanceSnapshot diagnose(Target target, RunbookPolicy policy);

  /** One cheap reading for watching and verifying ({@link PerformanceSample}): one statement. */
  @ActivityMethod
  PerformanceSample sample(Target target, RunbookPolicy policy);

  /**
   * Cancels the current statement of exactly the given blockers ({@code pg_cancel_backend}), each only if it is
   * still the same backend and transaction ({@link BackendSession#sameTransactionAs}), still blocks some session,
   * is on the target database and not excluded; otherwise CHANGED/GONE/REFUSED and nothing is done to it. At most
   * {@code maxBlockersPerAction}. Safe to retry (heartbeat details carry the outcomes so far).
   */
  @ActivityMethod
  SignalResult cancelBlockers(Target target, RunbookPolicy policy, List<BackendSession> blockers);

  /** As {@link #cancelBlockers}, with {@code pg_terminate_backend}: planned only after a cancel did not clear. */
  @ActivityMethod
  SignalResult terminateBlockers(Target target, RunbookPolicy policy, List<BackendSession> blockers);

  /**
   * Runs {@code ANALYZE} on exactly the given tables ({@code schema.table}, quoted as identifiers, each checked to
   * be an ordinary table of the target database), each only if its statistics are still stale, with the policy's
   * {@code analyzeTimeout} as statement timeout and a short lock timeout. At most {@code maxTablesPerAnalyze}.
   */
  @ActivityMethod
  AnalyzeResult analyzeTables(Target target, RunbookPolicy policy, List<String> tables);

  /**
   * Post-incident, read-only: the other configured targets whose {@code postgres.url} names the same server
   * (host:port) as {@code incidentTarget}'s but another database, each database once (its first target stands for
   * it), each with its own diagnosis pass on a read-only connection judged by {@link PerformancePattern} under the
   * incident's policy, {@code cause}'s match named first. Bounded by the policy's {@code similarScanBudget} (the
   * whole scan) and {@code similarScanConcurrency}; each database's connect and statement timeouts are cut to its
   * share of the budget. A database that does not answer in time, refuses the connection or withholds the privileges
   * is {@code UNCHECKED} with the reason: the scan itself does not fail for it. Never acts on any of them.
   */
  // A type name of its own: each runbook's activities declare this method, and one worker serves them all.
  @ActivityMethod(name = "SimilarDatabases")
  SimilarIssues similarElsewhere(Target incidentTarget, RunbookPolicy policy, PerformanceCause cause);
}
