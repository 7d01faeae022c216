package dev.remediator.starter.cli;

import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.Plan;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.starter.IncidentControl;
import dev.remediator.starter.IncidentHttp;
import dev.remediator.starter.IncidentStubs;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowExecutionDescription;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code remediator show ID}: the incident's status query, human-readable. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description = {
      "Show an incident: phase, severity, pending plan, last snapshot, timeline (the 'status' query, sent beside"
          + " the describe of its execution).",
      "The query needs a worker: with none polling the incident's task queue this says so (exit 1), apart from"
          + " an unreachable Temporal. With no poller at all (Temporal just restarted) it says \"worker"
          + " reconnecting\" and waits for one within --timeout. An incident pinned (Worker Versioning) to a build none"
          + " of whose workers polls says \"waiting for build X\" (exit 1).",
      "Exit codes: 0 shown, 1 error, 2 usage, 4 no such incident."
    })
public final class ShowCommand extends TemporalCommand {

  @Parameters(index = "0", paramLabel = "INCIDENT_ID", description = "as `incidents` lists it: <runbook>:<namespace>:<service>[:<database>]")
  String incidentId;

  @Option(names = "--watch", description = "Follow the incident until it closes (Ctrl-C to stop): redrawn on a"
      + " terminal, new lines only otherwise.")
  boolean watch;

  @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2",
      description = "Seconds between polls with --watch (default ${DEFAULT-VALUE}).")
  int intervalSeconds;

  @Override
  protected int run(IncidentStubs temporal) {
    IncidentControl incidents = new IncidentControl(temporal);
    if (watch && !output.json()) {
      return IncidentWatch.follow(incidents, incidentId, output.out(), java.time.Duration.ofSeconds(
          Math.max(1, intervalSeconds)));
    }
    // The describe (execution status, run ID) and the status query side by side: one round trip's wait, not two.
    // The SDK asks the server's capabilities before a connection's first call: once, before both (not once each).
    temporal.workflowClient().getWorkflowServiceStubs().getServerCapabilities().get();
    CompletableFuture<WorkflowExecutionDescription> describe =
        CompletableFuture.supplyAsync(() -> incidents.describe(incidentId));
    IncidentStatus s;
    try {
      // A slow answer: an incident pinned to a build none of whose workers polls says "waiting for build X".
      s = status(temporal, incidentId, false, () -> {
        WorkflowExecutionDescription pinned = described(describe);
        requirePinnedBuildPolled(temporal, pinned);
        return pinned.getTaskQueue();
      });
    } catch (RuntimeException e) {
      describe.cancel(true);
      throw e;
    }
    WorkflowExecutionDescription d = described(describe);
    String execution = d.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "");
    return print(s, execution, d.getExecution().getRunId(),
        d.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
  }

  @Override
  protected boolean hasHttpPath() {
    return !(watch && !output.json()); // --watch follows the incident over gRPC: its start cost does not matter
  }

  /**
   * The same two calls over Temporal's HTTP API, side by side. A status query not answered {@link #QUERY_ALONE} after
   * the describe: null, and the gRPC path tells why (no worker polling, a pinned build, a reconnecting worker).
   */
  @Override
  protected Integer runOverHttp(IncidentHttp http) {
    var describe = http.describe(incidentId, remaining());
    var query = http.status(incidentId, false, remaining());
    IncidentHttp.Described d;
    try {
      d = IncidentHttp.join(describe);
    } catch (IncidentHttp.Failure e) {
      query.cancel(true);
      if (e.notFound()) {
        throw new CliFailure(ExitCodes.NOT_FOUND, "no incident " + incidentId);
      }
      throw e;
    }
    var s = httpAnswer(query, QUERY_ALONE);
    if (s == null || s.isEmpty()) {
      return null;
    }
    return print(s.get(), d.execution(), d.runId(), d.running());
  }

  private int print(IncidentStatus s, String execution, String runId, boolean running) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("execution", execution);
    json.put("runId", runId);
    json.put("status", s);
    output.print(json, render(s, execution, running));
    return ExitCodes.OK;
  }

  /** The describe's answer, or what it failed with (e.g. WorkflowNotFoundException: exit 4, "no incident"). */
  private static WorkflowExecutionDescription described(CompletableFuture<WorkflowExecutionDescription> describe) {
    try {
      return describe.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  static String render(IncidentStatus s, String execution, boolean running) {
    StringBuilder b = new StringBuilder();
    b.append("Incident   ").append(s.incidentId()).append("  (").append(execution.toLowerCase()).append(")\n");
    if (s.target() != null) {
      b.append("Target     ").append(s.target().id()).append('\n');
    }
    b.append("Severity   ").append(nvl(s.severity() == null ? null : s.severity().label())).append('\n');
    b.append("Phase      ").append(s.phase()).append('\n');
    b.append("Opened     ").append(nvl(s.openedAt())).append('\n');
    Plan p = s.plan();
    if (p != null) {
      b.append("Plan       ").append(p.planId()).append(" (created ").append(nvl(p.createdAt())).append(")\n");
      for (var a : p.actions()) {
        b.append("           - ").append(a.describe()).append(" [").append(a.mode()).append("]: ")
            .append(nvl(a.reason())).append('\n');
      }
    }
    if (s.awaitingApproval() && p != null && running) {
      b.append("Awaiting   approval: remediator approve ").append(s.incidentId()).append(" --by NAME --plan ")
          .append(p.planId()).append('\n');
    }
    if (s.section() != null) {
      s.section().lines().forEach(line -> b.append(line).append('\n'));
    }
    if (s.diagnosis() != null && s.section() != null) {
      b.append("Diagnosis  ").append(s.diagnosis().cause()).append('\n');
      for (String e : s.diagnosis().evidence()) {
        b.append("           - ").append(e).append('\n');
      }
    }
    if (s.timeline() != null && !s.timeline().isEmpty()) {
      b.append("Timeline\n");
      for (TimelineEntry e : s.timeline()) {
        b.append("  ").append(e.at()).append("  [").append(e.actor()).append("] ").append(e.event()).append('\n');
      }
    }
    return b.toString().stripTrailing();
  }

  private static String nvl(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }
}
