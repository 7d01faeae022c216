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
public final class Reports {
  private Reports() {}

  /** Writes the report from the incident's state as it closes, with the runbook's part. */
  public static IncidentReport report(String incidentId, IncidentState state, Target target, IncidentOutcome outcome,
      long closedAtMillis, RunbookReport part, RunbookPolicy policy) {
    DiagnosisSummary diagnosis = state.diagnosis == null
        ? new DiagnosisSummary(DiagnosisSummary.UNKNOWN, List.of()) : state.diagnosis;
    Severity severity = state.peakSeverity != null ? state.peakSeverity : state.severity;
    return new IncidentReport(incidentId, target, outcome, (closedAtMillis - state.openedAtMillis) / 1000,
        List.copyOf(state.timeline), severity, time(state.openedAtMillis), time(closedAtMillis), diagnosis,
        List.copyOf(state.actions), state.escalationReason != null, state.escalationReason, state.acknowledgedBy,
        part.followUps(), part.recommendations(),
        markdown(incidentId, state, outcome, severity, diagnosis, closedAtMillis, part, policy),
        List.copyOf(part.series()), List.copyOf(state.alerts), List.copyOf(part.facts()), part.section(), state.similarElsewhere,
        Map.of());
  }

  private static String markdown(String incidentId, IncidentState state, IncidentOutcome outcome, Severity severity,
      DiagnosisSummary diagnosis, long closedAtMillis, RunbookReport part, RunbookPolicy policy) {
    StringBuilder md = new StringBuilder();
    md.append("# Post-incident draft: ").append(part.title()).append("\n\n");
    md.append("| | |\n|---|---|\n");
    row(md, "Incident", "`" + incidentId + "`");
    row(md, "Outcome", outcome + (state.escalationReason != null ? " (escalated)" : ""));
    row(md, "Severity", String.valueOf(severity));
    row(md, "Opened / closed", time(state.openedAtMillis) + " / " + time(closedAtMillis));
    row(md, "Duration", duration(Duration.ofMillis(closedAtMillis - state.openedAtMillis)));
    part.facts().forEach(fact -> row(md, fact.name(), fact.value()));
    row(md, "Alerts", alerts(state.alerts));
    if (state.escalationReason != null) {
      row(md, "Escalation", state.escalationReason
          + (state.acknowledgedBy == null ? "" : "; acknowledged by " + state.acknowledgedBy));
    }
    md.append("\n## Diagnosis\n\n");
    if (diagnosis.cause() != null) {
      md.append("Root-cause hint: **").append(diagnosis.cause()).append("**\n\n");
    }
    diagnosis.evidence().forEach(e -> md.append("- ").append(e).append('\n'));
    part.findings().forEach(e -> md.append("- ").append(e).append('\n'));
    md.append("\n## Actions\n\n");
    if (state.actions.isEmpty()) {
      md.append("None.\n");
    }
    state.actions.forEach(a -> md.append("- ").append(a.at()).append(" ").append(actionLine(a)).append('\n'));
    md.append("\n").append(ReportDiagrams.markdown(state.timeline, part.series(), policy));
    md.append("\n## Timeline\n\n| time (UTC) | actor | event |\n|---|---|---|\n");
    for (TimelineEntry e : state.timeline) {
      md.append("| ").append(e.at()).append(" | ").append(e.actor()).append(" | ")
          .append(e.event().replace("|", "\\|")).append(" |\n");
    }
    if (state.similarElsewhere != null) {
      md.append('\n').append(state.similarElsewhere.markdown());
    }
    md.append("\n## Recommendations\n\n");
    part.recommendations().forEach(r -> md.append("- ").append(r).append('\n'));
    md.append("\n## Follow-up (runbook: post-incident actions)\n\n");
    part.followUps().forEach(item -> md.append("- [ ] ").append(item).append('\n'));
    return md.toString();
  }

  private static void row(StringBuilder md, String name, String value) {
    md.append("| ").append(name).append(" | ").append(value).append(" |\n");
  }

  /**
   * Markdown for the Temporal UI's "current details": phase, severity, utilization, hint, and for a pending plan the
   * exact JSON to paste in the UI's signal dialog.
   */
  public static String currentDetails(Target target, IncidentState state, String measurement) {
    StringBuilder md = new StringBuilder();
    md.append("**").append(state.phase).append("** · ").append(state.severity).append(" · ").append(target.id())
        .append("\n\n");
    md.append("Alerts: ").append(alerts(state.alerts)).append("\n\n");
    if (!measurement.isEmpty()) {
      md.append(Character.toUpperCase(measurement.charAt(0))).append(measurement.substring(1)).append("\n\n");
    }
    DiagnosisSummary d = state.diagnosis;
    if (d != null && d.causeKnown()) {
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
  public static IncidentStatus status(
      String incidentId, Target target, IncidentState state, String escalatedTo, RunbookSteps runbook) {
    return new IncidentStatus(incidentId, target, state.severity, state.alertName, state.phase,
        time(state.openedAtMillis), state.plan, state.phase == IncidentPhase.AWAITING_APPROVAL, state.lastHealth,
        state.diagnosis, List.copyOf(state.actions), escalatedTo, state.acknowledgedBy, List.copyOf(state.timeline),
        List.copyOf(state.alerts), state.repeatedAlerts, runbook.measurement(), runbook.latest(), runbook.status(),
        Map.of());
  }

  /** The plan's actions in one line, each with its mode. */
  public static String describe(List<PlannedAction> actions) {
    return actions.stream()
        .map(a -> a.describe() + " [" + a.mode().name().toLowerCase(Locale.ROOT) + "]")
        .collect(Collectors.joining("; then "));
  }

  /** Each alert and its state, e.g. "…Critical resolved, …High firing (warning)". */
  public static String alerts(List<TrackedAlert> alerts) {
    return alerts.isEmpty() ? "none" : alerts.stream().map(TrackedAlert::describe).collect(Collectors.joining(", "));
  }

  /** healthy / UNAVAILABLE / not probed (no probe configured or none answered yet). */
  public static String healthWord(ServiceHealth h) {
    if (h == null || (h.health() == null && h.ready() == null)) {
      return "not probed";
    }
    return h.available() ? "healthy" : "UNAVAILABLE";
  }

  /** The timeline's line for a probe whose word changed: "Service available: …", "… UNAVAILABLE: …", "… not probed: …". */
  public static String healthLine(ServiceHealth h) {
    String word = healthWord(h);
    return "Service " + (word.equals("healthy") ? "available" : word) + ": " + health(h);
  }

  public static String actionLine(ActionOutcome o) {
    return o.type().label() + ": " + o.result() + (o.detail() == null || o.detail().isEmpty() ? "" : " — " + o.detail());
  }

  public static String counts(LogSummary logs) {
    if (logs.counts() == null || logs.counts().isEmpty()) {
      return "no connection errors";
    }
    return logs.counts().entrySet().stream()
        .map(e -> e.getKey() + " ×" + e.getValue())
        .collect(Collectors.joining(", "));
  }

  public static String health(ServiceHealth h) {
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

  public static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
  }

  public static String duration(Duration d) {
    long s = d.getSeconds();
    if (s >= 3600 && s % 3600 == 0) {
      return s / 3600 + " h";
    }
    if (s >= 60 && s % 60 == 0) {
      return s / 60 + " min";
    }
    return s + " s";
  }

  public static String time(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }
}
