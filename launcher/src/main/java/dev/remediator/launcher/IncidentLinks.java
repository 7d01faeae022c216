package dev.remediator.launcher;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints each open incident's Web UI link once: those already open at start (carried over from the last run), then
 * every incident as it starts. Polls the server's visibility store ({@code ExecutionStatus="Running"}), so it also
 * sees incidents started by other receivers; needs a server with a UI and visibility (the dev server).
 */
final class IncidentLinks implements AutoCloseable {
  static final String OPEN = "WorkflowType=\"IncidentWorkflow\" AND ExecutionStatus=\"Running\"";

  private final WorkflowClient client;
  private final TemporalServer server;
  private final PrintStream out;
  /** The incident IDs open at the last poll. */
  private final Set<String> seen = new HashSet<>();
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "incident-links");
        t.setDaemon(true);
        return t;
      });

  IncidentLinks(WorkflowClient client, TemporalServer server, PrintStream out) {
    this.client = client;
    this.server = server;
    this.out = out;
  }

  /** Prints the incidents open now; returns how many. */
  int printOpen() {
    List<WorkflowExecutionMetadata> open = open();
    if (!open.isEmpty()) {
      out.println("Open incidents (kept by the server across restarts):");
    }
    for (WorkflowExecutionMetadata m : open) {
      seen.add(m.getExecution().getWorkflowId());
      out.println("  open incident " + m.getExecution().getWorkflowId() + "  " + link(m));
    }
    return open.size();
  }

  /** From now on, prints each incident that starts (once per incident ID while it stays open). */
  IncidentLinks follow(long periodMillis) {
    poller.scheduleWithFixedDelay(this::poll, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    return this;
  }

  private void poll() {
    try {
      List<WorkflowExecutionMetadata> open = open();
      Set<String> now = new HashSet<>();
      for (WorkflowExecutionMetadata m : open) {
        String id = m.getExecution().getWorkflowId();
        if (now.add(id) && !seen.contains(id)) {
          out.println("incident " + id + " started: " + link(m));
        }
      }
      seen.clear();
      seen.addAll(now);
    } catch (RuntimeException e) {
      // the server is restarting or gone; the next poll tries again
    }
  }

  private List<WorkflowExecutionMetadata> open() {
    return client.listExecutions(OPEN).toList();
  }

  private String link(WorkflowExecutionMetadata m) {
    return server.workflowUrl(
        client.getOptions().getNamespace(), m.getExecution().getWorkflowId(), m.getExecution().getRunId());
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
