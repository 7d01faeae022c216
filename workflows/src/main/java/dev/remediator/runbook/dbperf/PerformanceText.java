package dev.remediator.runbook.dbperf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The runbook's words for sessions, the blocking tree, statements, tables and samples (timeline, page, report). */
final class PerformanceText {
  /** Query text in a line is capped (it was normalised and capped by the activity already). */
  static final int QUERY_CHARS = 120;

  private PerformanceText() {}

  /** "pid 4242 (app, idle in transaction, transaction 600 s)". */
  static String session(BackendSession s) {
    if (s == null) {
      return "unknown session";
    }
    List<String> parts = new ArrayList<>();
    if (s.usename() != null) {
      parts.add(s.usename() + (s.applicationName() == null || s.applicationName().isBlank() ? ""
          : "/" + s.applicationName()));
    }
    if (s.state() != null) {
      parts.add(s.state());
    }
    if (s.xactSeconds() > 0) {
      parts.add("transaction " + seconds(s.xactSeconds()));
    }
    return "pid " + s.pid() + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
  }

  /** One node of the blocking tree: "pid 4242 (…) blocks 3 (pids 5001, 5002; longest wait 95 s), holds …, runs …". */
  static String blocker(Blocker b) {
    StringBuilder line = new StringBuilder(session(b.session()));
    line.append(b.root() ? " [root]" : " [waits itself]");
    line.append(" blocks ").append(b.waitersInTree()).append(" session(s)");
    if (b.blockedPids() != null && !b.blockedPids().isEmpty()) {
      line.append(" (directly pid ").append(String.join(", ", b.blockedPids().stream().map(String::valueOf).toList()))
          .append(')');
    }
    line.append(", longest wait ").append(seconds(b.longestWaitSeconds()));
    if (b.held() != null && !b.held().isEmpty()) {
      line.append("; holds ").append(String.join(", ", b.held()));
    }
    if (b.session() != null && b.session().query() != null && !b.session().query().isBlank()) {
      line.append("; runs/ran: ").append(query(b.session().query()));
    }
    if (b.session() != null && b.session().excluded()) {
      line.append(" — never acted on: ").append(b.session().whyExcluded());
    }
    return line.toString();
  }

  /** The blocking tree, one line per blocker, root blockers first (the snapshot's order within each). */
  static List<String> tree(PerformanceSnapshot s) {
    if (s == null || s.blockers() == null) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    s.blockers().stream().filter(Blocker::root).forEach(b -> lines.add(blocker(b)));
    s.blockers().stream().filter(b -> !b.root()).forEach(b -> lines.add(blocker(b)));
    return lines;
  }

  /** "1 234 ms mean × 56 calls (total 69 104 ms): SELECT … WHERE id = $1". */
  static String statement(TopStatement t) {
    return String.format(Locale.ROOT, "%.1f ms mean × %d calls (total %.0f ms, %d rows): %s", t.meanMs(), t.calls(),
        t.totalMs(), t.rows(), query(t.query()));
  }

  /** The top statements, by total time then by mean time, or why pg_stat_statements is unavailable. */
  static List<String> statements(PerformanceSnapshot s) {
    if (s == null) {
      return List.of();
    }
    if (!s.statementsAvailable()) {
      return List.of("pg_stat_statements unavailable"
          + (s.statementsUnavailable() == null ? "" : ": " + s.statementsUnavailable()));
    }
    List<String> lines = new ArrayList<>();
    list(s.topByTotalTime()).forEach(t -> lines.add("by total time: " + statement(t)));
    list(s.topByMeanTime()).forEach(t -> lines.add("by mean time: " + statement(t)));
    return lines;
  }

  /** "public.orders: 1 200 000 live, 400 000 dead, 300 000 modified since analyze (stale statistics)". */
  static String table(TableStats t) {
    List<String> flags = new ArrayList<>();
    if (t.staleStatistics()) {
      flags.add("stale statistics");
    }
    if (t.deadTupleBuildUp()) {
      flags.add("dead-tuple build-up");
    }
    return t.table() + ": " + t.liveTuples() + " live, " + t.deadTuples() + " dead, " + t.modSinceAnalyze()
        + " modified since analyze, last analyzed " + (t.lastAnalyze() == null ? "never" : t.lastAnalyze())
        + ", last vacuumed " + (t.lastAutovacuum() == null ? "never" : t.lastAutovacuum())
        + (flags.isEmpty() ? "" : " (" + String.join(", ", flags) + ")");
  }

  static List<String> tables(PerformanceSnapshot s) {
    return s == null ? List.of() : list(s.tables()).stream().map(PerformanceText::table).toList();
  }

  /** "lock waits 3 (longest 95 s) · long-running 0 · active 12". */
  static String sample(PerformanceSample s) {
    if (s == null) {
      return "";
    }
    return "lock waits " + s.lockWaits() + (s.lockWaits() > 0 ? " (longest " + seconds(s.longestLockWaitSeconds())
        + ")" : "") + " · long-running " + s.longRunning() + (s.longRunning() > 0 ? " (longest "
        + seconds(s.longestStatementSeconds()) + ")" : "") + " · active " + s.activeSessions();
  }

  static String seconds(double seconds) {
    return Math.round(seconds) + " s";
  }

  static String query(String q) {
    if (q == null) {
      return "";
    }
    String one = q.replaceAll("\\s+", " ").trim();
    return one.length() <= QUERY_CHARS ? one : one.substring(0, QUERY_CHARS - 1) + "…";
  }

  static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
