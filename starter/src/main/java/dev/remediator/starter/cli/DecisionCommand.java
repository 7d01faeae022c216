package dev.remediator.starter.cli;

import dev.remediator.incident.DecisionAction;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.DecisionResult;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.starter.IncidentControl;
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

  int decide(
      IncidentStubs temporal, String incidentId, DecisionAction action, String planId, String by, String reason) {
    IncidentControl incidents = new IncidentControl(temporal);
    String plan = planId;
    if (plan == null && (action == DecisionAction.APPROVE || action == DecisionAction.REJECT)) {
      // The plan pending now, read first (the decision names exactly the plan read): one call, which also tells an
      // incident that is not open; the task queue is described only if no worker answers at once.
      IncidentStatus status = status(temporal, incidentId, true, () -> requireOpen(incidents, incidentId));
      if (!status.awaitingApproval() || status.plan() == null) {
        throw new CliFailure(ExitCodes.REFUSED,
            "incident " + incidentId + " has no plan awaiting approval (phase " + status.phase() + ")");
      }
      plan = status.plan().planId();
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("incidentId", incidentId);
    json.put("action", action);
    if (plan != null) {
      json.put("planId", plan);
    }
    json.put("by", by);
    DecisionResult result;
    try {
      // What is left of --timeout: the answer "not confirmed" comes within it, not after it.
      result = incidents.decide(incidentId, new DecisionRequest(action, plan, by, reason), remaining());
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
    } catch (RuntimeException e) {
      if (!notOpen(e)) {
        throw e;
      }
      throw new CliFailure(ExitCodes.NOT_FOUND, "no open incident " + incidentId);
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
