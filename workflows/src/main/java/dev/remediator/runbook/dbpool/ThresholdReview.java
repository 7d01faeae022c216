package dev.remediator.runbook.dbpool;

import dev.remediator.incident.IncidentState;
import dev.remediator.incident.Reports;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.RunbookReport;
import dev.remediator.incident.TrackedAlert;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The runbook's post-incident "Review and update alert thresholds if needed", as facts of the report: how much
 * warning High gave before Critical, the sampled utilization peak, and whether the policy's thresholds are those of
 * the alert rules shipped with the product ({@link #SHIPPED_HIGH}, {@link #SHIPPED_CRITICAL}). Deterministic: reads
 * the incident's state only.
 */
public final class ThresholdReview {
  private ThresholdReview() {}

  /**
   * The threshold of {@value DbPoolRunbook#HIGH} in {@code deploy/prometheus/rules.yaml} (its expression is
   * {@code ... > 0.70}). The workflow cannot read the file; {@code ShippedAlertRulesTest} fails when the two disagree.
   */
  public static final double SHIPPED_HIGH = 0.70;

  /** The threshold of {@value DbPoolRunbook#CRITICAL} in {@code deploy/prometheus/rules.yaml} ({@code > 0.90}). */
  public static final double SHIPPED_CRITICAL = 0.90;

  /** The report's rows: warning before Critical, the sampled peak, the thresholds against the shipped rules. */
  static List<RunbookReport.Fact> facts(RunbookPolicy policy, IncidentState state, PoolFindings f) {
    return List.of(
        new RunbookReport.Fact("Warning before Critical", leadTime(state.alerts)),
        new RunbookReport.Fact("Utilization peak (sampled)", peak(f)),
        new RunbookReport.Fact("Alert thresholds", thresholds(policy)));
  }

  /** What the review found worth changing (empty: nothing). */
  static List<String> recommendations(RunbookPolicy policy, IncidentState state) {
    List<String> r = new ArrayList<>();
    Lead lead = lead(state.alerts);
    if (lead.critical != null && (lead.high == null || !lead.high.isBefore(lead.critical))) {
      r.add("Critical fired with no High before it: lower the warning threshold (now "
          + percent(policy.warningUtilization()) + ") or shorten the High rule's `for`, so the next episode warns");
    }
    if (!thresholdsMatch(policy)) {
      r.add("Align the policy's thresholds with the alert rules (deploy/prometheus/rules.yaml): " + thresholds(policy));
    }
    return r;
  }

  /**
   * "High gave 4 min of warning (from the alerts' startsAt)", "no warning: Critical fired with no High before it",
   * or "Critical never fired". The times are Alertmanager's {@code startsAt} of each alert's first episode; when
   * either alert carried none, both are the times the workflow received them, and the text says so.
   */
  public static String leadTime(List<TrackedAlert> alerts) {
    Lead lead = lead(alerts);
    if (lead.critical == null) {
      return lead.high == null ? "Critical never fired (no High either)" : "Critical never fired";
    }
    if (lead.high == null || !lead.high.isBefore(lead.critical)) {
      return "no warning: Critical fired with no High before it" + lead.source();
    }
    return "High gave " + span(Duration.between(lead.high, lead.critical)) + " of warning" + lead.source();
  }

  /** "91.9% at 2026-11-26T17:31:15Z", or "none sampled". */
  static String peak(PoolFindings f) {
    if (f.sampledPeak == 0) {
      return "none sampled";
    }
    String at = f.sampledPeakAt();
    return Reports.percent(f.sampledPeak) + (at == null ? "" : " at " + at);
  }

  /**
   * "policy thresholds 70 %/90 % match the shipped alert rules", or "differ: policy warns at 60 %, the shipped rule
   * fires at 70 %" (each threshold that differs).
   */
  public static String thresholds(RunbookPolicy policy) {
    if (thresholdsMatch(policy)) {
      return "policy thresholds " + percent(policy.warningUtilization()) + "/" + percent(policy.criticalUtilization())
          + " match the shipped alert rules";
    }
    List<String> differences = new ArrayList<>();
    if (!same(policy.warningUtilization(), SHIPPED_HIGH)) {
      differences.add("policy warns at " + percent(policy.warningUtilization()) + ", the shipped rule ("
          + DbPoolRunbook.HIGH + ") fires at " + percent(SHIPPED_HIGH));
    }
    if (!same(policy.criticalUtilization(), SHIPPED_CRITICAL)) {
      differences.add("policy is critical at " + percent(policy.criticalUtilization()) + ", the shipped rule ("
          + DbPoolRunbook.CRITICAL + ") fires at " + percent(SHIPPED_CRITICAL));
    }
    return "differ: " + String.join("; ", differences);
  }

  static boolean thresholdsMatch(RunbookPolicy policy) {
    return same(policy.warningUtilization(), SHIPPED_HIGH) && same(policy.criticalUtilization(), SHIPPED_CRITICAL);
  }

  private static boolean same(double a, double b) {
    return Math.abs(a - b) < 1e-9;
  }

  /** "70 %", "72.5 %". */
  static String percent(double fraction) {
    return new BigDecimal(fraction * 100).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString()
        + " %";
  }

  /** "4 min", "4 min 10 s", "1 h 5 min", "40 s". */
  static String span(Duration d) {
    long s = d.getSeconds();
    List<String> parts = new ArrayList<>();
    if (s >= 3600) {
      parts.add(s / 3600 + " h");
    }
    if (s % 3600 >= 60) {
      parts.add(s % 3600 / 60 + " min");
    }
    if (s % 60 > 0 || parts.isEmpty()) {
      parts.add(s % 60 + " s");
    }
    return String.join(" ", parts);
  }

  /** The first High and the first Critical, both by startsAt when both have one, else both by receipt. */
  private static Lead lead(List<TrackedAlert> alerts) {
    Lead byStart = new Lead(first(alerts, DbPoolRunbook.HIGH, true), first(alerts, DbPoolRunbook.CRITICAL, true),
        true);
    boolean complete = (byStart.high != null || !seen(alerts, DbPoolRunbook.HIGH))
        && (byStart.critical != null || !seen(alerts, DbPoolRunbook.CRITICAL));
    return complete ? byStart : new Lead(first(alerts, DbPoolRunbook.HIGH, false),
        first(alerts, DbPoolRunbook.CRITICAL, false), false);
  }

  private static boolean seen(List<TrackedAlert> alerts, String name) {
    return alerts.stream().anyMatch(a -> a.alertName().equals(name));
  }

  /** The earliest start (or receipt) of the alerts of that name (every fingerprint), null if none is known. */
  private static Instant first(List<TrackedAlert> alerts, String name, boolean byStart) {
    Instant first = null;
    for (TrackedAlert a : alerts) {
      if (a.alertName().equals(name)) {
        Instant t = instant(byStart ? a.firstStart() : a.firstSeenAt());
        first = t != null && (first == null || t.isBefore(first)) ? t : first;
      }
    }
    return first;
  }

  private static Instant instant(String rfc3339) {
    if (rfc3339 == null) {
      return null;
    }
    try {
      Instant t = OffsetDateTime.parse(rfc3339).toInstant();
      // Alertmanager's zero time ("0001-01-01T00:00:00Z") means unknown.
      return t.isAfter(Instant.EPOCH) ? t : null;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private record Lead(Instant high, Instant critical, boolean byStart) {
    String source() {
      return byStart ? " (from the alerts' startsAt)" : " (as the workflow received them: an alert carried no startsAt)";
    }
  }
}
