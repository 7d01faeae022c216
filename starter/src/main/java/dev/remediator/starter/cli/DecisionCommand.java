package dev.remediator.starter.cli;

import dev.remediator.incident.DecisionAction;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.DecisionResult;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.starter.IncidentControl;
import dev.remediator.starter.IncidentHttp;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.starter.TemporalDiagnostics;
import io.temporal.client.WorkflowNotFoundException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shared by {@code approve}, {@code reject} and {@code ack}: sends the decision through the workflow's {@code decide}
 * update and reports at once whether it was applied (exit 0) or refused (exit 3, with the workflow's reason).
 */
abstract class DecisionCommand extends TemporalCommand {

  @Override
  protected boolean hasHttpPath() {
    return true;
  }

  int decide(
      IncidentStubs temporal, String incidentId, DecisionAction action, String planId, String by, String reason) {
    IncidentControl incidents = new IncidentControl(temporal);
    String plan = planId;
    if (needsPendingPlan(action, planId)) {
      // The plan pending now, read first (the decision names exactly the plan read): one call, which also tells an
      // incident that is not open; the task queue is described only if no worker answers at once.
      IncidentStatus status = status(temporal, incidentId, true, () -> requireOpen(incidents, incidentId));
      plan = pendingPlan(incidentId, status.awaitingApproval(), status.plan() == null ? null
          : status.plan().planId(), status.phase());
    }
    return send(incidentId, action, plan, by, reason, request -> {
      try {
        // What is left of --timeout: the answer "not confirmed" comes within it, not after it.
        return incidents.decide(incidentId, request, remaining());
      } catch (IncidentControl.DecisionPendingException pending) {
        throw pending;
      } catch (RuntimeException e) {
        if (!notOpen(e)) {
          throw e;
        }
        throw new CliFailure(ExitCodes.NOT_FOUND, "no open incident " + incidentId);
      }
    });
  }

  /**
   * The same over Temporal's HTTP API: the status query (for the pending plan), then the update. A query not answered
   * within {@link #HTTP_FIRST_ANSWER}: null before any update was sent, and the gRPC path tells why.
   */
  Integer decideOverHttp(
      IncidentHttp http, String incidentId, DecisionAction action, String planId, String by, String reason) {
    String plan = planId;
    if (needsPendingPlan(action, planId)) {
      java.util.Optional<IncidentHttp.PendingPlan> status;
      try {
        status = httpAnswer(http.status(incidentId, true, remaining(), IncidentHttp.PendingPlan.class),
            HTTP_FIRST_ANSWER);
      } catch (IncidentHttp.Failure e) {
        throw e.notFound() ? new CliFailure(ExitCodes.NOT_FOUND, "no open incident " + incidentId) : e;
      }
      if (status == null) {
        return null;
      }
      IncidentHttp.PendingPlan pending =
          status.orElseThrow(() -> new CliFailure(ExitCodes.NOT_FOUND, "no open incident " + incidentId));
      plan = pendingPlan(incidentId, pending.awaitingApproval(), pending.plan() == null ? null
          : pending.plan().planId(), pending.phase());
    }
    return send(incidentId, action, plan, by, reason, request -> {
      try {
        return http.decide(incidentId, request, remaining());
      } catch (IncidentHttp.Failure e) {
        throw e.notFound() ? new CliFailure(ExitCodes.NOT_FOUND, "no open incident " + incidentId) : e;
      }
    });
  }

  private static boolean needsPendingPlan(DecisionAction action, String planId) {
    return planId == null && (action == DecisionAction.APPROVE || action == DecisionAction.REJECT);
  }

  /** The plan awaiting approval, or exit 3 "no plan awaiting approval (phase P)". */
  private static String pendingPlan(String incidentId, boolean awaitingApproval, String planId, Object phase) {
    if (!awaitingApproval || planId == null) {
      throw new CliFailure(ExitCodes.REFUSED,
          "incident " + incidentId + " has no plan awaiting approval (phase " + phase + ")");
    }
    return planId;
  }

  /** Sends the decision ({@code update}: over gRPC or HTTP) and reports the workflow's answer. */
  private int send(String incidentId, DecisionAction action, String plan, String by, String reason,
      java.util.function.Function<DecisionRequest, DecisionResult> update) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("incidentId", incidentId);
    json.put("action", action);
    if (plan != null) {
      json.put("planId", plan);
    }
    json.put("by", by);
    DecisionResult result;
    try {
      result = update.apply(new DecisionRequest(action, plan, by, reason));
    } catch (IncidentControl.DecisionPendingException pending) {
      IncidentControl.DecisionPendingException e = pending.within(timeoutSeconds);
      // Not applied yet, and not lost: say so, and exit non-zero, since nothing has happened yet.
      if (output.json()) {
        json.put("accepted", null);
        json.put("pending", true);
        json.put("message", e.getMessage());
        json.put("exitCode", ExitCodes.ERROR);
        output.print(json, null);
        return ExitCodes.ERROR;
      }
      return output.fail(ExitCodes.ERROR, e.getMessage());
    }
    json.put("accepted", result.accepted());
    json.put("message", result.message());
    if (!result.accepted()) {
      if (output.json()) {
        output.print(json, null);
        return ExitCodes.REFUSED;
      }
      return output.fail(ExitCodes.REFUSED, "refused: " + result.message());
    }
    output.print(json, "accepted: " + result.message());
    return ExitCodes.OK;
  }

  /** The update found no open incident: none by that ID, or it has closed (Temporal's NOT_FOUND). */
  private static boolean notOpen(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof WorkflowNotFoundException) {
        return true;
      }
    }
    return TemporalDiagnostics.grpcStatus(e).orElse(null) == io.grpc.Status.Code.NOT_FOUND;
  }
}
