package dev.remediator.incident;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The pictures of the post-incident draft, as Markdown that GitHub (and any Mermaid renderer) draws: a Mermaid
 * {@code timeline} of the incident grouped by runbook stage, and the utilization samples as a Mermaid {@code
 * xychart-beta} line chart with the warning and critical thresholds, plus a Unicode sparkline for plain-text
 * readers.
 *
 * <p>Pure functions of their arguments (no clock, no I/O, no hash-order iteration): safe to call from workflow
 * code. Text from the timeline is escaped for Mermaid (the characters its lexers treat as separators or comments
 * are replaced by look-alikes) and bounded: at most {@link #MAX_TIMELINE_ENTRIES} timeline entries (the runbook's
 * milestones are kept first, routine lines dropped first) of at most {@link #MAX_EVENT_CHARS} characters, and at
 * most {@link #MAX_CHART_POINTS} chart points (evenly thinned, first and last kept).
 */
public final class ReportDiagrams {
  public static final int MAX_TIMELINE_ENTRIES = 40;
  public static final int MAX_EVENT_CHARS = 90;
  public static final int MAX_CHART_POINTS = 60;

  private static final String SPARKS = "▁▂▃▄▅▆▇█";

  private ReportDiagrams() {}

  /** Runbook stages, in the order an incident normally passes them; a timeline section per run of one stage. */
  public enum Stage {
    ALERT("Alert", 1),
    ASSESS("Assess", 3),
    DIAGNOSIS("Diagnosis", 2),
    PLAN("Plan", 0),
    DECISION("Decision", 0),
    ACTION("Action", 0),
    VERIFY("Verify", 2),
    ESCALATION("Escalation", 1),
    CLOSE("Close", 0),
    OTHER("Other", 3);

    private final String title;
    /** 0 = always kept when the timeline is capped; higher numbers are dropped first. */
    private final int dropRank;

    Stage(String title, int dropRank) {
      this.title = title;
      this.dropRank = dropRank;
    }

    public String title() {
      return title;
    }
  }

  /** The runbook stage a timeline line belongs to, from its actor and wording. */
  public static Stage stage(TimelineEntry e) {
    String actor = e.actor() == null ? "" : e.actor();
    String text = e.event() == null ? "" : e.event();
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith("closed")) {
      return Stage.CLOSE;
    }
    if (actor.equals("alertmanager") || lower.startsWith("alert ") || lower.startsWith("severity is now")
        || lower.startsWith("relapse")) {
      return Stage.ALERT;
    }
    if (lower.contains("escalat") || lower.startsWith("acknowledged") || lower.startsWith("notification")
        || lower.startsWith("refused acknowledge")) {
      return Stage.ESCALATION;
    }
    if (lower.startsWith("refused") || (lower.startsWith("plan ")
        && (lower.contains(" approved") || lower.contains(" rejected")))) {
      return Stage.DECISION;
    }
    if (lower.startsWith("plan ")) {
      return Stage.PLAN;
    }
    if (lower.startsWith("terminate") || lower.startsWith("rolling restart") || lower.startsWith("temporary pool")
        || lower.startsWith("pool settings changed") || lower.contains("pool increase")) {
      return Stage.ACTION;
    }
    if (lower.startsWith("recovered") || lower.startsWith("not recovered") || lower.startsWith("verif")
        || lower.startsWith("still ")) {
      return Stage.VERIFY;
    }
    if (lower.startsWith("root-cause") || lower.startsWith("connections to") || lower.contains("long-running quer")
        || lower.startsWith("diagnos")) {
      return Stage.DIAGNOSIS;
    }
    if (lower.startsWith("service ") || lower.startsWith("application logs") || lower.startsWith("pool utilization")
        || lower.startsWith("database ") || lower.startsWith("kubernetes")) {
      return Stage.ASSESS;
    }
    return Stage.OTHER;
  }

  /** Both pictures, each under its own heading; empty when there is nothing to draw. */
  public static String markdown(List<TimelineEntry> timeline, List<UtilizationSample> samples) {
    return markdown(timeline, samples, null);
  }

  /** As {@link #markdown(List, List)}, with the policy's warning and critical thresholds drawn on the chart. */
  public static String markdown(List<TimelineEntry> timeline, List<UtilizationSample> samples, RunbookPolicy policy) {
    StringBuilder md = new StringBuilder();
    String t = timeline(timeline);
    if (!t.isEmpty()) {
      md.append("## Timeline at a glance\n\n").append(t).append('\n');
    }
    String c = utilizationChart(samples, policy);
    if (!c.isEmpty()) {
      if (md.length() > 0) {
        md.append('\n');
      }
      md.append("## Pool utilization\n\n").append(c).append('\n');
    }
    return md.toString();
  }

  /**
   * A fenced Mermaid {@code timeline}: one section per run of entries of the same {@link Stage}, periods as offsets
   * from the first entry ({@code +0s}, {@code +1m05s}), entries with the same offset and stage on one period.
   */
  public static String timeline(List<TimelineEntry> entries) {
    if (entries == null || entries.isEmpty()) {
      return "";
    }
    List<TimelineEntry> kept = cap(entries);
    int omitted = entries.size() - kept.size();
    Instant start = instant(entries.get(0).at());
    StringBuilder b = new StringBuilder("```mermaid\ntimeline\n");
    b.append("    title Incident timeline (offsets from ").append(escape(clock(entries.get(0).at())))
        .append(" UTC)\n");
    Stage section = null;
    String period = null;
    for (int i = 0; i < kept.size(); i++) {
      TimelineEntry e = kept.get(i);
      Stage stage = stage(e);
      String offset = offset(start, instant(e.at()));
      if (stage != section) {
        if (period != null) {
          b.append('\n');
        }
        b.append("    section ").append(stage.title()).append('\n');
        section = stage;
        period = null;
      }
      if (offset.equals(period)) {
        b.append(" : ").append(event(e));
      } else {
        if (period != null) {
          b.append('\n');
        }
        b.append("      ").append(offset).append(" : ").append(event(e));
        period = offset;
      }
    }
    if (omitted > 0) {
      b.append(" : (").append(omitted).append(" routine line").append(omitted == 1 ? "" : "s")
          .append(" not drawn, see the table)");
    }
    return b.append("\n```\n").toString();
  }

  /**
   * A fenced Mermaid {@code xychart-beta}: utilization in percent per sample, with the policy's warning and
   * critical thresholds as flat lines, followed by a one-line Unicode sparkline. Empty without samples.
   */
  public static String utilizationChart(List<UtilizationSample> samples) {
    return utilizationChart(samples, null);
  }

  /** As {@link #utilizationChart(List)}, with the policy's thresholds (null: none). */
  public static String utilizationChart(List<UtilizationSample> samples, RunbookPolicy policy) {
    if (samples == null || samples.isEmpty()) {
      return "";
    }
    List<UtilizationSample> points = thin(samples);
    Instant start = instant(samples.get(0).at());
    double max = points.stream().mapToDouble(ReportDiagrams::percent).max().orElse(0);
    int top = (int) Math.max(100, Math.ceil(max / 10) * 10);
    StringBuilder b = new StringBuilder("```mermaid\nxychart-beta\n");
    b.append("    title \"Pool utilization (% of usable connections)\"\n");
    b.append("    x-axis \"time since the first sample\" [");
    for (int i = 0; i < points.size(); i++) {
      b.append(i == 0 ? "" : ", ").append('"').append(offset(start, instant(points.get(i).at()))).append('"');
    }
    b.append("]\n");
    b.append("    y-axis \"utilization %\" 0 --> ").append(top).append('\n');
    b.append("    line [");
    for (int i = 0; i < points.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(number(percent(points.get(i))));
    }
    b.append("]\n");
    if (policy != null) {
      threshold(b, points.size(), policy.warningUtilization());
      threshold(b, points.size(), policy.criticalUtilization());
    }
    b.append("```\n\n");
    b.append("`").append(sparkline(samples)).append("` ")
        .append(number(percent(samples.get(0)))).append("% → ")
        .append(number(percent(samples.get(samples.size() - 1)))).append("% over ").append(samples.size())
        .append(" sample").append(samples.size() == 1 ? "" : "s");
    if (policy != null) {
      b.append(" (lines at the warning ").append(number(policy.warningUtilization() * 100))
          .append("% and critical ").append(number(policy.criticalUtilization() * 100)).append("% thresholds)");
    }
    return b.append('\n').toString();
  }

  /** One block character per (thinned) sample, scaled 0..100 %: {@code ▁} empty to {@code █} full. */
  public static String sparkline(List<UtilizationSample> samples) {
    if (samples == null || samples.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (UtilizationSample s : thin(samples)) {
      double u = Math.max(0, Math.min(1, s.utilization()));
      b.append(SPARKS.charAt((int) Math.min(SPARKS.length() - 1, Math.floor(u * SPARKS.length()))));
    }
    return b.toString();
  }

  /**
   * Text safe inside a Mermaid label: no line breaks, and the characters Mermaid's lexers read as separators,
   * comments or entity codes ({@code : ; # %% " < > { }}) replaced by look-alikes.
   */
  public static String escape(String text) {
    if (text == null) {
      return "";
    }
    String s = text.replaceAll("[\\r\\n\\t]+", " ")
        .replace(':', '˸')
        .replace(';', ',')
        .replace('#', '№')
        .replace('"', '\'')
        .replace('<', '‹')
        .replace('>', '›')
        .replace('{', '(')
        .replace('}', ')')
        .replace("%%", "% %")
        .replace('`', '\'')
        .strip();
    return s;
  }

  private static String event(TimelineEntry e) {
    String actor = e.actor() == null || e.actor().isBlank() || e.actor().equals("remediator") ? "" : e.actor() + " ";
    String text = escape((actor.isEmpty() ? "" : "[" + actor.strip() + "] ") + (e.event() == null ? "" : e.event()));
    if (text.length() > MAX_EVENT_CHARS) {
      text = text.substring(0, MAX_EVENT_CHARS - 1).strip() + "…";
    }
    return text.isEmpty() ? "-" : text;
  }

  /**
   * At most MAX_TIMELINE_ENTRIES, in their order: the most routine stages are dropped first, latest lines of a
   * stage first; the first and the last line are always kept.
   */
  private static List<TimelineEntry> cap(List<TimelineEntry> entries) {
    int n = entries.size();
    if (n <= MAX_TIMELINE_ENTRIES) {
      return entries;
    }
    boolean[] dropped = new boolean[n];
    IntStream.range(1, n - 1)
        .boxed()
        .sorted(Comparator.<Integer>comparingInt(i -> -stage(entries.get(i)).dropRank)
            .thenComparing(Comparator.<Integer>reverseOrder()))
        .limit(n - MAX_TIMELINE_ENTRIES)
        .forEach(i -> dropped[i] = true);
    List<TimelineEntry> kept = new ArrayList<>(MAX_TIMELINE_ENTRIES);
    for (int i = 0; i < n; i++) {
      if (!dropped[i]) {
        kept.add(entries.get(i));
      }
    }
    return kept;
  }

  private static List<UtilizationSample> thin(List<UtilizationSample> samples) {
    if (samples.size() <= MAX_CHART_POINTS) {
      return samples;
    }
    List<UtilizationSample> out = new ArrayList<>(MAX_CHART_POINTS);
    for (int i = 0; i < MAX_CHART_POINTS; i++) {
      out.add(samples.get((int) Math.round(i * (samples.size() - 1) / (double) (MAX_CHART_POINTS - 1))));
    }
    return out;
  }

  private static void threshold(StringBuilder b, int n, double fraction) {
    b.append("    line [");
    String v = number(fraction * 100);
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ", ").append(v);
    }
    b.append("]\n");
  }

  private static double percent(UtilizationSample s) {
    return Math.max(0, s.utilization()) * 100;
  }

  /** One decimal, no exponent, no locale: {@code 91.9}, {@code 70}. */
  static String number(double v) {
    double r = Math.round(v * 10) / 10.0;
    return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%.1f", r);
  }

  private static Instant instant(String at) {
    if (at == null) {
      return null;
    }
    try {
      return Instant.parse(at);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** {@code HH.mm.ss} of an RFC 3339 time (no colon: Mermaid), or the text escaped. */
  private static String clock(String at) {
    Instant i = instant(at);
    if (i == null) {
      return at == null ? "?" : at;
    }
    String s = i.toString(); // 2026-11-29T17:40:25.453Z
    return s.substring(0, 10) + " " + s.substring(11, 19).replace(':', '.');
  }

  /** {@code +0s}, {@code +45s}, {@code +2m05s}, {@code +1h02m}; {@code ?} when a time cannot be read. */
  static String offset(Instant start, Instant at) {
    if (start == null || at == null) {
      return "+?";
    }
    long s = Math.max(0, Duration.between(start, at).getSeconds());
    if (s < 60) {
      return "+" + s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "+%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "+%dh%02dm", s / 3600, (s % 3600) / 60);
  }
}
