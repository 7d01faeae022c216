package dev.remediator.runbook.dbpool;

import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.IncidentState;
import dev.remediator.incident.Measurement;
import dev.remediator.incident.Plan;
import dev.remediator.incident.Reports;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.RunbookReport;
import dev.remediator.incident.Target;
import java.util.ArrayList;
import java.util.List;

/** The pool runbook's part of the post-incident draft: utilization, sessions, its advice and follow-ups. */
public final class PoolReport {
  private PoolReport() {}

  /** The runbook's "Post-Incident Actions", immediate and follow-up. */
  static final List<String> FOLLOW_UPS =
      List.of(
          "Document the incident in a post-mortem",
          "Review and update alert thresholds if needed",
          "Check for similar issues in other services",
          "Conduct root cause analysis",
          "Implement preventive measures",
          "Update monitoring and alerting",
          "Schedule capacity planning review",
          "Update runbooks based on learnings");

  static RunbookReport report(Target target, RunbookPolicy policy, IncidentState state) {
    PoolFindings f = PoolFindings.of(state);
    List<RunbookReport.Fact> facts = new ArrayList<>(List.of(
        new RunbookReport.Fact("Utilization (peak → after)", utilization(state)),
        new RunbookReport.Fact("Sessions idle in transaction (found / terminated)",
            f.sessionsFound + " / " + f.sessionsTerminated),
        new RunbookReport.Fact("Service (last probe)", Reports.healthWord(state.lastHealth))));
    facts.addAll(ThresholdReview.facts(policy, state, f));
    List<String> findings = state.errorLogs == null ? List.of()
        : List.of("Application logs (30 min): " + Reports.counts(state.errorLogs));
    double before = f.peakUtilization(state.alertedPeak);
    double after = f.afterSnapshot() == null ? before : f.afterSnapshot().utilization();
    return new RunbookReport(target.service() + " connection pool (" + target.database() + ")", facts, findings,
        recommendations(policy, state, f), FOLLOW_UPS, series(f),
        new PoolReportSection(before, after, f.sessionsFound, f.sessionsTerminated));
  }

  /** The utilization samples as the report's measurement series. */
  static List<Measurement> series(PoolFindings f) {
    return f.samples.stream().map(s -> new Measurement(s.at(), s.utilization())).toList();
  }

  /**
   * "94.6% as alerted → 12.0% sampled at close": the episode's peak (the highest of the alerted values and the
   * samples, saying which) and the sample taken at close, after the last change (else the last sample).
   */
  public static String utilization(IncidentState state) {
    PoolFindings f = PoolFindings.of(state);
    double peak = f.peakUtilization(state.alertedPeak);
    String before = peak == 0 && state.alertedPeak == null && f.firstSnapshot == null ? "unknown"
        : Reports.percent(peak) + (f.peakAsAlerted(state.alertedPeak) ? " as alerted" : " sampled");
    ConnectionSnapshot after = f.afterSnapshot();
    return before + " → " + (after == null ? "unknown"
        : Reports.percent(after.utilization()) + (f.closingSnapshot != null ? " sampled at close" : " last sample"));
  }

  static List<String> recommendations(RunbookPolicy policy, IncidentState state, PoolFindings f) {
    List<String> r = new ArrayList<>();
    RootCause cause = f.diagnosis == null ? RootCause.UNKNOWN : f.diagnosis.cause();
    switch (cause) {
      case LEAK -> {
        r.add("Find the code path that leaves transactions open (" + f.sessionsFound
            + " sessions idle in transaction): close connections in error handlers, use context managers");
        r.add("Set idle_in_transaction_session_timeout for the application role (e.g. ALTER ROLE ... SET"
            + " idle_in_transaction_session_timeout = '"
            + Reports.duration(PoolPolicy.of(policy).idleInTransactionTerminateAfter()) + "')");
      }
      case SLOW_QUERIES -> r.add("Review the slow query log and EXPLAIN ANALYZE the long-running queries; add"
          + " missing indexes");
      case LOCK_CONTENTION -> r.add("Shorten transactions that hold locks; look at the blocking chains in the"
          + " timeline; set lock_timeout for the application");
      case LOAD -> r.add("Plan capacity for the observed load: pool sizing per replica, autoscaling, moving batch"
          + " jobs off peak hours");
      case CONFIGURATION -> r.add("Revisit pool settings: the runbook recommends DATABASE_POOL_SIZE=20,"
          + " DATABASE_MAX_OVERFLOW=40, DATABASE_POOL_TIMEOUT=30, DATABASE_POOL_RECYCLE=1800, pre-ping on");
      default -> r.add("No single cause stood out: review the timeline and the database metrics");
    }
    if (state.actions.stream()
        .anyMatch(a -> a.type() == ActionType.POOL_INCREASE && a.result() == ActionResult.EXECUTED)) {
      r.add("The pool was increased temporarily and reverted: if it was needed, size the pool permanently within"
          + " max_connections");
    }
    if (state.escalationReason != null) {
      r.add("Escalated (" + state.escalationReason + "): check whether the alert thresholds ("
          + Reports.percent(policy.warningUtilization()) + " / " + Reports.percent(policy.criticalUtilization())
          + ") gave enough warning");
    }
    r.addAll(ThresholdReview.recommendations(policy, state));
    r.add("Add connection pool metrics to the application (total, active, idle) and a circuit breaker for"
        + " database operations");
    return r;
  }
}
