package dev.remediator.runbook.dbperf;

import dev.remediator.incident.DiagnosisSummary;
import dev.remediator.incident.RunbookReport;
import dev.remediator.incident.Target;
import java.util.ArrayList;
import java.util.List;

/** The Database Performance runbook's part of the post-incident draft and of the shell's diagnosis. */
final class DbPerfReport {
  /** The runbook's "Post-Incident Actions". */
  static final List<String> FOLLOW_UPS = List.of(
      "Document the incident in a post-mortem",
      "Find why the blocking transaction stayed open (application code path, a missing commit, a batch job)",
      "Set idle_in_transaction_session_timeout and statement_timeout for the application's role",
      "Review the top statements' plans (EXPLAIN) and their indexes",
      "Review autovacuum settings for the tables concerned",
      "Check the other databases on the same server for the same pattern",
      "Update runbooks based on learnings");

  private DbPerfReport() {}

  /** The shell's diagnosis: the runbook's own cause, its words leading the evidence. */
  static DiagnosisSummary diagnosis(PerformanceFindings f) {
    List<String> evidence = new ArrayList<>();
    evidence.add("cause: " + f.cause().words());
    evidence.addAll(f.diagnosis.evidence());
    return new DiagnosisSummary(f.cause().name(), evidence);
  }

  static RunbookReport report(Target target, PerformanceFindings f) {
    List<RunbookReport.Fact> facts = new ArrayList<>();
    facts.add(new RunbookReport.Fact("Cause", f.cause().words()));
    if (f.firstSample != null) {
      facts.add(new RunbookReport.Fact("Before", PerformanceText.sample(f.firstSample)));
    }
    if (f.afterSample() != null) {
      facts.add(new RunbookReport.Fact("After", PerformanceText.sample(f.afterSample())));
    }
    if (!f.cancelled.isEmpty()) {
      facts.add(new RunbookReport.Fact("Statements cancelled", Integer.toString(f.cancelled.size())));
    }
    if (!f.terminated.isEmpty()) {
      facts.add(new RunbookReport.Fact("Sessions terminated", Integer.toString(f.terminated.size())));
    }
    if (!f.analyzed.isEmpty()) {
      facts.add(new RunbookReport.Fact("Tables analyzed", String.join(", ", f.analyzed)));
    }
    List<String> findings = new ArrayList<>();
    f.outcomes.forEach(line -> findings.add("action: " + line));
    PerformanceText.tree(f.firstSnapshot).forEach(line -> findings.add("blocking tree at diagnosis: " + line));
    PerformanceText.statements(f.lastSnapshot).forEach(line -> findings.add("top statement " + line));
    PerformanceText.tables(f.lastSnapshot).forEach(line -> findings.add("table " + line));
    return new RunbookReport("database performance: " + target.database() + " (" + target.namespace() + "/"
        + target.service() + ")", facts, findings, recommendations(f), FOLLOW_UPS);
  }

  static List<String> recommendations(PerformanceFindings f) {
    List<String> r = new ArrayList<>();
    switch (f.cause()) {
      case LOCK_CONTENTION -> {
        r.add("Keep transactions short: commit before slow work; no user think-time inside a transaction");
        r.add("Set lock_timeout and idle_in_transaction_session_timeout so a stuck holder cannot queue others");
      }
      case LONG_RUNNING_STATEMENTS -> r.add("Find and tune the long-running statements; set statement_timeout for"
          + " the application's role");
      case STALE_STATISTICS -> r.add("Lower autovacuum_analyze_scale_factor for the tables that went stale, or"
          + " ANALYZE after bulk loads");
      case DEAD_TUPLES -> r.add("Let autovacuum keep up (cost limits, per-table scale factors) and end long"
          + " transactions that hold back cleanup; never VACUUM FULL during business hours");
      case SLOW_QUERIES -> r.add("Review the slowest statements' plans and indexes (EXPLAIN (ANALYZE, BUFFERS))");
      default -> r.add("No cause stood out in the database: check the application, the host and the network");
    }
    return r;
  }
}
