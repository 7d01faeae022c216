package dev.remediator.starter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.starter.cli.IncidentWatch.Poll;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code show --watch}: redraws on a terminal, only new lines elsewhere, stops when the incident closes. */
class IncidentWatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static IncidentStatus status(String phase, String severity, double utilization, String takenAt, String... events)
      throws Exception {
    StringBuilder timeline = new StringBuilder("[");
    for (int i = 0; i < events.length; i++) {
      timeline.append(i == 0 ? "" : ",").append("{\"at\":\"2026-11-29T10:00:").append(String.format("%02d", i))
          .append("Z\",\"actor\":\"remediator\",\"event\":\"").append(events[i]).append("\"}");
    }
    timeline.append(']');
    return JSON.readValue("""
        {"incidentId":"dbpool:prod:auth-service:authdb","severity":"%s","phase":"%s",
         "lastSnapshot":{"takenAt":"%s","utilization":%s,"totalConnections":34},
         "timeline":%s}
        """.formatted(severity, phase, takenAt, utilization, timeline), IncidentStatus.class);
  }

  /** A scripted incident: opened, diagnosed, awaiting approval, recovered, closed. */
  static List<Poll> script() throws Exception {
    List<Poll> polls = new ArrayList<>();
    polls.add(new Poll("RUNNING", true, status("ASSESSING", "warning", 0.75, "t1", "Alert opened")));
    polls.add(new Poll("RUNNING", true, status("ASSESSING", "warning", 0.75, "t1", "Alert opened")));
    polls.add(new Poll("RUNNING", true, status("AWAITING_APPROVAL", "critical", 0.92, "t2", "Alert opened",
        "Severity is now critical", "Plan p-1: terminate 3 session(s)")));
    polls.add(new Poll("RUNNING", true, status("RECOVERED", "critical", 0.24, "t3", "Alert opened",
        "Severity is now critical", "Plan p-1: terminate 3 session(s)", "Plan p-1 approved", "Recovered")));
    polls.add(new Poll("COMPLETED", false, status("CLOSED", "critical", 0.24, "t3", "Alert opened",
        "Severity is now critical", "Plan p-1: terminate 3 session(s)", "Plan p-1 approved", "Recovered",
        "Closed: MITIGATED")));
    return polls;
  }

  static String watch(boolean terminal, List<Poll> polls, List<Duration> slept) throws Exception {
    Iterator<Poll> it = polls.iterator();
    StringWriter text = new StringWriter();
    int exit = new IncidentWatch(it::next, new PrintWriter(text), terminal, Duration.ofSeconds(2), slept::add).run();
    assertThat(exit).isZero();
    assertThat(it.hasNext()).as("stops at the close, not before").isFalse();
    return text.toString();
  }

  @Test
  void withoutATerminalEveryLineIsPrintedOnceAndNothingIsRedrawn() throws Exception {
    List<Duration> slept = new ArrayList<>();
    String out = watch(false, script(), slept);

    assertThat(out).doesNotContain("\u001b[");
    assertThat(out.lines().toList()).containsExactly(
        "-- watching dbpool:prod:auth-service:authdb: phase ASSESSING, severity warning, utilization 75.0%",
        "2026-11-29T10:00:00Z  [remediator] Alert opened",
        "-- phase ASSESSING -> AWAITING_APPROVAL",
        "-- severity warning -> critical",
        "2026-11-29T10:00:01Z  [remediator] Severity is now critical",
        "2026-11-29T10:00:02Z  [remediator] Plan p-1: terminate 3 session(s)",
        "-- phase AWAITING_APPROVAL -> RECOVERED",
        "2026-11-29T10:00:03Z  [remediator] Plan p-1 approved",
        "2026-11-29T10:00:04Z  [remediator] Recovered",
        "-- phase RECOVERED -> CLOSED",
        "2026-11-29T10:00:05Z  [remediator] Closed: MITIGATED",
        "-- incident dbpool:prod:auth-service:authdb completed; stopped watching");
    assertThat(slept).hasSize(4).containsOnly(Duration.ofSeconds(2));
  }

  @Test
  void onATerminalTheViewIsRedrawnWithTheLastSamples() throws Exception {
    String out = watch(true, script(), new ArrayList<>());

    String[] frames = out.split("\u001b\\[H\u001b\\[2J", -1);
    assertThat(frames).hasSize(6); // nothing before the first clear, then one frame per poll
    assertThat(frames[0]).isEmpty();
    assertThat(frames[1]).contains("Phase      ASSESSING", "Samples    ▇ 75.0%", "Ctrl-C to stop");
    assertThat(frames[3]).contains("Phase      AWAITING_APPROVAL", "Severity   critical", "Samples    ▇█ 75.0% 92.0%");
    assertThat(frames[5]).contains("Phase      CLOSED", "Samples    ▇█▂ 75.0% 92.0% 24.0%", "Closed: MITIGATED",
        "(completed; stopped watching)");
  }

  @Test
  void aClosedIncidentIsShownOnceAndNotFollowed() throws Exception {
    List<Duration> slept = new ArrayList<>();
    String out = watch(false, List.of(new Poll("TERMINATED", false, null)), slept);
    assertThat(out).isEqualTo("-- incident terminated; stopped watching" + System.lineSeparator());
    assertThat(slept).isEmpty();
  }
}
