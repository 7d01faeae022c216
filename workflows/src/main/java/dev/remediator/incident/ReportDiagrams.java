package dev.remediator.incident;

import dev.remediator.incident.TimelineEntry.Kind;
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
  public static final int MAX_EVENT_CHARS = 70;
  public static final int MAX_PERIODS_PER_DIAGRAM = 4;
  public static final int MAX_CHART_POINTS = 60;

  private static final String SPARKS = "▁▂▃▄▅▆▇█";

  private ReportDiagrams() {}

  /** Runbook stages, in the order an incident normally passes them; a timeline section per run of one stage. */
  public enum Stage {
    ALERT("Alert"),
    DIAGNOSIS("Diagnosis"),
    PLAN("Plan"),
    DECISION("Decision"),
    ACTION("Action"),
    VERIFY("Verify"),
    ESCALATION("Escalation"),
    CLOSE("Close"),
    OTHER("Other");

    private final String title;

    Stage(String title) {
      this.title = title;
    }

    public String title() {
      return title;
    }
  }

  /** The stage a kind is drawn under; {@link Kind#CHECK} has none of its own (diagnosis, or verification). */
  private static Stage stageOf(Kind k) {
    return switch (k) {
      case ALERT -> Stage.ALERT;
      case CHECK, DIAGNOSIS -> Stage.DIAGNOSIS;
      case PLAN -> Stage.PLAN;
      case DECISION -> Stage.DECISION;
      case ACTION -> Stage.ACTION;
      case VERIFY -> Stage.VERIFY;
      case ESCALATION -> Stage.ESCALATION;
      case RESOLVED, CLOSE -> Stage.CLOSE;
      case NOTE -> Stage.OTHER;
    };
  }

  /** 0 = always kept when the timeline is capped; higher numbers are dropped first. */
  private static int dropRank(Kind k) {
    return switch (k) {
      case PLAN, DECISION, ACTION, RESOLVED, CLOSE -> 0;
      case ALERT, ESCALATION -> 1;
      case DIAGNOSIS, VERIFY -> 2;
      case CHECK, NOTE -> 3;
    };
  }

  /** A line's kind: the one its writer set; for a line recorded before kinds existed, read from its words. */
  private static Kind kind(TimelineEntry e) {
    return e.kind() != null ? e.kind() : kindFromWords(e);
  }

  /**
   * For lines recorded before kinds existed only (carried state of continued runs, old reports, replayed
   * histories): the kind guessed from the words the connection-pool runbook and the shell wrote then. Lines written
   * now carry their kind; never extend this for new wording.
   */
  private static Kind kindFromWords(TimelineEntry e) {
    String actor = e.actor() == null ? "" : e.actor();
    String lower = (e.event() == null ? "" : e.event()).toLowerCase(Locale.ROOT);
    if (lower.startsWith("closed")) {
      return Kind.CLOSE;
    }
    if (actor.equals("alertmanager") && lower.endsWith(" resolved")) {
      return Kind.RESOLVED;
    }
    if (actor.equals("alertmanager") || lower.startsWith("alert ") || lower.startsWith("severity is now")
        || lower.startsWith("relapse")) {
      return Kind.ALERT;
    }
    if (lower.contains("escalat") || lower.startsWith("acknowledged") || lower.startsWith("notification")) {
      return Kind.ESCALATION;
    }
    if (lower.startsWith("refused") || (lower.startsWith("plan ")
        && (lower.contains(" approved") || lower.contains(" rejected")))) {
      return Kind.DECISION;
    }
    if (lower.startsWith("plan ")) {
      return Kind.PLAN;
    }
    if (lower.startsWith("terminate") || lower.startsWith("rolling restart") || lower.startsWith("temporary pool")
        || lower.startsWith("pool settings changed") || lower.contains("pool increase")) {
      return Kind.ACTION;
    }
    if (lower.startsWith("recovered") || lower.startsWith("not recovered") || lower.startsWith("verif")
        || lower.startsWith("still ")) {
      return Kind.VERIFY;
    }
    if (lower.startsWith("root-cause") || lower.startsWith("connections to") || lower.contains("long-running quer")
        || lower.startsWith("diagnos")) {
      return Kind.DIAGNOSIS;
    }
    if (lower.startsWith("service ") || lower.startsWith("application logs") || lower.startsWith("pool utilization")
        || lower.startsWith("database ") || lower.startsWith("kubernetes")) {
      return Kind.CHECK;
    }
    return Kind.NOTE;
  }

  /** The runbook stage of one line on its own: checks (probes, utilization, logs) count as diagnosis. */
  public static Stage stage(TimelineEntry e) {
    return stageOf(kind(e));
  }

  /**
   * The runbook stage of each line in its incident: a check (probe, utilization sample, logs) is part of the
   * diagnosis until the first action, and verification after it.
   */
  public static List<Stage> stages(List<TimelineEntry> entries) {
    List<Stage> out = new ArrayList<>(entries.size());
    boolean acted = false;
    for (TimelineEntry e : entries) {
      Kind k = kind(e);
      acted |= k == Kind.ACTION;
      out.add(k == Kind.CHECK && acted ? Stage.VERIFY : stageOf(k));
    }
    return out;
  }

  /** Both pictures, each under its own heading; empty when there is nothing to draw. */
  public static String markdown(List<TimelineEntry> timeline, List<Measurement> samples) {
    return markdown(timeline, samples, null);
  }

  /** As {@link #markdown(List, List)}, with the policy's warning and critical thresholds drawn on the chart. */
  public static String markdown(List<TimelineEntry> timeline, List<Measurement> samples, RunbookPolicy policy) {
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
   * Fenced Mermaid {@code timeline}s: a section per run of lines of the same {@link Stage}, numbered in order
   * ({@code 1 · Alert}; Mermaid merges sections of the same name), labelled with the offset of its first line from
   * the first entry ({@code +0s}, {@code +1m05s}), its lines as events. A timeline is drawn sideways and scaled to
   * the page, so the runs are split evenly over as many diagrams as needed for at most
   * {@link #MAX_PERIODS_PER_DIAGRAM} each.
   */
  public static String timeline(List<TimelineEntry> entries) {
    if (entries == null || entries.isEmpty()) {
      return "";
    }
    List<Integer> kept = cap(entries);
    List<Stage> stages = stages(entries);
    List<List<Integer>> runs = new ArrayList<>();
    for (int i : kept) {
      if (runs.isEmpty() || stages.get(runs.get(runs.size() - 1).get(0)) != stages.get(i)) {
        runs.add(new ArrayList<>());
      }
      runs.get(runs.size() - 1).add(i);
    }
    int omitted = entries.size() - kept.size();
    Instant start = instant(entries.get(0).at());
    int diagrams = (runs.size() + MAX_PERIODS_PER_DIAGRAM - 1) / MAX_PERIODS_PER_DIAGRAM;
    StringBuilder b = new StringBuilder();
    b.append("Offsets from ").append(entries.get(0).at()).append(", the first line of the timeline.\n\n");
    int r = 0;
    for (int d = 0; d < diagrams; d++) {
      int size = runs.size() / diagrams + (d < runs.size() % diagrams ? 1 : 0);
      b.append(d == 0 ? "" : "\n").append("```mermaid\ntimeline\n    title ")
          .append(d == 0 ? "Incident timeline" : "Incident timeline (continued)")
          .append('\n');
      for (int end = r + size; r < end; r++) {
        List<Integer> run = runs.get(r);
        Stage stage = stages.get(run.get(0));
        b.append("    section ").append(r + 1).append(" · ").append(stage.title()).append('\n');
        b.append("      ").append(offset(start, instant(entries.get(run.get(0)).at())));
        for (int i : run) {
          b.append(" : ").append(event(entries.get(i), stage));
        }
        if (r == runs.size() - 1 && omitted > 0) {
          b.append(" : (").append(omitted).append(" routine line").append(omitted == 1 ? "" : "s")
              .append(" not drawn, see the table)");
        }
        b.append('\n');
      }
      b.append("```\n");
    }
    return b.toString();
  }

  /**
   * A fenced Mermaid {@code xychart-beta}: utilization in percent per sample, with the policy's warning and
   * critical thresholds as flat lines, followed by a one-line Unicode sparkline. Empty without samples.
   */
  public static String utilizationChart(List<Measurement> samples) {
    return utilizationChart(samples, null);
  }

  /** As {@link #utilizationChart(List)}, with the policy's thresholds (null: none). */
  public static String utilizationChart(List<Measurement> samples, RunbookPolicy policy) {
    if (samples == null || samples.isEmpty()) {
      return "";
    }
    List<Measurement> points = thin(samples);
    Instant start = instant(samples.get(0).at());
    double max = points.stream().mapToDouble(ReportDiagrams::percent).max().orElse(0);
    int top = (int) Math.max(100, Math.ceil(max / 10) * 10);
    StringBuilder b = new StringBuilder("```mermaid\n");
    // Utilization in blue, the warning and critical thresholds in amber and red.
    b.append("%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"")
        .append(policy == null ? "#2563eb" : "#2563eb, #f59e0b, #dc2626").append("\"}}}}%%\n");
    b.append("xychart-beta\n");
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
  public static String sparkline(List<Measurement> samples) {
    if (samples == null || samples.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (Measurement s : thin(samples)) {
      double u = Math.max(0, Math.min(1, s.value()));
      b.append(SPARKS.charAt((int) Math.min(SPARKS.length() - 1, Math.floor(u * SPARKS.length()))));
    }
    return b.toString();
  }

  /**
   * Text safe inside a Mermaid label: no line breaks, and the characters Mermaid's lexers read as separators,
   * comments or entity codes ({@code : ; # %% " < > { }}) replaced by look-alikes ({@code "a: b"} reads {@code "a – b"}).
   */
  public static String escape(String text) {
    if (text == null) {
      return "";
    }
    String s = text.replaceAll("[\\r\\n\\t]+", " ")
        .replaceAll(":\\s+", " – ")
        .replace(':', '∶')
        .replace(';', ',')
        .replace('#', '№')
        .replace('"', '\'')
        .replace('<', '‹')
        .replace('>', '›')
        .replace('{', '(')
        .replace('}', ')')
        .replaceAll("%(?=%)", "% ")
        .replace('`', '\'')
        .strip();
    return s;
  }

  private static String event(TimelineEntry e, Stage stage) {
    String actor = e.actor() == null ? "" : e.actor().strip();
    boolean named = !actor.isEmpty() && !actor.equals("remediator")
        && !(actor.equals("alertmanager") && (stage == Stage.ALERT || stage == Stage.CLOSE));
    String text = escape((named ? actor + " – " : "") + (e.event() == null ? "" : e.event()));
    if (text.length() > MAX_EVENT_CHARS) {
      text = text.substring(0, MAX_EVENT_CHARS - 1).strip() + "…";
    }
    return text.isEmpty() ? "-" : text;
  }

  /**
   * Indices of at most MAX_TIMELINE_ENTRIES lines, in order: the most routine kinds are dropped first, the latest
   * lines of a kind first; the first and the last line are always kept.
   */
  private static List<Integer> cap(List<TimelineEntry> entries) {
    int n = entries.size();
    boolean[] dropped = new boolean[n];
    if (n > MAX_TIMELINE_ENTRIES) {
      IntStream.range(1, n - 1)
          .boxed()
          .sorted(Comparator.<Integer>comparingInt(i -> -dropRank(kind(entries.get(i))))
              .thenComparing(Comparator.<Integer>reverseOrder()))
          .limit(n - MAX_TIMELINE_ENTRIES)
          .forEach(i -> dropped[i] = true);
    }
    List<Integer> kept = new ArrayList<>(Math.min(n, MAX_TIMELINE_ENTRIES));
    for (int i = 0; i < n; i++) {
      if (!dropped[i]) {
        kept.add(i);
      }
    }
    return kept;
  }

  private static List<Measurement> thin(List<Measurement> samples) {
    if (samples.size() <= MAX_CHART_POINTS) {
      return samples;
    }
    List<Measurement> out = new ArrayList<>(MAX_CHART_POINTS);
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

  private static double percent(Measurement s) {
    return Math.max(0, s.value()) * 100;
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
