package dev.remediator.runbook.dbperf;

import static dev.remediator.runbook.dbperf.PerformanceText.list;
import static dev.remediator.runbook.dbperf.PerformanceText.seconds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The cause a diagnosis pass shows, with its evidence ({@code docs/runbooks/database-performance.md}, "Decide the
 * cause"). Pure and deterministic: the same snapshot and policy give the same answer. In order of precedence: lock
 * waits behind root blockers (LOCK_CONTENTION), statements running past the threshold that block nobody
 * (LONG_RUNNING_STATEMENTS), tables with stale statistics (STALE_STATISTICS), dead-tuple build-up (DEAD_TUPLES),
 * statements averaging {@link #SLOW_MEAN_MS} or more in {@code pg_stat_statements} (SLOW_QUERIES), else UNKNOWN. The
 * evidence names the lesser findings too.
 *
 * @param cause the cause
 * @param evidence what supports it, one line each, the cause's own first
 * @param blockers the root blockers the runbook may act on: not excluded, most waiters first, then pid; at most the
 *     policy's {@code maxBlockersPerAction}; empty unless LOCK_CONTENTION
 * @param staleTables tables with stale statistics, worst first (the snapshot's order), at most the policy's {@code
 *     maxTablesPerAnalyze}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PerformanceDiagnosis(
    PerformanceCause cause, List<String> evidence, List<BackendSession> blockers, List<String> staleTables) {

  /** A statement whose mean execution time reaches this is slow (when nothing else explains the alert). */
  public static final double SLOW_MEAN_MS = 1000;

  public PerformanceDiagnosis {
    evidence = evidence == null ? List.of() : List.copyOf(evidence);
    blockers = blockers == null ? List.of() : List.copyOf(blockers);
    staleTables = staleTables == null ? List.of() : List.copyOf(staleTables);
  }

  public static PerformanceDiagnosis unknown(String why) {
    return new PerformanceDiagnosis(PerformanceCause.UNKNOWN, List.of(why), List.of(), List.of());
  }

  public static PerformanceDiagnosis of(PerformanceSnapshot s, PerformancePolicy policy) {
    if (s == null) {
      return unknown("the database could not be examined");
    }
    List<LockWait> waits = list(s.lockWaits());
    List<Blocker> roots = s.rootBlockers();
    List<BackendSession> longRunning = list(s.longRunning());
    List<TableStats> tables = list(s.tables());
    List<TableStats> stale = tables.stream().filter(TableStats::staleStatistics).toList();
    List<TableStats> dead = tables.stream().filter(TableStats::deadTupleBuildUp).toList();
    List<TopStatement> slow = list(s.topByMeanTime()).stream().filter(t -> t.meanMs() >= SLOW_MEAN_MS).toList();

    List<String> lockEvidence = new ArrayList<>();
    if (!waits.isEmpty()) {
      double longest = waits.stream().mapToDouble(LockWait::waitingSeconds).max().orElse(0);
      lockEvidence.add(waits.size() + " session(s) wait on locks longer than "
          + seconds(policy.lockWaitAfter().toSeconds()) + " (longest " + seconds(longest) + ")"
          + relations(waits));
      roots.forEach(b -> lockEvidence.add("root blocker " + PerformanceText.blocker(b)));
    }
    List<String> others = new ArrayList<>();
    if (!longRunning.isEmpty()) {
      others.add(longRunning.size() + " statement(s) or transaction(s) running longer than "
          + seconds(policy.longRunningAfter().toSeconds()) + ", blocking nobody: "
          + String.join("; ", longRunning.stream().limit(3).map(PerformanceDiagnosis::running).toList()));
    }
    if (!stale.isEmpty()) {
      others.add(stale.size() + " table(s) with stale statistics: "
          + String.join("; ", stale.stream().limit(3).map(PerformanceText::table).toList()));
    }
    if (!dead.isEmpty()) {
      others.add(dead.size() + " table(s) with dead-tuple build-up: "
          + String.join("; ", dead.stream().limit(3).map(PerformanceText::table).toList())
          + vacuums(s));
    }
    if (!slow.isEmpty()) {
      others.add(slow.size() + " statement(s) averaging " + String.format(Locale.ROOT, "%.0f", SLOW_MEAN_MS)
          + " ms or more: " + PerformanceText.statement(slow.get(0)));
    }

    PerformanceCause cause = !waits.isEmpty() ? PerformanceCause.LOCK_CONTENTION
        : !longRunning.isEmpty() ? PerformanceCause.LONG_RUNNING_STATEMENTS
        : !stale.isEmpty() ? PerformanceCause.STALE_STATISTICS
        : !dead.isEmpty() ? PerformanceCause.DEAD_TUPLES
        : !slow.isEmpty() ? PerformanceCause.SLOW_QUERIES
        : PerformanceCause.UNKNOWN;
    List<String> evidence = new ArrayList<>(lockEvidence);
    evidence.addAll(others);
    if (cause == PerformanceCause.UNKNOWN) {
      evidence.add("no lock waits, long-running statements, stale statistics, dead-tuple build-up or slow statements"
          + " (" + s.activeSessions() + " active session(s))");
    }
    List<BackendSession> actOn = cause != PerformanceCause.LOCK_CONTENTION ? List.of() : roots.stream()
        .filter(b -> b.session() != null && !b.session().excluded())
        .sorted(Comparator.comparingInt(Blocker::waitersInTree).reversed()
            .thenComparingInt(b -> b.session().pid()))
        .limit(policy.maxBlockersPerAction())
        .map(Blocker::session)
        .toList();
    List<String> staleTables = stale.stream().map(TableStats::table).limit(policy.maxTablesPerAnalyze()).toList();
    return new PerformanceDiagnosis(cause, evidence, actOn, staleTables);
  }

  private static String relations(List<LockWait> waits) {
    List<String> relations = waits.stream().map(LockWait::relation).filter(r -> r != null && !r.isBlank())
        .distinct().sorted().toList();
    return relations.isEmpty() ? "" : " on " + String.join(", ", relations);
  }

  private static String running(BackendSession s) {
    return PerformanceText.session(s) + " running " + seconds(s.querySeconds()) + ": "
        + PerformanceText.query(s.query());
  }

  private static String vacuums(PerformanceSnapshot s) {
    List<VacuumProgress> v = list(s.vacuums());
    return v.isEmpty() ? "; no vacuum running" : "; " + v.size() + " vacuum(s) running: " + String.join(", ",
        v.stream().map(p -> (p.autovacuum() ? "autovacuum " : "VACUUM ") + p.table() + " (" + p.phase() + ", "
            + seconds(p.seconds()) + ")").toList());
  }
}
