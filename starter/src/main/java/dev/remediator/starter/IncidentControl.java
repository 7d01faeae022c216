package dev.remediator.starter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.remediator.incident.ApprovalDecision;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.DecisionResult;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.RefusedDecision;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.QueryRejectCondition;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One incident, by its ID: decisions sent to it (approve, reject, acknowledge, replan), its status and description,
 * its result and report.
 */
public final class IncidentControl {
  private static final ScheduledExecutorService DEADLINES =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "incident-client-deadlines");
            t.setDaemon(true);
            return t;
          });

  private final IncidentStubs temporal;

  public IncidentControl(IncidentStubs temporal) {
    this.temporal = temporal;
  }

  /** The run ID of the incident's run if one is running. */
  public Optional<String> runningRunId(String incidentId) {
    try {
      WorkflowExecutionDescription d = describe(incidentId);
      return d.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
          ? Optional.of(d.getExecution().getRunId())
          : Optional.empty();
    } catch (WorkflowNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Describes the incident's latest run; throws {@link WorkflowNotFoundException} if there never was one. */
  public WorkflowExecutionDescription describe(String incidentId) {
    return temporal.untyped(incidentId).describe();
  }

  /**
   * Approve, reject or acknowledge through the workflow's {@code decide} update: returns only after the workflow
   * applied or refused it.
   */
  public DecisionResult decide(String incidentId, DecisionRequest request) {
    return temporal.incident(incidentId).decide(request);
  }

  /**
   * The decision was handed to Temporal, but no worker applied it within the wait (no worker running, or all busy):
   * Temporal holds it and the workflow applies or refuses it when a worker picks the incident up.
   */
  public static final class DecisionPendingException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String incidentId;
    private final String action;

    DecisionPendingException(String incidentId, String action, long seconds) {
      super(message(incidentId, action, seconds));
      this.incidentId = incidentId;
      this.action = action;
    }

    /** The same, told as "not confirmed within {@code seconds} s" (e.g. the CLI's whole --timeout). */
    public DecisionPendingException within(long seconds) {
      return new DecisionPendingException(incidentId, action, seconds);
    }

    private static String message(String incidentId, String action, long seconds) {
      return "not confirmed within " + seconds + " s: no worker answered for " + incidentId + ". Temporal holds"
          + " the " + action + " and the incident applies it when a worker runs again (unless the plan"
          + " has changed by then); check with: remediator show " + incidentId;
    }
  }

  /**
   * As {@link #decide(String, DecisionRequest)}, but waits at most {@code wait} for a worker to apply it. An update
   * waits for a worker without a deadline of its own (the SDK polls on), so with no worker running a caller would
   * hang; past {@code wait} this throws {@link DecisionPendingException} instead. The update stays with Temporal and
   * is applied when a worker runs (the call itself goes on in a daemon thread until then or until the client shuts
   * down).
   */
  public DecisionResult decide(String incidentId, DecisionRequest request, Duration wait) {
    CompletableFuture<DecisionResult> result = new CompletableFuture<>();
    Thread call =
        new Thread(
            () -> {
              try {
                result.complete(decide(incidentId, request));
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "decide " + incidentId);
    call.setDaemon(true);
    call.start();
    try {
      return result.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new DecisionPendingException(incidentId, request.action().label(), (wait.toMillis() + 999) / 1000);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + incidentId, e);
    }
  }

  /** Sends the {@code approve} signal (exactly what {@code temporal workflow signal --name approve} sends). */
  public void approve(String incidentId, ApprovalDecision decision) {
    temporal.incident(incidentId).approve(decision);
  }

  public void reject(String incidentId, ApprovalDecision decision) {
    temporal.incident(incidentId).reject(decision);
  }

  /**
   * Records in the open incident's timeline a decision refused before it reached the workflow (the approval API's
   * 403, 409, 422). False if no incident is open (nothing to record in).
   */
  public boolean recordRefusal(String incidentId, RefusedDecision refusal) {
    try {
      temporal.incident(incidentId).refused(refusal);
      return true;
    } catch (WorkflowNotFoundException e) {
      return false;
    }
  }

  public IncidentStatus status(String incidentId) {
    return temporal.incident(incidentId).status();
  }

  /**
   * The {@code status} query with a deadline of its own: a query waits for a worker to answer it, so with no worker
   * it fails (DEADLINE_EXCEEDED) after {@code deadline} instead of after the client's query timeout.
   */
  public IncidentStatus status(String incidentId, Duration deadline) {
    Context.CancellableContext context =
        Context.current().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS, DEADLINES);
    try {
      return context.call(() -> status(incidentId));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      context.cancel(null);
    }
  }

  /**
   * The {@code status} query as one call, not awaited: the incident's status, or empty where {@code openOnly} and the
   * incident is not open (the server says so itself, asking no worker). Fails NOT_FOUND if there never was one.
   */
  public ListenableFuture<Optional<IncidentStatus>> statusQuery(String incidentId, boolean openOnly,
      Duration deadline) {
    QueryWorkflowRequest request = QueryWorkflowRequest.newBuilder()
        .setNamespace(temporal.namespace())
        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(incidentId))
        .setQuery(WorkflowQuery.newBuilder().setQueryType("status"))
        .setQueryRejectCondition(openOnly
            ? QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN
            : QueryRejectCondition.QUERY_REJECT_CONDITION_NONE)
        .build();
    return Futures.transform(temporal.future(deadline).queryWorkflow(request),
        response -> response.hasQueryRejected()
            ? Optional.empty()
            : Optional.of(temporal.dataConverter().fromPayloads(0, Optional.of(response.getQueryResult()),
                IncidentStatus.class, IncidentStatus.class)),
        MoreExecutors.directExecutor());
  }

  /** Waits for the incident to close and returns its result. */
  public <T> T result(String incidentId, Class<T> type) {
    return temporal.untyped(incidentId).getResult(type);
  }

  /**
   * The result of a closed incident as JSON (so that components added later, e.g. a markdown draft, are kept).
   * Empty while the incident is still running.
   */
  public Optional<JsonNode> closedReport(String incidentId) {
    return closedReport(incidentId, Duration.ofSeconds(5));
  }

  /** As {@link #closedReport(String)}, reading the result within {@code wait}. */
  public Optional<JsonNode> closedReport(String incidentId, Duration wait) {
    WorkflowExecutionDescription d = describe(incidentId);
    if (d.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          temporal.workflowClient()
              .newUntypedWorkflowStub(incidentId, Optional.of(d.getExecution().getRunId()), Optional.empty())
              .getResult(wait.toMillis(), TimeUnit.MILLISECONDS, JsonNode.class));
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out reading the result of " + incidentId, e);
    }
  }

  /** The incident's untyped stub (e.g. to terminate it). */
  public WorkflowStub untyped(String incidentId) {
    return temporal.untyped(incidentId);
  }
}
