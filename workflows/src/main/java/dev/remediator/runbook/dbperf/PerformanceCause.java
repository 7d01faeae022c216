package dev.remediator.runbook.dbperf;

import java.util.Locale;

/** The Database Performance runbook's causes ({@code docs/runbooks/database-performance.md}), in order of precedence. */
public enum PerformanceCause {
  /** Sessions wait on locks past the threshold behind root blockers: cancel their statements, then terminate. */
  LOCK_CONTENTION,
  /** Statements or transactions run past the threshold and block nobody: escalate with the evidence. */
  LONG_RUNNING_STATEMENTS,
  /** Tables whose statistics are stale (rows modified since the last analyze): ANALYZE them. */
  STALE_STATISTICS,
  /** Dead tuples build up (vacuum lag): escalate, never VACUUM FULL. */
  DEAD_TUPLES,
  /** Nothing blocks, but pg_stat_statements shows expensive statements: escalate with the top statements. */
  SLOW_QUERIES,
  /** Nothing stands out. */
  UNKNOWN;

  /** Whether the runbook acts on it (cancel/terminate blockers, ANALYZE) or only escalates with the evidence. */
  public boolean actionable() {
    return this == LOCK_CONTENTION || this == STALE_STATISTICS;
  }

  /** Lower case words, for timelines: {@code lock contention}. */
  public String words() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
