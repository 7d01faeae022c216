package dev.remediator.runbook.dbperf;

import static dev.remediator.runbook.dbperf.PerformanceText.list;
import static dev.remediator.runbook.dbperf.PerformanceText.seconds;

import dev.remediator.incident.Reports;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.SimilarIssues.Elsewhere;
import dev.remediator.incident.SimilarIssues.Finding;
import dev.remediator.incident.Target;
import java.util.ArrayList;
import java.util.List;

/**
 * The Database Performance runbook's pattern for the check for similar issues at close, the one place that says what
 * it is: in another database of the same server, lock waits past {@code lockWaitAfter} (with their root blockers),
 * statements or transactions running past {@code longRunningAfter}, tables with stale statistics or dead-tuple
 * build-up — what the diagnosis pass finds, judged as {@link PerformanceDiagnosis} judges the incident's own. Any of
 * them is the same pattern; the one matching the incident's cause is named first. pg_stat_statements' tops are
 * cumulative (not a state of now) and are not part of it. Pure: workflow and activity code both call it.
 */
public final class PerformancePattern {
  private PerformancePattern() {}

  /** The four findings, in the diagnosis's order of precedence. */
  private static final List<PerformanceCause> CHECKED = List.of(PerformanceCause.LOCK_CONTENTION,
      PerformanceCause.LONG_RUNNING_STATEMENTS, PerformanceCause.STALE_STATISTICS, PerformanceCause.DEAD_TUPLES);

  /** What the check looks for, in words, under this policy; the incident's cause first. */
  public static String describe(PerformancePolicy p, PerformanceCause cause) {
    return "in the other databases on the same server: " + String.join(", ", order(cause).stream()
        .map(c -> words(c, p)).toList()) + (CHECKED.contains(cause) ? " (this incident: " + cause.words() + ")" : "");
  }

  /** What another database's diagnosis pass shows, measured against the incident's policy; its cause's match first. */
  public static Elsewhere finding(Target other, PerformanceSnapshot s, PerformancePolicy p, PerformanceCause cause) {
    List<String> matched = new ArrayList<>();
    for (PerformanceCause c : order(cause)) {
      String m = matched(c, s, p);
      if (m != null) {
        matched.add(m);
      }
    }
    if (matched.isEmpty()) {
      return new Elsewhere(other, Finding.CLEAN, "no lock waits > " + Reports.duration(p.lockWaitAfter())
          + ", no statement running > " + Reports.duration(p.longRunningAfter()) + ", no stale statistics or dead-tuple"
          + " build-up (" + s.activeSessions() + " active session(s))");
    }
    return new Elsewhere(other, Finding.SAME_PATTERN, String.join("; ", matched));
  }

  /** The scan could not run: nothing known of the other databases. */
  static SimilarIssues notRun(PerformancePolicy p, PerformanceCause cause, String why) {
    return SimilarIssues.notRun(describe(p, cause), why);
  }

  private static List<PerformanceCause> order(PerformanceCause cause) {
    List<PerformanceCause> order = new ArrayList<>();
    if (CHECKED.contains(cause)) {
      order.add(cause);
    }
    CHECKED.stream().filter(c -> c != cause).forEach(order::add);
    return order;
  }

  private static String words(PerformanceCause c, PerformancePolicy p) {
    return switch (c) {
      case LOCK_CONTENTION -> "lock waits > " + Reports.duration(p.lockWaitAfter());
      case LONG_RUNNING_STATEMENTS -> "statements running > " + Reports.duration(p.longRunningAfter());
      case STALE_STATISTICS -> "stale statistics";
      default -> "dead-tuple build-up";
    };
  }

  /** The finding of one kind in words, or null when the snapshot does not show it. */
  private static String matched(PerformanceCause c, PerformanceSnapshot s, PerformancePolicy p) {
    switch (c) {
      case LOCK_CONTENTION -> {
        List<LockWait> waits = list(s.lockWaits());
        if (waits.isEmpty()) {
          return null;
        }
        double longest = waits.stream().mapToDouble(LockWait::waitingSeconds).max().orElse(0);
        List<String> relations = waits.stream().map(LockWait::relation).filter(r -> r != null && !r.isBlank())
            .distinct().sorted().toList();
        return waits.size() + " lock wait(s) > " + Reports.duration(p.lockWaitAfter()) + " behind "
            + s.rootBlockers().size() + " root blocker(s), longest " + seconds(longest)
            + (relations.isEmpty() ? "" : " on " + String.join(", ", relations));
      }
      case LONG_RUNNING_STATEMENTS -> {
        List<BackendSession> running = list(s.longRunning());
        if (running.isEmpty()) {
          return null;
        }
        double longest = running.stream().mapToDouble(b -> Math.max(b.querySeconds(), b.xactSeconds())).max()
            .orElse(0);
        return running.size() + " statement(s) or transaction(s) running > " + Reports.duration(p.longRunningAfter())
            + ", longest " + seconds(longest);
      }
      case STALE_STATISTICS -> {
        return tables(list(s.tables()).stream().filter(TableStats::staleStatistics).toList(), "stale statistics");
      }
      default -> {
        return tables(list(s.tables()).stream().filter(TableStats::deadTupleBuildUp).toList(), "dead-tuple build-up");
      }
    }
  }

  private static String tables(List<TableStats> tables, String what) {
    if (tables.isEmpty()) {
      return null;
    }
    return tables.size() + " table(s) with " + what + ": " + String.join(", ", tables.stream().limit(3)
        .map(TableStats::table).toList()) + (tables.size() > 3 ? ", …" : "");
  }
}
