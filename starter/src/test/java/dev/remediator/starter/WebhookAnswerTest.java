package dev.remediator.starter;

import static dev.remediator.starter.AlertReceiverTest.bytes;
import static dev.remediator.starter.AlertReceiverTest.json;
import static dev.remediator.starter.AlertReceiverTest.payload;
import static dev.remediator.starter.IntakeFixture.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The webhook's answer, byte for byte: field names, their order, and which fields an entry leaves out (an ignored alert
 * names no outcome; one for no configured target names no incident). Alertmanager only reads the status, but operators
 * and scripts read the body, so its shape is pinned here.
 */
class WebhookAnswerTest {
  @RegisterExtension static final IntakeFixture fx = new IntakeFixture();

  private static String ok(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  @Test
  void groupedDeliveryListsAcceptedThenIgnoredWithTheirFieldsInOrder() {
    assertThat(ok(fx.webhook(resource("grouped-mixed.json")))).isEqualTo("""
        {"received":3,"acceptedCount":2,"accepted":[\
        {"index":0,"alertname":"DatabaseConnectionPoolCritical","status":"firing","fingerprint":"98606b87143f2dc9",\
        "incidentId":"dbpool:prod:auth-service:authdb","outcome":"started"},\
        {"index":1,"alertname":"DatabaseConnectionPoolCritical","status":"firing","fingerprint":"5d1c0e7a2b9f4c11",\
        "incidentId":"dbpool:prod:billing-service:billingdb","outcome":"started"}],\
        "ignoredCount":1,"ignored":[\
        {"index":2,"alertname":"DatabaseConnectionPoolCritical","status":"resolved","fingerprint":"0c7f3a91e2d84b56",\
        "incidentId":"dbpool:prod:orders-service:ordersdb",\
        "reason":"resolved, and no incident is open for dbpool:prod:orders-service:ordersdb"}]}""");
  }

  @Test
  void aRepeatIsDuplicateAndTheSecondAlertOfANewIncidentIsSignalled() throws Exception {
    ObjectNode two = payload("firing-critical.json");
    ObjectNode second = ((ObjectNode) two.at("/alerts/0")).deepCopy();
    second.put("fingerprint", "00000000000000aa");
    ((ArrayNode) two.get("alerts")).add(second);
    String alert = "\"alertname\":\"DatabaseConnectionPoolCritical\",\"status\":\"firing\",";
    String auth = "\"incidentId\":\"dbpool:prod:auth-service:authdb\"";

    assertThat(ok(fx.webhook(bytes(two)))).isEqualTo(
        "{\"received\":2,\"acceptedCount\":2,\"accepted\":["
            + "{\"index\":0," + alert + "\"fingerprint\":\"98606b87143f2dc9\"," + auth + ",\"outcome\":\"started\"},"
            + "{\"index\":1," + alert + "\"fingerprint\":\"00000000000000aa\"," + auth + ",\"outcome\":\"signalled\"}],"
            + "\"ignoredCount\":0,\"ignored\":[]}");
    assertThat(ok(fx.webhook(resource("firing-critical.json")))).isEqualTo(
        "{\"received\":1,\"acceptedCount\":1,\"accepted\":["
            + "{\"index\":0," + alert + "\"fingerprint\":\"98606b87143f2dc9\"," + auth + ",\"outcome\":\"duplicate\"}],"
            + "\"ignoredCount\":0,\"ignored\":[]}");
  }

  @Test
  void ignoredAlertsWithoutATargetOrARunbookNameNoIncident() throws Exception {
    ObjectNode p = payload("firing-critical.json");
    ObjectNode noRunbook = ((ObjectNode) p.at("/alerts/0")).deepCopy();
    ((ObjectNode) noRunbook.get("labels")).put("alertname", "SomethingElse");
    noRunbook.remove("fingerprint"); // optional in the payload: answered as null, not left out
    ((ObjectNode) p.at("/alerts/0/labels")).put("namespace", "staging");
    ((ArrayNode) p.get("alerts")).add(noRunbook);

    String body = ok(fx.webhook(bytes(p)));

    assertThat(body).startsWith("{\"received\":2,\"acceptedCount\":0,\"accepted\":[],\"ignoredCount\":2,\"ignored\":["
        + "{\"index\":0,\"alertname\":\"DatabaseConnectionPoolCritical\",\"status\":\"firing\","
        + "\"fingerprint\":\"98606b87143f2dc9\",\"reason\":\"")
        .contains("},{\"index\":1,\"alertname\":\"SomethingElse\",\"status\":\"firing\","
            + "\"fingerprint\":null,\"reason\":\"no runbook for alert SomethingElse (handled: "
            + String.join(", ", AlertReceiver.RUNBOOK_ALERTS) + ")\"}]}")
        .doesNotContain("incidentId", "outcome");
    assertThat(json(fx.webhook(bytes(p))).at("/ignored/0/reason").asText()).contains("staging/auth-service/authdb");
  }

  @Test
  void listsAreCutAtMaxListedWhileTheCountsGiveTheTotals() throws Exception {
    ObjectNode p = payload("firing-critical.json");
    ObjectNode one = (ObjectNode) p.at("/alerts/0");
    ((ObjectNode) one.get("labels")).put("namespace", "staging");
    ArrayNode alerts = p.putArray("alerts");
    for (int i = 0; i <= AlertReceiver.MAX_LISTED; i++) {
      alerts.add(one.deepCopy().put("fingerprint", String.format("%016x", i)));
    }

    var body = json(fx.webhook(bytes(p)));

    assertThat(body.get("ignoredCount").asInt()).isEqualTo(AlertReceiver.MAX_LISTED + 1);
    assertThat(body.get("ignored")).hasSize(AlertReceiver.MAX_LISTED);
    assertThat(body.at("/ignored/99/index").asInt()).isEqualTo(AlertReceiver.MAX_LISTED - 1);
  }
}
