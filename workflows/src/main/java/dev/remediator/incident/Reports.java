package dev.remediator.incident;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Deterministic text of the incident: timeline lines, the Temporal UI's current details, and the post-incident
 * report (JSON record + Markdown draft with the runbook's follow-up checklist and recommendations).
 */
final class Reports {
  private Reports() {}

  /** The facts a report is written from: the incident's state as it closes. */
  record Facts(
      Target target, RunbookPolicy policy, IncidentOutcome outcome, IncidentState state, long closedAtMillis) {
    Severity severity() {
      return state.peakSeverity != null ? state.peakSeverity : state.severity;
    }

    long openedAtMillis() {
      return state.openedAtMillis;
    }

    int sessionsFound() {
      return state.sessionsFound;
    }

    int sessionsTerminated() {
      return state.sessionsTerminated;
    }

    Diagnosis diagnosis() {
      return state.diagnosis == null ? Diagnosis.unknown() : state.diagnosis;
    }

    List<ActionOutcome> actions() {
      return state.actions;
    }

    String escalationReason() {
      return state.escalationReason;
    }

    String acknowledgedBy() {
      return state.acknowledgedBy;
    }

    LogSummary errorLogs() {
      return state.errorLogs;
    }

    List<TimelineEntry> timeline() {
      return state.timeline;
    }
  }

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

  static IncidentReport report(
      IncidentState state, Target target, RunbookPolicy policy, IncidentOutcome outcome, long closedAtMillis) {
    Facts f = new Facts(target, policy, outcome, state, closedAtMillis);
    double before = state.firstSnapshot == null ? 0 : state.firstSnapshot.utilization();
    double after = state.lastSnapshot == null ? before : state.lastSnapshot.utilization();
    List<String> recommendations = recommendations(f);
    return new IncidentReport(
        f.target().incidentId(),
        f.target(),
        f.outcome(),
        before,
        after,
        f.sessionsFound(),
        f.sessionsTerminated(),
        (f.closedAtMillis() - f.openedAtMillis()) / 1000,
        List.copyOf(f.timeline()),
        f.severity(),
        time(f.openedAtMillis()),
        time(f.closedAtMillis()),
        f.diagnosis(),
        List.copyOf(f.actions()),
        f.escalationReason() != null,
        f.escalationReason(),
        f.acknowledgedBy(),
        FOLLOW_UPS,
        recommendations,
        markdown(f, before, after, recommendations),
        List.copyOf(state.samples),
        List.copyOf(state.alerts));
  }

  static List<String> recommendations(Facts f) {
    List<String> r = new ArrayList<>();
    RootCause cause = f.diagnosis() == null ? RootCause.UNKNOWN : f.diagnosis().cause();
    switch (cause) {
      case LEAK -> {
        r.add("Find the code path that leaves transactions open (" + f.sessionsFound()
            + " sessions idle in transaction): close connections in error handlers, use context managers");
        r.add("Set idle_in_transaction_session_timeout for the application role (e.g. ALTER ROLE ... SET"
            + " idle_in_transaction_session_timeout = '"
            + duration(f.policy().idleInTransactionTerminateAfter()) + "')");
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
    if (f.actions().stream().anyMatch(a -> a.type() == ActionType.POOL_INCREASE && a.result() == ActionResult.EXECUTED)) {
      r.add("The pool was increased temporarily and reverted: if it was needed, size the pool permanently within"
          + " max_connections");
    }
    if (f.escalationReason() != null) {
      r.add("Escalated (" + f.escalationReason() + "): check whether the alert thresholds ("
          + percent(f.policy().warningUtilization()) + " / " + percent(f.policy().criticalUtilization())
          + ") gave enough warning");
    }
    r.add("Add connection pool metrics to the application (total, active, idle) and a circuit breaker for"
        + " database operations");
    return r;
  }

  static String markdown(Facts f, double before, double after, List<String> recommendations) {
    StringBuilder md = new StringBuilder();
    Target t = f.target();
    md.append("# Post-incident draft: ").append(t.service()).append(" connection pool (").append(t.database())
        .append(")\n\n");
    md.append("| | |\n|---|---|\n");
    md.append("| Incident | `").append(t.incidentId()).append("` |\n");
    md.append("| Outcome | ").append(f.outcome()).append(f.escalationReason() != null ? " (escalated)" : "")
        .append(" |\n");
    md.append("| Severity | ").append(f.severity()).append(" |\n");
    md.append("| Opened / closed | ").append(time(f.openedAtMillis())).append(" / ").append(time(f.closedAtMillis()))
        .append(" |\n");
    md.append("| Duration | ").append(duration(Duration.ofMillis(f.closedAtMillis() - f.openedAtMillis())))
        .append(" |\n");
    md.append("| Utilization | ").append(percent(before)).append(" → ").append(percent(after)).append(" |\n");
    md.append("| Sessions idle in transaction (found / terminated) | ").append(f.sessionsFound()).append(" / ")
        .append(f.sessionsTerminated()).append(" |\n");
    md.append("| Alerts | ").append(alerts(f.state().alerts)).append(" |\n");
    md.append("| Service (last probe) | ").append(healthWord(f.state().lastHealth)).append(" |\n");
    if (f.escalationReason() != null) {
      md.append("| Escalation | ").append(f.escalationReason())
          .append(f.acknowledgedBy() == null ? "" : "; acknowledged by " + f.acknowledgedBy()).append(" |\n");
    }
    md.append("\n## Diagnosis\n\n");
    md.append("Root-cause hint: **").append(f.diagnosis().cause()).append("**\n\n");
    for (String e : f.diagnosis().evidence()) {
      md.append("- ").append(e).append('\n');
    }
    if (f.errorLogs() != null) {
      md.append("- Application logs (30 min): ").append(counts(f.errorLogs())).append('\n');
    }
    md.append("\n## Actions\n\n");
    if (f.actions().isEmpty()) {
      md.append("None.\n");
    }
    for (ActionOutcome a : f.actions()) {
      md.append("- ").append(a.at()).append(" ").append(actionLine(a)).append('\n');
    }
    md.append("\n").append(ReportDiagrams.markdown(f.timeline(), f.state().samples, f.policy()));
    md.append("\n## Timeline\n\n| time (UTC) | actor | event |\n|---|---|---|\n");
    for (TimelineEntry e : f.timeline()) {
      md.append("| ").append(e.at()).append(" | ").append(e.actor()).append(" | ")
          .append(e.event().replace("|", "\\|")).append(" |\n");
    }
    md.append("\n## Recommendations\n\n");
    for (String rec : recommendations) {
      md.append("- ").append(rec).append('\n');
    }
    md.append("\n## Follow-up (runbook: post-incident actions)\n\n");
    for (String item : FOLLOW_UPS) {
      md.append("- [ ] ").append(item).append('\n');
    }
    return md.toString();
  }

  /**
   * Markdown for the Temporal UI's "current details": phase, severity, utilization, hint, and for a pending plan the
   * exact JSON to paste in the UI's signal dialog.
   */
  static String currentDetails(Target target, IncidentState state) {
    StringBuilder md = new StringBuilder();
    md.append("**").append(state.phase).append("** · ").append(state.severity).append(" · ").append(target.id())
        .append("\n\n");
    md.append("Alerts: ").append(alerts(state.alerts)).append("\n\n");
    ConnectionSnapshot s = state.lastSnapshot;
    if (s != null) {
      md.append("Utilization ").append(s.utilizationPercent()).append(" · ").append(s.idleInTransaction())
          .append(" idle in transaction · ").append(s.active()).append(" active\n\n");
    }
    Diagnosis d = state.diagnosis;
    if (d != null && d.cause() != RootCause.UNKNOWN) {
      md.append("Root-cause hint: ").append(d.cause()).append("\n\n");
    }
    Plan plan = state.plan;
    if (plan != null && state.phase == IncidentPhase.AWAITING_APPROVAL) {
      md.append("Pending plan `").append(plan.planId()).append("`: ").append(describe(plan.actions()))
          .append("\n\nApprove: Send Signal `approve` with input\n\n```json\n{\"planId\":\"").append(plan.planId())
          .append("\",\"approver\":\"<you>\",\"reason\":\"...\"}\n```\n\nReject: signal `reject`, same input.");
    }
    if (state.escalationReason != null && state.acknowledgedBy == null) {
      md.append("\n\nEscalated: ").append(state.escalationReason)
          .append(". Acknowledge: signal `acknowledge` with `{\"by\":\"<you>\"}`");
    }
    return md.toString();
  }

  /** The {@code status} query's answer. */
  static IncidentStatus status(Target target, IncidentState state, String escalatedTo) {
    return new IncidentStatus(target.incidentId(), target, state.severity, state.alertName, state.phase,
        time(state.openedAtMillis), state.plan, state.phase == IncidentPhase.AWAITING_APPROVAL, state.lastSnapshot,
        state.lastHealth, state.diagnosis, List.copyOf(state.actions), escalatedTo, state.acknowledgedBy,
        List.copyOf(state.timeline), List.copyOf(state.alerts), state.repeatedAlerts);
  }

  /** The plan's actions in one line, each with its mode. */
  static String describe(List<PlannedAction> actions) {
    return actions.stream()
        .map(a -> a.describe() + " [" + a.mode().name().toLowerCase(Locale.ROOT) + "]")
        .collect(Collectors.joining("; then "));
  }

  /** Each alert and its state, e.g. "…Critical resolved, …High firing (warning)". */
  static String alerts(List<TrackedAlert> alerts) {
    return alerts.isEmpty() ? "none" : alerts.stream().map(TrackedAlert::describe).collect(Collectors.joining(", "));
  }

  /** healthy / UNAVAILABLE / not probed (no probe configured or none answered yet). */
  static String healthWord(ServiceHealth h) {
    if (h == null || (h.health() == null && h.ready() == null)) {
      return "not probed";
    }
    return h.available() ? "healthy" : "UNAVAILABLE";
  }

  static String actionLine(ActionOutcome o) {
    String verb =
        switch (o.type()) {
          case TERMINATE_SESSIONS -> "Terminate idle-in-transaction sessions";
          case ROLLING_RESTART -> "Rolling restart";
          case POOL_INCREASE -> "Temporary pool increase";
        };
    return verb + ": " + o.result() + (o.detail() == null || o.detail().isEmpty() ? "" : " — " + o.detail());
  }

  static String outcomes(TerminationResult r) {
    Map<SessionOutcome.Result, Long> byResult =
        r.outcomes().stream()
            .collect(Collectors.groupingBy(SessionOutcome::result, java.util.TreeMap::new, Collectors.counting()));
    String counts =
        byResult.entrySet().stream()
            .map(e -> e.getValue() + " " + e.getKey().name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", "));
    return r.attempt() > 1
        ? counts + " (attempt " + r.attempt() + ", after an interrupted one: sessions gone may be ones it terminated)"
        : counts;
  }

  static String counts(LogSummary logs) {
    if (logs.counts() == null || logs.counts().isEmpty()) {
      return "no connection errors";
    }
    return logs.counts().entrySet().stream()
        .map(e -> e.getKey() + " ×" + e.getValue())
        .collect(Collectors.joining(", "));
  }

  static String health(ServiceHealth h) {
    List<String> parts = new ArrayList<>();
    if (h.health() != null) {
      parts.add("/health " + probe(h.health()));
    }
    if (h.ready() != null) {
      parts.add("/ready " + probe(h.ready()));
    }
    return parts.isEmpty() ? "no probes configured" : String.join(", ", parts);
  }

  private static String probe(ProbeResult p) {
    return (p.status() > 0 ? Integer.toString(p.status()) : p.error()) + " (" + p.latencyMillis() + " ms)";
  }

  static String env(PoolSettings p) {
    return p.values().stream()
        .map(v -> v.name() + "=" + (v.value() == null ? "(unset)" : v.value()))
        .collect(Collectors.joining(", "));
  }

  static String evidence(Diagnosis d) {
    return d.evidence() == null || d.evidence().isEmpty() ? "" : " — " + String.join("; ", d.evidence());
  }

  static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
  }

  static String duration(Duration d) {
    long s = d.getSeconds();
    if (s >= 3600 && s % 3600 == 0) {
      return s / 3600 + " h";
    }
    if (s >= 60 && s % 60 == 0) {
      return s / 60 + " min";
    }
    return s + " s";
  }

  static String time(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }
}
