package dev.remediator.starter;

import dev.remediator.runbook.dbpool.PoolReportSection;
import static dev.remediator.starter.IntakeFixture.ALICE_TOKEN;
import static dev.remediator.starter.IntakeFixture.AUTH;
import static dev.remediator.starter.IntakeFixture.BILLING;
import static dev.remediator.starter.IntakeFixture.MALLORY_TOKEN;
import static dev.remediator.starter.IntakeFixture.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentReport;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /incidents/{id}/approve|reject|ack} over HTTP, against the real workflow's decide update. */
class ApprovalApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final IntakeFixture fx = new IntakeFixture();

  private static HttpResponse<String> call(String incidentId, String action, String token, String body) {
    return fx.post("/incidents/" + incidentId + "/" + action, token, body == null ? null : "application/json",
        body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void approverApprovesThePendingPlanAndTheIncidentActs() throws Exception {
    // billing-service: its critical escalation is minutes away, so a slow machine cannot make this an escalation
    String plan = fx.fireAndAwaitPlan(BILLING);

    HttpResponse<String> r = call(BILLING, "approve", ALICE_TOKEN, "{\"reason\":\"leak confirmed\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).get("accepted").asBoolean()).isTrue();
    assertThat(json(r).get("planId").asText()).isEqualTo(plan);
    assertThat(json(r).get("by").asText()).isEqualTo("alice");
    IncidentReport report = fx.resolveWhenRecovered(BILLING);
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(report.timeline())
        .anyMatch(e -> e.actor().equals("alice") && e.event().contains("approved") && e.event().contains("leak"));
  }

  @Test
  void staleOrMissingPlanIsRefusedWithTheWorkflowsReason() throws Exception {
    String plan = fx.fireAndAwaitPlan(AUTH);

    HttpResponse<String> stale = call(AUTH, "approve", ALICE_TOKEN, "{\"planId\":\"plan-old\"}");

    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(json(stale).get("accepted").asBoolean()).isFalse();
    assertThat(json(stale).get("error").asText()).contains("plan-old is stale", plan);
    assertThat(fx.incidents.status(AUTH).awaitingApproval()).isTrue();
  }

  @Test
  void identityComesFromTheTokenNeverTheBody() throws Exception {
    fx.fireAndAwaitPlan(AUTH);

    HttpResponse<String> none = call(AUTH, "approve", null, null);
    HttpResponse<String> unknown = call(AUTH, "approve", "some-other-token-0123456789", null);
    HttpResponse<String> webhookToken = call(AUTH, "approve", IntakeFixture.WEBHOOK_TOKEN, null);
    HttpResponse<String> notApprover = call(AUTH, "approve", MALLORY_TOKEN, null);
    HttpResponse<String> claimsAlice = call(AUTH, "approve", MALLORY_TOKEN, "{\"approver\":\"alice\"}");

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(webhookToken.statusCode()).isEqualTo(401);
    assertThat(notApprover.statusCode()).isEqualTo(403);
    assertThat(json(notApprover).get("error").asText()).contains("mallory is not an approver");
    assertThat(claimsAlice.statusCode()).isEqualTo(422);
    assertThat(json(claimsAlice).get("error").asText()).contains("identity comes from the token");
    assertThat(fx.incidents.status(AUTH).awaitingApproval()).isTrue();
  }

  @Test
  void everyRefusedDecisionIsInTheTimelineRepeatsCountedOnOneLine() throws Exception {
    String plan = fx.fireAndAwaitPlan(AUTH);

    // Refused by the API before the workflow sees them (403, 422), and by the workflow (409), each three times.
    for (int i = 0; i < 3; i++) {
      assertThat(call(AUTH, "approve", MALLORY_TOKEN, null).statusCode()).isEqualTo(403);
      assertThat(call(AUTH, "reject", MALLORY_TOKEN, "{\"reason\":\"no\"}").statusCode()).isEqualTo(403);
      assertThat(call(AUTH, "reject", ALICE_TOKEN, "{}").statusCode()).isEqualTo(422);
      assertThat(call(AUTH, "approve", ALICE_TOKEN, "{\"planId\":\"plan-old\"}").statusCode()).isEqualTo(409);
    }

    String target = "prod/auth-service/authdb";
    java.util.List<String> expected = java.util.List.of(
        "mallory | Refused approve ×3: mallory is not an approver for " + target,
        "mallory | Refused reject ×3: mallory is not an approver for " + target,
        "alice | Refused reject ×3: a rejection needs a reason",
        "alice | Refused approve ×3: plan plan-old is stale; the pending plan is " + plan);
    // The refusals signalled by the API are appended when the workflow task in flight ends: await them.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(fx.incidents.status(AUTH).timeline().stream()
            .filter(e -> e.event().startsWith("Refused")).map(e -> e.actor() + " | " + e.event()))
            .containsExactlyInAnyOrderElementsOf(expected));
    assertThat(fx.incidents.status(AUTH).awaitingApproval()).isTrue();
  }

  @Test
  void oversizedOrDeeplyNestedBodiesAreRefusedInOurWords() throws Exception {
    fx.fireAndAwaitPlan(AUTH);

    HttpResponse<String> big =
        call(AUTH, "approve", ALICE_TOKEN, "{\"reason\":\"" + "x".repeat(ApprovalApi.MAX_BODY_BYTES) + "\"}");
    HttpResponse<String> deep =
        call(AUTH, "approve", ALICE_TOKEN, "{\"reason\":" + "[".repeat(2000) + "]".repeat(2000) + "}");

    assertThat(big.statusCode()).as(big.body()).isEqualTo(413);
    assertThat(json(big).get("error").asText()).startsWith("request body exceeds the limit of 16 KiB (16384 bytes): ");
    assertThat(deep.statusCode()).as(deep.body()).isEqualTo(400);
    assertThat(json(deep).get("error").asText()).isEqualTo("JSON nested deeper than 1000 levels");
    assertThat(fx.incidents.status(AUTH).awaitingApproval()).isTrue();
  }

  @Test
  void unknownOrClosedIncidentIsNotFound() throws Exception {
    HttpResponse<String> unconfigured = call("dbpool:prod:nope:nodb", "approve", ALICE_TOKEN, null);
    HttpResponse<String> notOpen = call(BILLING, "ack", ALICE_TOKEN, null);

    assertThat(unconfigured.statusCode()).isEqualTo(404);
    assertThat(json(unconfigured).get("error").asText()).contains("unknown incident dbpool:prod:nope:nodb");
    assertThat(notOpen.statusCode()).isEqualTo(404);
    assertThat(json(notOpen).get("error").asText()).contains("no open incident " + BILLING);
  }

  @Test
  void rejectNeedsAReasonAndStopsThePlan() throws Exception {
    fx.fireAndAwaitPlan(BILLING);

    HttpResponse<String> noReason = call(BILLING, "reject", ALICE_TOKEN, "{}");
    HttpResponse<String> badType = call(BILLING, "reject", ALICE_TOKEN, "{\"reason\": 5}");
    HttpResponse<String> badJson = call(BILLING, "reject", ALICE_TOKEN, "{\"reason\":");
    HttpResponse<String> rejected = call(BILLING, "reject", ALICE_TOKEN, "{\"reason\":\"not now\"}");

    assertThat(noReason.statusCode()).isEqualTo(422);
    assertThat(badType.statusCode()).isEqualTo(422);
    assertThat(json(badType).get("error").asText()).contains("'reason' must be a string");
    assertThat(badJson.statusCode()).isEqualTo(400);
    assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(200);
    // Rejected: nothing is done, the incident is watched until Alertmanager resolves it.
    assertThat(fx.webhook(resolvedFor("billing-service", "billingdb")).statusCode()).isEqualTo(200);
    IncidentReport report = fx.incidents.result(BILLING, IncidentReport.class);
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RESOLVED);
    assertThat(PoolReportSection.of(report).sessionsTerminated()).isZero();
  }

  @Test
  void acknowledgeIsRecordedWithTheTokensIdentity() throws Exception {
    fx.fireAndAwaitPlan(AUTH);
    await().atMost(Duration.ofSeconds(10)).until(() -> fx.incidents.status(AUTH).escalatedTo() != null);

    HttpResponse<String> r = call(AUTH, "ack", MALLORY_TOKEN, "{\"reason\":\"on it\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).get("by").asText()).isEqualTo("mallory");
    assertThat(fx.incidents.status(AUTH).timeline())
        .anyMatch(e -> e.actor().equals("mallory") && e.event().contains("Acknowledged"));
  }

  /** Alertmanager's resolved notification for billing-service (its fingerprint in grouped-mixed.json). */
  static byte[] resolvedFor(String service, String database) throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode payload =
        (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(resource("resolved.json"));
    com.fasterxml.jackson.databind.node.ObjectNode labels =
        (com.fasterxml.jackson.databind.node.ObjectNode) payload.at("/alerts/0/labels");
    labels.put("service", service).put("database", database);
    ((com.fasterxml.jackson.databind.node.ObjectNode) payload.at("/alerts/0")).put("fingerprint", "5d1c0e7a2b9f4c11");
    return new ObjectMapper().writeValueAsBytes(payload);
  }
}
