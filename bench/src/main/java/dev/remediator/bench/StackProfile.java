package dev.remediator.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a stretch of a JFR recording's CPU samples went, by what their stacks hold: each sample counts once, for the
 * first {@link Part} (in this order) that one of its frames belongs to. Tells the receiver's own work from Temporal's
 * (client calls, the embedded server, the worker) and from the HTTP stack and the load generator.
 */
final class StackProfile {
  /** What a sample is spent on, in the order a stack is tested. */
  enum Part {
    LOAD("the load generator (this bench's client)", "dev.remediator.bench.LoadClient",
        "dev.remediator.bench.Bench"),
    NEW_INCIDENT("receiver: a delivery's Temporal call (a new incident's start, else signal-with-start), client side",
        "dev.remediator.starter.IncidentClient.start", "dev.remediator.starter.IncidentClient.signalWithStart",
        "dev.remediator.starter.IncidentClient.deliver"),
    TEST_SERVER("embedded Temporal server (the SDK's test server)", "io.temporal.internal.testservice"),
    WORKER("worker: workflow tasks and activities of the incidents", "io.temporal.internal.worker",
        "io.temporal.internal.sync", "io.temporal.internal.activity", "io.temporal.internal.replay",
        "dev.remediator.incident", "dev.remediator.postgres", "dev.remediator.kubernetes", "dev.remediator.probe",
        "dev.remediator.notify"),
    PARSE("receiver: parsing and validating the webhook JSON", "dev.remediator.starter.AlertmanagerPayload"),
    DEDUP("receiver: grouping and the accepted-alerts check", "dev.remediator.starter.AlertReceiver.deliver",
        "dev.remediator.starter.AcceptedAlerts"),
    ANSWER("receiver: the JSON answer and the delivery's log line", "io.javalin.http.Context.json",
        "ch.qos.logback"),
    RECEIVER("receiver: the rest of its handler and the request gate", "dev.remediator.starter"),
    HTTP("HTTP server (Jetty, Javalin): connections, parsing, dispatch", "org.eclipse.jetty", "io.javalin"),
    GRPC("gRPC / netty transport (Temporal calls in flight)", "io.grpc"),
    OTHER("other (JDK code outside all of these: timers, selectors, the JFR itself)", "");

    final String what;
    final List<String> prefixes;

    Part(String what, String... prefixes) {
      this.what = what;
      this.prefixes = List.of(prefixes);
    }

    boolean holds(String frame) {
      return prefixes.stream().anyMatch(frame::startsWith);
    }
  }

  private StackProfile() {}

  /** The samples between {@code from} and {@code to} by {@link Part}, as a Markdown list. */
  static String of(Path jfr, Instant from, Instant to) throws IOException {
    Map<Part, Integer> counts = new LinkedHashMap<>();
    int total = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null
          || e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to)) {
        continue;
      }
      counts.merge(partOf(e.getStackTrace().getFrames()), 1, Integer::sum);
      total++;
    }
    if (total == 0) {
      return "(no execution samples)\n";
    }
    StringBuilder b = new StringBuilder();
    for (Part p : Part.values()) {
      int n = counts.getOrDefault(p, 0);
      if (n > 0) {
        b.append(String.format("- %.1f %% %s%n", n * 100.0 / total, p.what));
      }
    }
    return b.append("- (").append(total).append(" samples)\n").toString();
  }

  static Part partOf(List<RecordedFrame> frames) {
    for (Part p : Part.values()) {
      if (p == Part.OTHER) {
        break;
      }
      for (RecordedFrame f : frames) {
        if (f.getMethod() != null && p.holds(f.getMethod().getType().getName() + "." + f.getMethod().getName())) {
          return p;
        }
      }
    }
    return Part.OTHER;
  }
}
