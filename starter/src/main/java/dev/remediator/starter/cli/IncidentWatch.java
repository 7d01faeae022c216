package dev.remediator.starter.cli;

import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.ReportDiagrams;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.incident.Measurement;
import dev.remediator.starter.IncidentControl;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code show --watch}: follows an incident until it closes (or Ctrl-C). On a terminal the whole view is redrawn in
 * place at each poll (phase, severity, plan, the last utilization samples, the timeline); on anything else (a pipe,
 * a file, CI) nothing is redrawn: each change is printed once, as a line (new timeline entries, phase and severity
 * changes, new samples), so the output stays a readable log.
 */
public final class IncidentWatch {
  /** What one poll sees: the execution's state and, while it can be queried, the status. */
  public record Poll(String execution, boolean running, IncidentStatus status) {}

  /** Polls the incident; throws what the client throws. */
  @FunctionalInterface
  public interface Source {
    Poll poll();
  }

  /** Waits between polls (the test's is instant). */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  static final int SAMPLES_SHOWN = 12;
  private static final String CLEAR = "\u001b[H\u001b[2J";

  private final Source source;
  private final PrintWriter out;
  private final boolean terminal;
  private final Duration interval;
  private final Sleeper sleeper;

  private final List<Measurement> samples = new ArrayList<>();
  private TimelineEntry lastPrinted;
  private int printedCount;
  private String phase;
  private String severity;

  public IncidentWatch(Source source, PrintWriter out, boolean terminal, Duration interval, Sleeper sleeper) {
    this.source = source;
    this.out = out;
    this.terminal = terminal;
    this.interval = interval;
    this.sleeper = sleeper;
  }

  /** {@code show --watch} against Temporal, on this process's terminal or not. */
  static int follow(
      IncidentControl incidents, String incidentId, PrintWriter out, Duration interval) {
    Source source = () -> {
      var d = incidents.describe(incidentId);
      boolean running =
          d.getStatus() == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
      String execution = d.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "");
      IncidentStatus status = null;
      try {
        status = incidents.status(incidentId);
      } catch (RuntimeException e) {
        if (running) {
          throw e;
        }
        // A closed run may not be queryable (no worker): its state is enough.
      }
      return new Poll(execution, running, status);
    };
    try {
      return new IncidentWatch(source, out, terminal(), interval, d -> Thread.sleep(d.toMillis())).run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.OK;
    }
  }

  /** A terminal on standard output (Java 22+ says so; before, a console exists only for one). */
  static boolean terminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  /** Follows until the incident's run is no longer running; returns the exit code. */
  public int run() throws InterruptedException {
    while (true) {
      Poll p = source.poll();
      if (p.status() != null) {
        remember(latest(p.status()));
      }
      if (terminal) {
        redraw(p);
      } else {
        appendChanges(p);
      }
      if (!p.running()) {
        if (!terminal) {
          out.println("-- incident " + (p.status() == null ? "" : p.status().incidentId() + " ")
              + p.execution().toLowerCase() + "; stopped watching");
        }
        out.flush();
        return ExitCodes.OK;
      }
      out.flush();
      sleeper.sleep(interval);
    }
  }

  /** The status' latest reading; from a worker before it had one, its last snapshot's utilization. */
  static Measurement latest(IncidentStatus s) {
    if (s.latest() != null) {
      return s.latest();
    }
    com.fasterxml.jackson.databind.JsonNode snap = s.earlier().get("lastSnapshot");
    return snap == null || !snap.has("utilization") ? null
        : new Measurement(snap.path("takenAt").asText(null), snap.path("utilization").asDouble());
  }

  private void remember(Measurement sample) {
    if (sample == null) {
      return;
    }
    if (samples.isEmpty() || !Objects.equals(samples.get(samples.size() - 1).at(), sample.at())) {
      samples.add(sample);
      if (samples.size() > SAMPLES_SHOWN) {
        samples.remove(0);
      }
    }
  }

  private void redraw(Poll p) {
    StringBuilder b = new StringBuilder(CLEAR);
    if (p.status() != null) {
      b.append(ShowCommand.render(p.status(), p.execution(), p.running())).append('\n');
      b.append(samplesLine()).append('\n');
    } else {
      b.append("Incident   (").append(p.execution().toLowerCase()).append(")\n");
    }
    b.append(p.running() ? "\n(watching every " + interval.toSeconds() + " s; Ctrl-C to stop)"
        : "\n(" + p.execution().toLowerCase() + "; stopped watching)");
    out.println(b);
  }

  String samplesLine() {
    if (samples.isEmpty()) {
      return "Samples    -";
    }
    StringBuilder b = new StringBuilder("Samples    ").append(ReportDiagrams.sparkline(samples)).append(' ');
    for (int i = 0; i < samples.size(); i++) {
      b.append(i == 0 ? "" : " ")
          .append(String.format(java.util.Locale.ROOT, "%.1f%%", samples.get(i).value() * 100));
    }
    return b.toString();
  }

  private void appendChanges(Poll p) {
    IncidentStatus s = p.status();
    if (s == null) {
      return;
    }
    String newPhase = String.valueOf(s.phase());
    // As written in JSON (a severity's label), whatever type the status carries it in.
    String newSeverity = s.severity() == null ? "-" : Output.mapper().convertValue(s.severity(), String.class);
    if (phase == null) {
      out.println("-- watching " + s.incidentId() + ": phase " + newPhase + ", severity " + newSeverity
          + (latest(s) == null ? "" : ", utilization "
              + String.format(java.util.Locale.ROOT, "%.1f%%", latest(s).value() * 100)));
    } else {
      if (!newPhase.equals(phase)) {
        out.println("-- phase " + phase + " -> " + newPhase);
      }
      if (!newSeverity.equals(severity)) {
        out.println("-- severity " + severity + " -> " + newSeverity);
      }
    }
    phase = newPhase;
    severity = newSeverity;
    List<TimelineEntry> timeline = s.timeline() == null ? List.of() : s.timeline();
    int from = newEntries(timeline);
    for (int i = from; i < timeline.size(); i++) {
      TimelineEntry e = timeline.get(i);
      out.println(e.at() + "  [" + e.actor() + "] " + e.event());
    }
    if (!timeline.isEmpty()) {
      lastPrinted = timeline.get(timeline.size() - 1);
    }
    printedCount = timeline.size();
  }

  /** Index of the first entry not printed yet (the timeline only grows; a trimmed one is found by its last line). */
  private int newEntries(List<TimelineEntry> timeline) {
    if (lastPrinted == null) {
      return 0;
    }
    if (printedCount <= timeline.size() && timeline.get(printedCount - 1).equals(lastPrinted)) {
      return printedCount;
    }
    int at = timeline.lastIndexOf(lastPrinted);
    return at < 0 ? 0 : at + 1;
  }
}
