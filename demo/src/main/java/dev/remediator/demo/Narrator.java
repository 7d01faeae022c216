package dev.remediator.demo;

import dev.remediator.incident.ApprovalDecision;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.launcher.EmbeddedStack;
import dev.remediator.starter.IncidentControl;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * What every demo prints: its own steps ("==> …") and the incident's timeline as it grows, each entry once, while
 * it follows one incident to the step it waits for.
 */
final class Narrator {
  private final PrintStream out;
  private final String incidentId;
  private int printed;

  Narrator(PrintStream out, String incidentId) {
    this.out = out;
    this.incidentId = incidentId;
  }

  void step(String text) {
    out.println("==> " + text);
  }

  /** Prints the entries of the timeline not printed yet. */
  void timeline(List<TimelineEntry> timeline) {
    for (; printed < timeline.size(); printed++) {
      TimelineEntry e = timeline.get(printed);
      out.printf("  %s  [%s] %s%n", e.at().substring(11, Math.min(19, e.at().length())), e.actor(), e.event());
    }
  }

  /**
   * Polls the incident's status, printing its timeline, until {@code until} holds; fails when the incident closes
   * first or {@code timeout} passes.
   */
  IncidentStatus follow(IncidentControl incidents, Predicate<IncidentStatus> until, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      IncidentStatus s = incidents.status(incidentId);
      timeline(s.timeline());
      if (until.test(s)) {
        return s;
      }
      if (s.phase() == IncidentPhase.CLOSED) {
        throw new IllegalStateException("incident closed before the expected step: "
            + (s.timeline().isEmpty() ? "" : s.timeline().get(s.timeline().size() - 1).event()));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("incident did not reach the expected step; phase " + s.phase());
      }
      Thread.sleep(100);
    }
  }

  /**
   * One incident through the embedded stack, as a runbook's demo shows it: the firing webhook ({@code /demo/…}
   * resources), the plan awaiting approval (with the equivalent CLI command printed) approved by
   * {@link Demo#APPROVER} for {@code reason}, recovery, the resolved webhook; returns the closed incident's report.
   */
  IncidentReport fireApproveAndClose(EmbeddedStack stack, String token, String firing, String resolved,
      String alertLabel, String reason, Duration timeout) throws IOException, InterruptedException {
    step("POST " + stack.webhookUrl() + "  (" + alertLabel + ")");
    HttpResponse<String> response = Demo.fire(stack.webhookUrl(), token, firing);
    step("Receiver answered " + response.statusCode() + " " + response.body());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("the receiver refused the alert");
    }
    IncidentControl incidents = stack.incidents();
    IncidentStatus status = follow(incidents, IncidentStatus::awaitingApproval, timeout);
    String plan = status.plan().planId();
    step("Approval needed for " + plan + " (" + status.plan().actions().get(0).describe() + "). Equivalent:");
    out.println("      TEMPORAL_ADDRESS=" + stack.temporalAddress() + " ./remediator approve " + incidentId
        + " --by " + Demo.APPROVER + " --plan " + plan + " --reason '" + reason + "'");
    incidents.approve(incidentId, new ApprovalDecision(plan, Demo.APPROVER, reason));

    follow(incidents, s -> s.phase() == IncidentPhase.RECOVERED, timeout);
    step("Recovered. Alertmanager sends the resolved notification; the incident closes");
    HttpResponse<String> closing = Demo.fire(stack.webhookUrl(), token, resolved);
    if (closing.statusCode() != 200) {
      throw new IllegalStateException("the receiver refused the resolved notification: " + closing.body());
    }
    IncidentReport report = incidents.result(incidentId, IncidentReport.class);
    timeline(report.timeline());
    return report;
  }
}
