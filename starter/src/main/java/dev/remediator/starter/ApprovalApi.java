package dev.remediator.starter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.DecisionAction;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.DecisionResult;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.RefusedDecision;
import dev.remediator.registry.Runbooks;
import io.javalin.http.Context;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /incidents/{id}/approve|reject|ack}, for chat buttons and scripts. The caller's identity comes from its
 * bearer token ({@code receiver.apiTokens}), never from the body. The body, optional, is
 * {@code {"planId": "...", "reason": "..."}}; without {@code planId} the plan pending now is decided. The decision
 * goes through the workflow's {@code decide} update, so the answer says whether it was applied:
 * 200 accepted, 409 refused (the workflow's reason: stale plan, nothing pending, ...), 404 unknown incident,
 * 401 no or unknown token, 403 not an approver of this target, 503 Temporal unreachable, 202 handed to Temporal
 * but not applied within {@link #DECISION_WAIT} (no worker running: applied when one runs).
 */
final class ApprovalApi {
  static final int MAX_BODY_BYTES = 16 * 1024;
  /** How long a decision waits for a worker to apply it before the answer is 202 (handed over, not yet applied). */
  static final java.time.Duration DECISION_WAIT = java.time.Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(ApprovalApi.class);

  enum Action {
    APPROVE(DecisionAction.APPROVE),
    REJECT(DecisionAction.REJECT),
    ACK(DecisionAction.ACKNOWLEDGE);

    final DecisionAction decision;

    Action(DecisionAction decision) {
      this.decision = decision;
    }
  }

  private final RemediatorConfig config;
  private final IncidentControl incidents;
  private final ApiTokens tokens;

  ApprovalApi(RemediatorConfig config, IncidentControl incidents, ApiTokens tokens) {
    this.config = config;
    this.incidents = incidents;
    this.tokens = tokens;
  }

  void handle(Context ctx, Action action) {
    if (tokens.isEmpty()) {
      throw new HttpProblem(403, "disabled", "the approval API is disabled: no receiver.apiTokens are configured");
    }
    String identity =
        tokens
            .identify(ctx.header("Authorization"))
            .orElseThrow(() -> new HttpProblem(401, "unauthorized", "missing or unknown API bearer token"));
    String incidentId = ctx.pathParam("id");
    JsonNode body = body(ctx);
    String planId = text(body, "planId");
    String reason = text(body, "reason");

    TargetConfig target =
        config.targets().stream()
            .filter(t -> Runbooks.all().stream()
                .anyMatch(r -> r.incidentId(t.target()).equals(incidentId)))
            .findFirst()
            .orElseThrow(() -> new HttpProblem(404, "unknown", "unknown incident " + incidentId
                + ": no configured target has this incident ID"));
    if (action != Action.ACK && !target.policy().isApprover(identity)) {
      String why = identity + " is not an approver for " + target.target().id();
      recordRefusal(incidentId, action, identity, why);
      throw new HttpProblem(403, "forbidden", why);
    }
    if (action == Action.REJECT && (reason == null || reason.isBlank())) {
      recordRefusal(incidentId, action, identity, "a rejection needs a reason");
      throw new HttpProblem(422, "invalid", "a rejection needs a reason: {\"reason\": \"...\"}");
    }

    try {
      if (incidents.runningRunId(incidentId).isEmpty()) {
        throw new HttpProblem(404, "unknown", "no open incident " + incidentId);
      }
      if (action != Action.ACK && planId == null) {
        IncidentStatus status = incidents.status(incidentId);
        if (!status.awaitingApproval() || status.plan() == null) {
          String why = "no plan is awaiting approval (phase " + status.phase() + ")";
          recordRefusal(incidentId, action, identity, why);
          refused(ctx, incidentId, null, identity, why);
          return;
        }
        planId = status.plan().planId();
      }
      DecisionResult result;
      try {
        result = incidents.decide(incidentId, new DecisionRequest(action.decision, planId, identity, reason),
            DECISION_WAIT);
      } catch (IncidentControl.DecisionPendingException e) {
        Map<String, Object> out = answer(incidentId, planId, identity, action);
        out.put("accepted", null);
        out.put("pending", true);
        out.put("message", e.getMessage());
        ctx.status(202).json(out);
        return;
      }
      if (result.accepted()) {
        Map<String, Object> out = answer(incidentId, planId, identity, action);
        out.put("accepted", true);
        out.put("message", result.message());
        ctx.status(200).json(out);
      } else {
        refused(ctx, incidentId, planId, identity, result.message());
      }
    } catch (HttpProblem e) {
      throw e;
    } catch (WorkflowNotFoundException e) {
      throw new HttpProblem(404, "unknown", "no open incident " + incidentId);
    } catch (WorkflowUpdateException e) {
      throw new HttpProblem(422, "invalid", "the incident refused the request: " + AlertReceiver.describe(e));
    } catch (RuntimeException e) {
      throw new HttpProblem(503, "temporal_unavailable",
          "Temporal did not answer for " + incidentId + " (" + AlertReceiver.describe(e) + "); retry later");
    }
  }

  /**
   * A decision refused here, before the workflow saw it, still goes into the incident's timeline (the workflow's
   * {@code refused} signal: recorded, repeats counted, nothing else changes). Best effort: no open incident means
   * nothing to record in, and a Temporal failure must not change the answer (logged).
   */
  private void recordRefusal(String incidentId, Action action, String identity, String why) {
    try {
      incidents.recordRefusal(incidentId, new RefusedDecision(action.decision, identity, why));
    } catch (RuntimeException e) {
      log.warn("Could not record the refused {} by {} in {}: {}", action.decision, identity, incidentId,
          AlertReceiver.describe(e));
    }
  }

  private static void refused(Context ctx, String incidentId, String planId, String identity, String message) {
    Map<String, Object> out = answer(incidentId, planId, identity, null);
    out.put("accepted", false);
    out.put("error", message);
    ctx.status(409).json(out);
  }

  private static Map<String, Object> answer(String incidentId, String planId, String identity, Action action) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("incidentId", incidentId);
    if (action != null) {
      out.put("action", action.decision);
    }
    if (planId != null) {
      out.put("planId", planId);
    }
    out.put("by", identity);
    return out;
  }

  private static JsonNode body(Context ctx) {
    byte[] bytes = AlertReceiver.readBody(ctx, MAX_BODY_BYTES);
    if (bytes.length == 0) {
      return JSON.createObjectNode();
    }
    AlertReceiver.requireJson(ctx, "unsupported_media_type");
    JsonNode node;
    try {
      node = JSON.readTree(bytes);
    } catch (StreamConstraintsException e) {
      throw new HttpProblem(400, "malformed", UserMessages.jsonLimit(e));
    } catch (JsonProcessingException e) {
      throw new HttpProblem(400, "malformed", "malformed JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new HttpProblem(400, "malformed", "unreadable body: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw new HttpProblem(422, "invalid", "the body must be a JSON object {\"planId\"?, \"reason\"?}");
    }
    for (String f : new String[] {"planId", "reason"}) {
      JsonNode v = node.get(f);
      if (v != null && !v.isNull() && !v.isTextual()) {
        throw new HttpProblem(422, "invalid", "field '" + f + "' must be a string");
      }
    }
    if (node.has("approver") || node.has("by")) {
      throw new HttpProblem(422, "invalid", "the identity comes from the token; do not send 'approver' or 'by'");
    }
    return node;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
