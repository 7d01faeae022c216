package dev.remediator.incident;

import dev.remediator.runbook.dbpool.PoolDiagnosis;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ReportDiagrams.Stage;
import dev.remediator.incident.TimelineEntry.Kind;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import dev.remediator.registry.Runbooks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Parses what {@link ReportDiagrams} emits with the rules of Mermaid's own grammars (the timeline lexer of
 * mermaid-js {@code timeline.jison}, in its older and stricter form where {@code #} and {@code ;} also end a token;
 * xychart-beta's statements), so an event text that would break the diagram on GitHub fails here.
 */
class ReportDiagramsTest {
  private static final Instant T0 = Instant.parse("2026-11-29T17:40:25.453Z");

  /** The demo's timeline, word for word (colons, semicolons, quotes, ×, −, a percent sign). */
  static List<TimelineEntry> demoTimeline() {
    List<TimelineEntry> t = new ArrayList<>();
    add(t, 0, "alertmanager", "Alert DatabaseConnectionPoolCritical (critical) opened the incident: Connection pool"
        + " nearly exhausted on authdb (91.89%)");
    add(t, 1, "remediator", "Service UNAVAILABLE: /health 200 (60 ms), /ready 503 (64 ms)");
    add(t, 1, "remediator", "Escalating: service unavailable");
    add(t, 1, "remediator", "Escalated to the database team via database-chat, database-pager, incident-log");
    add(t, 1, "remediator", "Application logs (30 min, 3 pods): Connection pool exhausted ×21, Connection timeout ×24");
    add(t, 1, "remediator", "Pool utilization 91.9% (34 of 37 usable connections)");
    add(t, 1, "remediator", "Connections to authdb: 34 total, 0 active, 9 idle, 25 idle in transaction; longest 12 s");
    add(t, 1, "remediator", "0 long-running quer(ies) > 1 min, 25 idle in transaction > 2 s (25 > 3 s), 0 blocked");
    add(t, 1, "remediator", "Root-cause hint: LEAK — 25 of 34 connections idle in transaction; client that stands"
        + " out: PostgreSQL JDBC Driver@127.0.0.1 (role auth_service); 91.9% utilization: 34 of 37 (40 − 3)");
    add(t, 1, "remediator", "Plan plan-fd31b7b6: terminate 25 session(s) idle in transaction [approve]; then rolling"
        + " restart of the deployment [approve]");
    add(t, 2, "dba-on-call", "Acknowledged the escalation: on it");
    add(t, 2, "demo-approver", "Plan plan-fd31b7b6 approved: leak confirmed");
    add(t, 4, "remediator", "Terminate idle-in-transaction sessions: EXECUTED — 25 terminated");
    add(t, 5, "remediator", "Service available: /health 200 (15 ms), /ready 200 (67 ms)");
    add(t, 6, "remediator", "Recovered: utilization 24.3% for 2 sample(s), service healthy");
    add(t, 6, "alertmanager", "Alert DatabaseConnectionPoolCritical resolved");
    add(t, 6, "remediator", "Closed: MITIGATED");
    return t;
  }

  private static void add(List<TimelineEntry> t, long seconds, String actor, String event) {
    t.add(new TimelineEntry(T0.plusSeconds(seconds).toString(), actor, event));
  }

  @Test
  void theDemoTimelineParsesIntoTheRunbookStagesInOrder() {
    List<TimelineEntry> entries = demoTimeline();
    String md = ReportDiagrams.timeline(entries);
    assertThat(md).startsWith("Offsets from 2026-11-29T17:40:25.453Z, the first line of the timeline.\n\n```mermaid\n");
    Timeline parsed = Timeline.parse(md);

    assertThat(parsed.titles())
        .containsExactly("Incident timeline", "Incident timeline (continued)",
            "Incident timeline (continued)");
    assertThat(parsed.sections())
        .containsExactly("1 · Alert", "2 · Diagnosis", "3 · Escalation", "4 · Diagnosis", "5 · Plan",
            "6 · Escalation", "7 · Decision", "8 · Action", "9 · Verify", "10 · Close");
    assertThat(md.split("```mermaid", -1)).hasSize(4); // 10 runs: 4 + 3 + 3
    assertThat(parsed.periods()).containsExactly("+0s", "+1s", "+1s", "+1s", "+1s", "+2s", "+2s", "+4s", "+5s", "+6s");
    assertThat(parsed.events()).hasSize(entries.size());
    // Every entry is drawn, in order, with its words (only the separators replaced).
    for (int i = 0; i < entries.size(); i++) {
      String drawn = parsed.events().get(i);
      assertThat(drawn).doesNotContain(":", ";", "#", "\"").hasSizeLessThanOrEqualTo(ReportDiagrams.MAX_EVENT_CHARS);
      String firstWords = entries.get(i).event().split("[:;(]")[0].strip();
      assertThat(drawn).contains(firstWords.length() > 30 ? firstWords.substring(0, 30) : firstWords);
    }
    assertThat(parsed.events().get(10)).isEqualTo("dba-on-call – Acknowledged the escalation – on it");
    assertThat(parsed.events().get(8)).endsWith("…");
  }

  @Test
  void stagesFollowTheRunbook() {
    assertThat(ReportDiagrams.stages(demoTimeline()))
        .containsExactly(Stage.ALERT, Stage.DIAGNOSIS, Stage.ESCALATION, Stage.ESCALATION, Stage.DIAGNOSIS,
            Stage.DIAGNOSIS, Stage.DIAGNOSIS, Stage.DIAGNOSIS, Stage.DIAGNOSIS, Stage.PLAN, Stage.ESCALATION,
            Stage.DECISION, Stage.ACTION, Stage.VERIFY, Stage.VERIFY, Stage.CLOSE, Stage.CLOSE);
    assertThat(ReportDiagrams.stage(new TimelineEntry("x", "remediator", "Service available: /health 200")))
        .isEqualTo(Stage.DIAGNOSIS);
    assertThat(ReportDiagrams.stage(new TimelineEntry("x", "mallory", "Refused approve: not an approver")))
        .isEqualTo(Stage.DECISION);
    assertThat(ReportDiagrams.stage(new TimelineEntry("x", "remediator", "Rolling restart started (restartedAt x)")))
        .isEqualTo(Stage.ACTION);
    assertThat(ReportDiagrams.stage(new TimelineEntry("x", "remediator", "Temporary pool increase reverted to A=1")))
        .isEqualTo(Stage.ACTION);
    assertThat(ReportDiagrams.stage(new TimelineEntry("x", "remediator", "Something new")))
        .isEqualTo(Stage.OTHER);
  }

  /** A Service Down incident as its runbook and the shell write it: every line with the kind its writer set. */
  static List<TimelineEntry> serviceDownTimeline() {
    List<TimelineEntry> t = new ArrayList<>();
    add(t, 0, "alertmanager", Kind.ALERT, "Alert ServiceDown (critical) opened the incident: Service prod/auth-service"
        + " is down");
    add(t, 1, "remediator", Kind.CHECK, "Service UNAVAILABLE: /health failing (503), /ready failing (503)");
    add(t, 1, "remediator", Kind.CHECK, "Deployment auth-service: 3 desired, 3 updated, 1 ready, 1 available");
    add(t, 1, "remediator", Kind.CHECK, "Newest revision 2, 10 min old: image auth-service: 2.4.1 -> 2.5.0");
    add(t, 2, "remediator", Kind.DIAGNOSIS, "Previous logs (2 container(s)): exception or fatal error 2");
    add(t, 2, "remediator", Kind.DIAGNOSIS, "Cause: bad rollout — failures began with revision 2, rolled out 10 min"
        + " ago");
    add(t, 2, "remediator", Kind.PLAN, "Plan plan-1: roll back the deployment to its previous revision [approve]");
    add(t, 3, "alice", Kind.DECISION, "Plan plan-1 approved: bad image");
    add(t, 4, "remediator", Kind.ACTION, "Rolled back from revision 2 to revision 1's template (now revision 3);"
        + " waiting for the rollout");
    add(t, 5, "remediator", Kind.ACTION, "Rollback: EXECUTED — deployment \"auth-service\" successfully rolled out");
    add(t, 6, "remediator", Kind.CHECK, "Service available: /health ok (200), /ready ok (200)");
    add(t, 7, "remediator", Kind.VERIFY, "Recovered: ready 3/3 · available 3/3 · probes ok for 3 sample(s)");
    add(t, 8, "alertmanager", Kind.RESOLVED, "Alert ServiceDown resolved");
    add(t, 8, "remediator", Kind.ALERT, "Severity critical → warning (KubePodCrashLooping still firing)");
    add(t, 8, "remediator", Kind.RESOLVED, "Every alert of the incident is resolved");
    add(t, 8, "remediator", Kind.CLOSE, "Closed: MITIGATED");
    return t;
  }

  private static void add(List<TimelineEntry> t, long seconds, String actor, Kind kind, String event) {
    t.add(new TimelineEntry(T0.plusSeconds(seconds).toString(), actor, event, kind));
  }

  @Test
  void linesWithAKindAreDrawnByTheirKindNotTheirWords() {
    List<TimelineEntry> entries = serviceDownTimeline();

    assertThat(ReportDiagrams.stages(entries))
        .containsExactly(Stage.ALERT, Stage.DIAGNOSIS, Stage.DIAGNOSIS, Stage.DIAGNOSIS, Stage.DIAGNOSIS,
            Stage.DIAGNOSIS, Stage.PLAN, Stage.DECISION, Stage.ACTION, Stage.ACTION, Stage.VERIFY, Stage.VERIFY,
            Stage.CLOSE, Stage.ALERT, Stage.CLOSE, Stage.CLOSE);
    assertThat(Timeline.parse(ReportDiagrams.timeline(entries)).sections())
        .containsExactly("1 · Alert", "2 · Diagnosis", "3 · Plan", "4 · Decision", "5 · Action", "6 · Verify",
            "7 · Close", "8 · Alert", "9 · Close");
    // The kind decides, whatever the words say.
    assertThat(ReportDiagrams.stage(new TimelineEntry("x", "remediator", "Closed: words of a close", Kind.NOTE)))
        .isEqualTo(Stage.OTHER);
    assertThat(ReportDiagrams.stage(new TimelineEntry("x", "remediator", "Something new", Kind.ACTION)))
        .isEqualTo(Stage.ACTION);
  }

  @Test
  void linesRecordedBeforeKindsAreReadFromTheirWordsAsBefore() {
    // What the words alone made of the Service Down lines: their cause and rollback under "Other".
    List<TimelineEntry> words = serviceDownTimeline().stream()
        .map(e -> new TimelineEntry(e.at(), e.actor(), e.event()))
        .toList();
    assertThat(ReportDiagrams.stages(words))
        .containsExactly(Stage.ALERT, Stage.DIAGNOSIS, Stage.OTHER, Stage.OTHER, Stage.OTHER, Stage.OTHER,
            Stage.PLAN, Stage.DECISION, Stage.OTHER, Stage.OTHER, Stage.DIAGNOSIS, Stage.VERIFY, Stage.CLOSE,
            Stage.OTHER, Stage.OTHER, Stage.CLOSE);

    // A continued run's timeline: lines carried over from before kinds (as the payload converter reads them from an
    // old history or report, without "kind"), then lines of this run with their kinds.
    DataConverter converter = DefaultDataConverter.STANDARD_INSTANCE;
    List<TimelineEntry> mixed = new ArrayList<>();
    for (String[] old : new String[][] {
        {"alertmanager", "Alert DatabaseConnectionPoolCritical (critical) opened the incident"},
        {"remediator", "Pool utilization 91.9% (34 of 37 usable connections)"},
        {"remediator", "Continued as new run (history bounded); state carried over"},
        {"remediator", "Terminate idle-in-transaction sessions: EXECUTED — 25 terminated"}}) {
      String json = "{\"at\":\"" + T0 + "\",\"actor\":\"" + old[0] + "\",\"event\":\"" + old[1] + "\"}";
      TimelineEntry e = converter.fromPayload(Payload.newBuilder()
              .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
              .setData(ByteString.copyFromUtf8(json)).build(),
          TimelineEntry.class, TimelineEntry.class);
      assertThat(e.kind()).isNull();
      mixed.add(e);
    }
    add(mixed, 60, "remediator", Kind.CHECK, "Pool utilization 24.3% (9 of 37 usable connections)");
    add(mixed, 61, "remediator", Kind.VERIFY, "Recovered: utilization 24.3% for 2 sample(s), service healthy");
    assertThat(ReportDiagrams.stages(mixed))
        .containsExactly(Stage.ALERT, Stage.DIAGNOSIS, Stage.OTHER, Stage.ACTION, Stage.VERIFY, Stage.VERIFY);

    // A line with its kind keeps it through the payload converter (histories, queries, reports read by the CLI).
    TimelineEntry written = serviceDownTimeline().get(5);
    assertThat(converter.fromPayload(converter.toPayload(written).orElseThrow(), TimelineEntry.class,
        TimelineEntry.class)).isEqualTo(written);
  }

  @Test
  void aLongIncidentIsCappedKeepingItsMilestones() {
    List<TimelineEntry> t = new ArrayList<>();
    add(t, 0, "alertmanager", "Alert DatabaseConnectionPoolHigh (warning) opened the incident");
    for (int i = 1; i <= 400; i++) {
      add(t, i * 20L, "remediator", "Pool utilization " + (70 + i % 20) + ".0% (30 of 37 usable connections)");
      if (i == 200) {
        add(t, i * 20L, "remediator", "Plan plan-1: terminate 3 session(s) idle in transaction [approve]");
        add(t, i * 20L + 5, "alice", "Plan plan-1 approved: go");
        add(t, i * 20L + 6, "remediator", "Terminate idle-in-transaction sessions: EXECUTED — 3 terminated");
      }
    }
    add(t, 8100, "remediator", "Closed: RECOVERED");

    Timeline parsed = Timeline.parse(ReportDiagrams.timeline(t));

    assertThat(parsed.events()).hasSize(ReportDiagrams.MAX_TIMELINE_ENTRIES + 1); // + the "not drawn" note
    assertThat(parsed.events().get(0)).startsWith("Alert DatabaseConnectionPoolHigh");
    assertThat(parsed.events()).anyMatch(e -> e.startsWith("Plan plan-1 – terminate"))
        .anyMatch(e -> e.startsWith("alice – Plan plan-1 approved"))
        .anyMatch(e -> e.startsWith("Terminate idle-in-transaction sessions"))
        .anyMatch(e -> e.startsWith("Closed"));
    int notDrawn = t.size() - ReportDiagrams.MAX_TIMELINE_ENTRIES;
    assertThat(parsed.events().get(parsed.events().size() - 1))
        .isEqualTo("(" + notDrawn + " routine lines not drawn, see the table)");
    assertThat(parsed.periods()).last().isEqualTo("+2h15m");
    assertThat(parsed.sections())
        .containsExactly("1 · Alert", "2 · Diagnosis", "3 · Plan", "4 · Decision", "5 · Action", "6 · Close");
  }

  @RepeatedTest(20)
  void arbitraryEventTextNeverBreaksTheDiagram() {
    Random random = new Random();
    String alphabet = "abc XYZ 0123:;#%\"'<>{}[]()|\\`~!@$^&*-_=+,./?\n\t\r→×—é漢";
    List<TimelineEntry> t = new ArrayList<>();
    int n = 1 + random.nextInt(80);
    for (int i = 0; i < n; i++) {
      StringBuilder s = new StringBuilder();
      for (int k = random.nextInt(150); k > 0; k--) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String actor = random.nextBoolean() ? "remediator" : "a:b;c#d";
      add(t, random.nextInt(5000), actor, s.toString());
    }
    Timeline parsed = Timeline.parse(ReportDiagrams.timeline(t));
    assertThat(parsed.events()).hasSize(Math.min(n, ReportDiagrams.MAX_TIMELINE_ENTRIES) + (n > 40 ? 1 : 0));
    assertThat(parsed.events()).allSatisfy(e -> assertThat(e).doesNotContain("%%", "\n"));
  }

  @Test
  void theUtilizationChartIsAValidXyChartWithThresholds() {
    List<Measurement> samples = new ArrayList<>();
    double[] values = {0.9189, 0.9189, 0.95, 0.243, 0.243};
    for (int i = 0; i < values.length; i++) {
      samples.add(new Measurement(T0.plusSeconds(i * 20L + (i > 2 ? 100 : 0)).toString(), values[i]));
    }
    String md = ReportDiagrams.utilizationChart(samples, Runbooks.defaultPolicy());
    XyChart chart = XyChart.parse(md);

    assertThat(chart.title()).isEqualTo("Pool utilization (% of usable connections)");
    assertThat(chart.xLabels()).containsExactly("+0s", "+20s", "+40s", "+2m40s", "+3m00s");
    assertThat(chart.yMin()).isZero();
    assertThat(chart.yMax()).isEqualTo(100);
    assertThat(chart.lines()).hasSize(3);
    assertThat(chart.lines().get(0)).containsExactly(91.9, 91.9, 95.0, 24.3, 24.3);
    assertThat(chart.lines().get(1)).containsOnly(70.0).hasSize(5);
    assertThat(chart.lines().get(2)).containsOnly(90.0).hasSize(5);
    assertThat(md).contains("`███▂▂` 91.9% → 24.3% over 5 samples");
  }

  @Test
  void manySamplesAreThinnedKeepingTheFirstAndTheLast() {
    List<Measurement> samples = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      samples.add(new Measurement(T0.plusSeconds(i * 20L).toString(), i == 999 ? 0.1 : 0.5 + (i % 10) / 100.0));
    }
    XyChart chart = XyChart.parse(ReportDiagrams.utilizationChart(samples));
    assertThat(chart.lines()).hasSize(1);
    assertThat(chart.lines().get(0)).hasSize(ReportDiagrams.MAX_CHART_POINTS).startsWith(50.0).endsWith(10.0);
    assertThat(chart.xLabels()).hasSize(ReportDiagrams.MAX_CHART_POINTS).startsWith("+0s").endsWith("+5h33m");
    assertThat(ReportDiagrams.sparkline(samples)).hasSize(ReportDiagrams.MAX_CHART_POINTS);
  }

  @Test
  void overOneHundredPercentWidensTheAxisAndNothingIsDrawnFromNothing() {
    XyChart chart = XyChart.parse(ReportDiagrams.utilizationChart(
        List.of(new Measurement(T0.toString(), 1.234), new Measurement("not a time", 0.0))));
    assertThat(chart.yMax()).isEqualTo(130);
    assertThat(chart.xLabels()).containsExactly("+0s", "+?");
    assertThat(ReportDiagrams.timeline(List.of())).isEmpty();
    assertThat(ReportDiagrams.utilizationChart(null)).isEmpty();
    assertThat(ReportDiagrams.markdown(List.of(), List.of())).isEmpty();
  }

  @Test
  void theMarkdownIsDeterministicAndHasBothPictures() {
    List<Measurement> samples = List.of(new Measurement(T0.toString(), 0.92),
        new Measurement(T0.plusSeconds(20).toString(), 0.24));
    RunbookPolicy policy = ConfigLoader.parsePolicy("warningUtilization: 0.6");
    String a = ReportDiagrams.markdown(demoTimeline(), samples, policy);
    assertThat(a).isEqualTo(ReportDiagrams.markdown(new ArrayList<>(demoTimeline()), List.copyOf(samples), policy));
    assertThat(a).startsWith("## Timeline at a glance\n\nOffsets from ").contains("## Pool utilization\n\n")
        .contains("warning 60% and critical 90%");
    List<String> blocks = fencedBlocks(a);
    assertThat(blocks).hasSize(4); // the timeline in three parts, the chart
    Timeline.parse(a.substring(a.indexOf("Offsets from"), a.indexOf("## Pool utilization")));
    XyChart chart = XyChart.parse("```mermaid\n" + blocks.get(3) + "```\n");
    assertThat(chart.lines().get(1)).containsOnly(60.0);
    assertThat(chart.palette()).isEqualTo("#2563eb, #f59e0b, #dc2626");
  }

  private static List<String> fencedBlocks(String md) {
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("```mermaid\n(.*?)```\n", Pattern.DOTALL).matcher(md);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  private static String body(String fenced) {
    assertThat(fenced).startsWith("```mermaid\n");
    int end = fenced.indexOf("```\n", 11);
    assertThat(end).as("closing fence").isPositive();
    return fenced.substring(11, end);
  }

  /** Mermaid timelines (one or more fenced blocks) as mermaid's lexer reads them (first matching rule wins). */
  record Timeline(List<String> titles, List<String> sections, List<String> periods, List<String> events) {
    private static final List<Pattern> RULES =
        List.of(
            Pattern.compile("%%(?!\\{)[^\\n]*"), // 0 comment
            Pattern.compile("[^}]%%[^\\n]*"), // 1 comment
            Pattern.compile("\\n+"), // 2 NEWLINE
            Pattern.compile("\\s+"), // 3 whitespace
            Pattern.compile("#[^\\n]*"), // 4 comment
            Pattern.compile("timeline", Pattern.CASE_INSENSITIVE), // 5
            Pattern.compile("title\\s[^#\\n;]+", Pattern.CASE_INSENSITIVE), // 6 (older, stricter rule)
            Pattern.compile("section\\s[^#:\\n;]+", Pattern.CASE_INSENSITIVE), // 7
            Pattern.compile(":\\s[^#:\\n;]+"), // 8 event (older, stricter rule)
            Pattern.compile("[^#:\\n]+")); // 9 period

    static Timeline parse(String md) {
      List<String> blocks = fencedBlocks(md);
      assertThat(blocks).as("fenced mermaid blocks").isNotEmpty();
      assertThat(md.strip()).as("a line, then nothing but fenced blocks")
          .matches("(?s)Offsets from \\S+, the first line of the timeline\\.\\n\\n(```mermaid\\n.*?```\\s*)+");
      Timeline all = new Timeline(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
      for (String block : blocks) {
        parseBlock(block, all);
      }
      // Mermaid draws sections of the same name as one: the order would be lost.
      assertThat(all.sections()).doesNotHaveDuplicates();
      return all;
    }

    private static void parseBlock(String text, Timeline into) {
      boolean header = false;
      int sectionsBefore = into.sections().size();
      int pos = 0;
      while (pos < text.length()) {
        int rule = -1;
        Matcher m = null;
        for (int r = 0; r < RULES.size(); r++) {
          m = RULES.get(r).matcher(text).region(pos, text.length());
          if (m.lookingAt()) {
            rule = r;
            break;
          }
        }
        assertThat(rule).as("INVALID token at " + pos + ": " + text.substring(pos)).isNotNegative();
        assertThat(rule).as("comment swallowed text at " + pos + ": " + m.group()).isNotIn(0, 1, 4);
        String token = m.group();
        switch (rule) {
          case 5 -> {
            assertThat(header).as("one 'timeline' header").isFalse();
            header = true;
          }
          case 6 -> into.titles().add(token.substring(6).strip());
          case 7 -> {
            assertThat(into.periods()).as("one period per section").hasSize(into.sections().size());
            into.sections().add(token.substring(8).strip());
          }
          case 8 -> {
            assertThat(into.periods()).as("an event needs a period").isNotEmpty();
            into.events().add(token.substring(2).strip());
          }
          case 9 -> {
            assertThat(header).as("header first").isTrue();
            assertThat(token.strip()).matches("\\+(\\d+s|\\d+m\\d\\ds|\\d+h\\d\\dm|\\?)");
            into.periods().add(token.strip());
          }
          default -> {}
        }
        pos = m.end();
      }
      assertThat(header).isTrue();
      assertThat(into.sections().size() - sectionsBefore).isBetween(1, ReportDiagrams.MAX_PERIODS_PER_DIAGRAM);
    }
  }

  /** An xychart-beta as its grammar accepts it: title, x-axis band labels, y-axis range, line series. */
  record XyChart(
      String palette, String title, List<String> xLabels, double yMin, double yMax, List<List<Double>> lines) {
    private static final String STRING = "\"([^\"]*)\"";
    private static final String NUMBER = "(-?\\d+(?:\\.\\d+)?)";

    static XyChart parse(String md) {
      List<String> lines = body(md).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
      Matcher init = Pattern.compile("%%\\{init: \\{\"themeVariables\": \\{\"xyChart\": \\{\"plotColorPalette\": "
          + "\"(#[0-9a-f]{6}(?:, #[0-9a-f]{6})*)\"}}}}%%").matcher(lines.get(0));
      assertThat(init.matches()).as("init directive: " + lines.get(0)).isTrue();
      lines = lines.subList(1, lines.size());
      assertThat(lines.get(0)).isEqualTo("xychart-beta");
      String title = null;
      List<String> x = null;
      double yMin = Double.NaN;
      double yMax = Double.NaN;
      List<List<Double>> series = new ArrayList<>();
      for (String l : lines.subList(1, lines.size())) {
        Matcher m;
        if ((m = Pattern.compile("title " + STRING).matcher(l)).matches()) {
          title = m.group(1);
        } else if ((m = Pattern.compile("x-axis " + STRING + " \\[(.*)]").matcher(l)).matches()) {
          x = new ArrayList<>();
          for (String item : m.group(2).split(", ")) {
            assertThat(item).matches(STRING);
            x.add(item.substring(1, item.length() - 1));
          }
        } else if ((m = Pattern.compile("y-axis " + STRING + " " + NUMBER + " --> " + NUMBER).matcher(l)).matches()) {
          yMin = Double.parseDouble(m.group(2));
          yMax = Double.parseDouble(m.group(3));
        } else if ((m = Pattern.compile("line \\[(.*)]").matcher(l)).matches()) {
          List<Double> values = new ArrayList<>();
          for (String v : m.group(1).split(", ")) {
            assertThat(v).matches(NUMBER);
            values.add(Double.parseDouble(v));
          }
          series.add(values);
        } else {
          throw new AssertionError("not an xychart-beta statement: " + l);
        }
      }
      assertThat(x).as("x-axis").isNotNull();
      for (List<Double> s : series) {
        assertThat(s).hasSameSizeAs(x);
        assertThat(s).allSatisfy(v -> assertThat(v).isBetween(0.0, 100_000.0));
      }
      double yMaxFinal = yMax;
      series.forEach(s -> assertThat(s).allSatisfy(v -> assertThat(v).isLessThanOrEqualTo(yMaxFinal)));
      assertThat(init.group(1).split(", ")).hasSize(series.size());
      return new XyChart(init.group(1), title, x, yMin, yMax, series);
    }
  }
}
