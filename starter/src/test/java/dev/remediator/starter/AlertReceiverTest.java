package dev.remediator.starter;

import dev.remediator.runbook.dbpool.PoolReportSection;
import static dev.remediator.starter.IntakeFixture.AUTH;
import static dev.remediator.starter.IntakeFixture.BILLING;
import static dev.remediator.starter.IntakeFixture.ORDERS;
import static dev.remediator.starter.IntakeFixture.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remediator.registry.Runbooks;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The webhook receiver over real HTTP, against the embedded Temporal server and the real incident workflow. */
class AlertReceiverTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final IntakeFixture fx = new IntakeFixture();

  static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + r.body(), e);
    }
  }

  static ObjectNode payload(String name) throws Exception {
    return (ObjectNode) JSON.readTree(resource(name));
  }

  static byte[] bytes(JsonNode node) throws Exception {
    return JSON.writeValueAsBytes(node);
  }

  @Test
  void firingAlertStartsOneIncidentAndARepeatLandsInIt() {
    double started = fx.metric("remediator_incidents_started_total");
    HttpResponse<String> first = fx.webhook(resource("firing-critical.json"));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(json(first).at("/accepted/0/incidentId").asText()).isEqualTo(AUTH);
    assertThat(json(first).at("/accepted/0/outcome").asText()).isEqualTo("started");
    String run = fx.describe(AUTH).orElseThrow().getExecution().getRunId();

    long signals = fx.signals(AUTH);
    HttpResponse<String> repeat = fx.webhook(resource("firing-critical.json"));
    assertThat(repeat.statusCode()).isEqualTo(200);
    // Temporal accepted exactly this alert already: answered without a call, nothing reaches the history.
    assertThat(json(repeat).at("/accepted/0/outcome").asText()).isEqualTo("duplicate");
    assertThat(fx.signals(AUTH)).isEqualTo(signals);

    assertThat(fx.describe(AUTH).orElseThrow().getExecution().getRunId()).isEqualTo(run);
    assertThat(fx.openRuns(AUTH)).isEqualTo(1);
    assertThat(fx.metric("remediator_incidents_started_total")).isEqualTo(started + 1);
  }

  @Test
  void groupedPayloadReachesEachTargetAndResolvedStartsNothing() {
    HttpResponse<String> r = fx.webhook(resource("grouped-mixed.json"));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.get("received").asInt()).isEqualTo(3);
    assertThat(body.get("accepted")).hasSize(2);
    assertThat(body.at("/accepted/0/incidentId").asText()).isEqualTo(AUTH);
    assertThat(body.at("/accepted/1/incidentId").asText()).isEqualTo(BILLING);
    assertThat(body.get("ignoredCount").asInt()).isEqualTo(1);
    assertThat(body.at("/ignored/0/index").asInt()).isEqualTo(2);
    assertThat(body.at("/ignored/0/reason").asText()).contains("resolved", ORDERS);
    assertThat(fx.openRuns(AUTH)).isEqualTo(1);
    assertThat(fx.openRuns(BILLING)).isEqualTo(1);
    assertThat(fx.describe(ORDERS)).isEmpty();
  }

  @Test
  void resolvedAlertWithoutIncidentStartsNothing() {
    double ignored = fx.metric("remediator_alerts_ignored_total{reason=\"resolved_without_incident\"}");
    HttpResponse<String> r = fx.webhook(resource("resolved.json"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("accepted")).isEmpty();
    assertThat(json(r).at("/ignored/0/reason").asText()).contains("no incident is open");
    assertThat(fx.running(AUTH)).isFalse();
    assertThat(fx.metric("remediator_alerts_ignored_total{reason=\"resolved_without_incident\"}"))
        .isEqualTo(ignored + 1);
  }

  @Test
  void resolvedAlertIsSignalledToTheOpenIncident() {
    assertThat(fx.webhook(resource("firing-critical.json")).statusCode()).isEqualTo(200);
    HttpResponse<String> r = fx.webhook(resource("resolved.json"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).at("/accepted/0/outcome").asText()).isEqualTo("signalled");
    // Resolved before anyone approved the plan: the incident closes and nothing was done.
    var report = fx.incidents.result(AUTH, dev.remediator.incident.IncidentReport.class);
    assertThat(report.outcome()).isEqualTo(dev.remediator.incident.IncidentOutcome.RESOLVED);
    assertThat(PoolReportSection.of(report).sessionsTerminated()).isZero();
    assertThat(report.timeline()).anyMatch(e -> e.event().contains("resolved"));
    assertThat(fx.openRuns(AUTH)).isZero();
  }

  @Test
  void unconfiguredTargetIsIgnoredCountedAndListed() throws Exception {
    ObjectNode p = payload("firing-warning.json");
    ((ObjectNode) p.at("/alerts/0/labels")).put("namespace", "staging");
    double ignored = fx.metric("remediator_alerts_ignored_total{reason=\"unknown_target\"}");

    HttpResponse<String> r = fx.webhook(bytes(p));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("accepted")).isEmpty();
    assertThat(json(r).get("ignoredCount").asInt()).isEqualTo(1);
    assertThat(json(r).at("/ignored/0/reason").asText()).contains("staging/auth-service/authdb");
    assertThat(fx.metric("remediator_alerts_ignored_total{reason=\"unknown_target\"}")).isEqualTo(ignored + 1);
    assertThat(fx.running(AUTH)).isFalse();
    assertThat(fx.describe("dbpool:staging:auth-service:authdb")).isEmpty();
  }

  @Test
  void alertWithoutARunbookForAConfiguredTargetIsIgnoredCountedAndListed() throws Exception {
    ObjectNode p = payload("firing-critical.json");
    ((ObjectNode) p.at("/alerts/0/labels")).put("alertname", "DatabaseReplicationLagHigh");
    double ignored = fx.metric("remediator_alerts_ignored_total{reason=\"unknown_alert\"}");

    HttpResponse<String> r = fx.webhook(bytes(p));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).get("accepted")).isEmpty();
    assertThat(json(r).get("ignoredCount").asInt()).isEqualTo(1);
    assertThat(json(r).at("/ignored/0/reason").asText())
        .contains("no runbook for alert DatabaseReplicationLagHigh", "DatabaseConnectionPoolCritical");
    assertThat(fx.metric("remediator_alerts_ignored_total{reason=\"unknown_alert\"}")).isEqualTo(ignored + 1);
    assertThat(fx.running(AUTH)).isFalse();
  }

  @Test
  void highAvailabilityDuplicatesMakeOneIncident() throws Exception {
    double started = fx.metric("remediator_incidents_started_total");
    ObjectNode peer = payload("firing-critical.json");
    peer.put("externalURL", "http://alertmanager-1:9093"); // the HA peer's copy differs in its own URL only
    List<byte[]> deliveries = List.of(resource("firing-critical.json"), bytes(peer), resource("firing-critical.json"),
        bytes(peer));
    ExecutorService pool = Executors.newFixedThreadPool(deliveries.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (byte[] d : deliveries) {
        answers.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return fx.webhook(d);
        }, pool));
      }
      go.countDown();
      List<String> outcomes = new ArrayList<>();
      for (var a : answers) {
        HttpResponse<String> r = a.get();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        outcomes.add(json(r).at("/accepted/0/outcome").asText());
      }
      assertThat(outcomes).containsOnlyOnce("started");
    } finally {
      pool.shutdownNow();
    }
    assertThat(fx.openRuns(AUTH)).isEqualTo(1);
    assertThat(fx.metric("remediator_incidents_started_total")).isEqualTo(started + 1);
  }

  @Test
  void aNewIncidentIsOneStartCarryingTheDeliveryAndAnotherReceiversFirstDeliveryIsSignalled() {
    var target = fx.config.targets().stream().filter(t -> Runbooks.fallback().incidentId(t.target()).equals(AUTH)).findFirst()
        .orElseThrow();
    var critical = new dev.remediator.incident.Alert("DatabaseConnectionPoolCritical", "critical", "firing", "fp-c",
        "2026-12-06T01:00:00Z", null);
    var high = new dev.remediator.incident.Alert("DatabaseConnectionPoolHigh", "warning", "firing", "fp-h",
        "2026-12-06T01:00:00Z", null);

    // One receiver (new, as after a restart): the start's input carries both alerts, and no signal follows.
    var started = new AlertDelivery(fx.temporal, fx.config).deliver(target, List.of(high, critical));
    assertThat(started.outcome()).isEqualTo(AlertDelivery.Delivery.STARTED);
    assertThat(fx.signals(AUTH)).isEqualTo(1);
    assertThat(fx.connection.client().fetchHistory(AUTH).getHistory().getEventsList())
        .noneMatch(e -> e.hasWorkflowExecutionSignaledEventAttributes());
    assertThat(fx.incidents.status(AUTH).alerts()).extracting(a -> a.alertName())
        .contains("DatabaseConnectionPoolHigh", "DatabaseConnectionPoolCritical");

    // Another receiver (its own client, nothing seen yet) with a change: the start finds the run open, so the
    // delivery follows as a signal to that run; still one run.
    var peer = new AlertDelivery(fx.temporal, fx.config);
    var resolvedHigh = new dev.remediator.incident.Alert("DatabaseConnectionPoolHigh", "warning", "resolved", "fp-h",
        "2026-12-06T01:00:00Z", null);
    var signalled = peer.deliver(target, List.of(resolvedHigh, critical));
    assertThat(signalled.outcome()).isEqualTo(AlertDelivery.Delivery.SIGNALLED);
    assertThat(signalled.runId()).isEqualTo(started.runId());
    // A signal that reaches a run while its workflow task is in flight is appended to the history when the task ends.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(fx.signals(AUTH)).isEqualTo(2));
    assertThat(fx.openRuns(AUTH)).isEqualTo(1);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(fx.incidents.status(AUTH).alerts())
            .anyMatch(a -> a.alertName().equals("DatabaseConnectionPoolHigh") && !a.firing()));
  }

  @Test
  void twoReceiversRacingOnANewIncidentStartItOnce() throws Exception {
    var target = fx.config.targets().stream().filter(t -> Runbooks.fallback().incidentId(t.target()).equals(AUTH)).findFirst()
        .orElseThrow();
    var critical = new dev.remediator.incident.Alert("DatabaseConnectionPoolCritical", "critical", "firing", "fp-c",
        "2026-12-06T01:00:00Z", null);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<AlertDelivery.DeliveryResult>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        var client = new AlertDelivery(fx.temporal, fx.config); // four receivers
        results.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return client.deliver(target, List.of(critical));
        }, pool));
      }
      go.countDown();
      List<AlertDelivery.Delivery> outcomes = new ArrayList<>();
      for (var r : results) {
        outcomes.add(r.get().outcome());
      }
      assertThat(outcomes).containsOnlyOnce(AlertDelivery.Delivery.STARTED)
          .containsOnly(AlertDelivery.Delivery.STARTED, AlertDelivery.Delivery.SIGNALLED);
      assertThat(results).extracting(r -> r.get().runId()).containsOnly(results.get(0).get().runId());
    } finally {
      pool.shutdownNow();
    }
    assertThat(fx.openRuns(AUTH)).isEqualTo(1);
  }

  @Test
  void missingOrWrongTokenIsRefused() {
    double rejected = fx.metric("remediator_alerts_rejected_total{reason=\"unauthorized\"}");
    HttpResponse<String> none =
        fx.post(AlertReceiver.WEBHOOK_PATH, null, "application/json", resource("firing-critical.json"));
    HttpResponse<String> wrong =
        fx.post(AlertReceiver.WEBHOOK_PATH, "not-the-token", "application/json", resource("firing-critical.json"));
    HttpResponse<String> apiToken = fx.post(AlertReceiver.WEBHOOK_PATH, IntakeFixture.ALICE_TOKEN,
        "application/json", resource("firing-critical.json"));

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(json(none).get("error").asText()).contains("missing bearer token");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(json(wrong).get("error").asText()).contains("wrong bearer token");
    assertThat(apiToken.statusCode()).isEqualTo(401);
    assertThat(fx.running(AUTH)).isFalse();
    assertThat(fx.metric("remediator_alerts_rejected_total{reason=\"unauthorized\"}")).isEqualTo(rejected + 3);
  }

  @Test
  void wrongContentTypeIsRefused() {
    HttpResponse<String> r = fx.post(AlertReceiver.WEBHOOK_PATH, IntakeFixture.WEBHOOK_TOKEN, "text/plain",
        resource("firing-critical.json"));
    HttpResponse<String> none =
        fx.post(AlertReceiver.WEBHOOK_PATH, IntakeFixture.WEBHOOK_TOKEN, null, resource("firing-critical.json"));

    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(json(r).get("error").asText()).contains("application/json", "text/plain");
    assertThat(none.statusCode()).isEqualTo(415);
    assertThat(fx.running(AUTH)).isFalse();
  }

  @Test
  void malformedAndTruncatedBodiesAreRefusedWithTheirPosition() {
    byte[] full = resource("firing-critical.json");
    byte[] truncated = java.util.Arrays.copyOf(full, full.length / 2);

    HttpResponse<String> cut = fx.webhook(truncated);
    HttpResponse<String> notJson = fx.webhook("alert!".getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> empty = fx.webhook(new byte[0]);
    HttpResponse<String> trailing = fx.webhook((new String(full, StandardCharsets.UTF_8) + "}").getBytes());

    assertThat(cut.statusCode()).isEqualTo(400);
    assertThat(json(cut).get("error").asText()).startsWith("malformed JSON at line");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(json(empty).get("error").asText()).contains("empty body");
    assertThat(trailing.statusCode()).isEqualTo(400);
    assertThat(fx.running(AUTH)).isFalse();
  }

  @Test
  void wrongTypedPayloadsNameTheFieldAndTheAlert() throws Exception {
    ObjectNode alertsNotArray = payload("grouped-mixed.json");
    alertsNotArray.set("alerts", JSON.createObjectNode());
    ObjectNode missingAlertname = payload("grouped-mixed.json");
    ((ObjectNode) missingAlertname.at("/alerts/1/labels")).remove("alertname");
    ObjectNode numberLabel = payload("grouped-mixed.json");
    ((ObjectNode) numberLabel.at("/alerts/2/labels")).put("service", 42);
    ObjectNode badStatus = payload("grouped-mixed.json");
    ((ObjectNode) badStatus.at("/alerts/0")).put("status", "pending");
    ObjectNode oldVersion = payload("firing-critical.json");
    oldVersion.put("version", "3");
    ObjectNode alertNotObject = payload("grouped-mixed.json");
    ((ArrayNode) alertNotObject.get("alerts")).set(1, JSON.getNodeFactory().textNode("x"));

    assertRefused(alertsNotArray, "field 'alerts' must be an array, got an object");
    assertRefused(missingAlertname, "alerts[1].labels.alertname is missing");
    assertRefused(numberLabel, "alerts[2].labels.service must be a string, got a number");
    assertRefused(badStatus, "alerts[0].status must be \"firing\" or \"resolved\", got \"pending\"");
    assertRefused(oldVersion, "unsupported webhook version \"3\"");
    assertRefused(alertNotObject, "alerts[1] must be an object, got a string");
    assertRefused(JSON.createArrayNode(), "the payload must be a JSON object, got an array");
    // a valid first alert is not acted on when a later one is invalid: nothing changes
    assertThat(fx.running(AUTH)).isFalse();
    assertThat(fx.running(BILLING)).isFalse();
  }

  private static void assertRefused(JsonNode payload, String message) throws Exception {
    HttpResponse<String> r = fx.webhook(bytes(payload));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
    assertThat(json(r).get("error").asText()).contains(message);
  }

  @Test
  void deeplyNestedJsonIsRefusedInOurWords() throws Exception {
    byte[] deep = ("{\"version\":\"4\",\"alerts\":" + "[".repeat(5000) + "]".repeat(5000) + "}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    HttpResponse<String> r = fx.webhook(deep);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(json(r).get("error").asText()).isEqualTo("JSON nested deeper than 1000 levels");
    assertThat(fx.running(AUTH)).isFalse();
  }

  @Test
  void oversizedBodiesAreRefusedWithTheLimit() throws Exception {
    ObjectNode big = payload("firing-critical.json");
    big.put("padding", "x".repeat(AlertReceiver.MAX_BODY_BYTES));
    byte[] body = bytes(big);
    double rejected = fx.metric("remediator_alerts_rejected_total{reason=\"too_large\"}");

    HttpResponse<String> declared = fx.webhook(body);
    // without Content-Length: chunked transfer encoding, the size is known only while reading
    HttpResponse<String> chunked =
        fx.send(
            HttpRequest.newBuilder(URI.create(fx.url(AlertReceiver.WEBHOOK_PATH)))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + IntakeFixture.WEBHOOK_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build());

    assertThat(declared.statusCode()).isEqualTo(413);
    assertThat(json(declared).get("error").asText()).contains("limit of 1 MiB (1048576 bytes): ");
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(json(chunked).get("error").asText()).contains("limit of 1 MiB (1048576 bytes): ");
    assertThat(fx.metric("remediator_alerts_rejected_total{reason=\"too_large\"}")).isEqualTo(rejected + 2);
    assertThat(fx.running(AUTH)).isFalse();

    // just under the limit is fine
    ObjectNode fits = payload("firing-critical.json");
    int room = AlertReceiver.MAX_BODY_BYTES - bytes(fits).length - 20;
    fits.put("padding", "x".repeat(room));
    assertThat(fx.webhook(bytes(fits)).statusCode()).isEqualTo(200);
  }

  @Test
  void healthReadinessAndMetrics() {
    assertThat(fx.webhook(resource("firing-critical.json")).statusCode()).isEqualTo(200);

    assertThat(fx.get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = fx.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(json(ready).get("temporal").asText()).isEqualTo("reachable");
    assertThat(fx.get("/nope").statusCode()).isEqualTo(404);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              HttpResponse<String> m = fx.get("/metrics");
              assertThat(m.statusCode()).isEqualTo(200);
              assertThat(m.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
              assertThat(m.body())
                  .contains("remediator_alerts_received_total ")
                  .contains("remediator_alerts_ignored_total{reason=\"unknown_target\"}")
                  .contains("remediator_alerts_rejected_total{reason=\"temporal_unavailable\"}")
                  .contains("remediator_incidents_started_total ")
                  .contains("remediator_receiver_requests_total{code=\"200\",path=\"/webhooks/alertmanager\"}")
                  .contains("remediator_receiver_requests_total{code=\"404\",path=\"unmatched\"}")
                  // the Temporal SDK's own client metrics, through tally and Micrometer
                  .contains("temporal_request_total{");
            });
  }

  static ObjectNode alert(String name, String severity, String... labels) {
    ObjectNode a = JSON.createObjectNode();
    a.put("status", "firing");
    ObjectNode l = a.putObject("labels");
    l.put("alertname", name);
    l.put("severity", severity);
    for (int i = 0; i < labels.length; i += 2) {
      l.put(labels[i], labels[i + 1]);
    }
    a.putObject("annotations").put("summary", name);
    a.put("startsAt", "2026-11-29T20:05:00Z");
    a.put("endsAt", "0001-01-01T00:00:00Z");
    a.put("fingerprint", Integer.toHexString((name + labels.length).hashCode()));
    return a;
  }

  @Test
  void serviceDownAndCrashLoopingOfOneDeploymentAreOneServiceDownIncident() throws Exception {
    ObjectNode p = payload("firing-critical.json");
    ArrayNode alerts = p.putArray("alerts");
    alerts.add(alert("ServiceDown", "critical", "namespace", "prod", "service", "auth-service"));
    alerts.add(alert("KubePodCrashLooping", "warning", "namespace", "prod", "pod", "auth-service-7d9f8c6b5-x2x4q",
        "container", "auth-service"));
    // billing-service has no kubernetes.deployment: nothing the Service Down runbook may act on.
    alerts.add(alert("ServiceDown", "critical", "namespace", "prod", "service", "billing-service"));
    // A pod name that is not a Deployment's pod of a configured target.
    alerts.add(alert("KubePodCrashLooping", "warning", "namespace", "prod", "pod", "auth-service-0"));
    // web has no database: a target for the Service Down runbook only.
    alerts.add(alert("ServiceDown", "critical", "namespace", "prod", "service", "web"));

    HttpResponse<String> r = fx.webhook(bytes(p));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.get("accepted")).hasSize(3);
    assertThat(body.at("/accepted/0/incidentId").asText()).isEqualTo(IntakeFixture.AUTH_DOWN);
    assertThat(body.at("/accepted/1/incidentId").asText()).isEqualTo(IntakeFixture.AUTH_DOWN);
    assertThat(body.at("/accepted/2/incidentId").asText()).isEqualTo(IntakeFixture.WEB_DOWN);
    assertThat(fx.openRuns(IntakeFixture.WEB_DOWN)).isEqualTo(1);
    assertThat(body.get("ignoredCount").asInt()).isEqualTo(2);
    assertThat(body.at("/ignored/0/reason").asText()).startsWith("no configured target of runbook servicedown");
    assertThat(fx.openRuns(IntakeFixture.AUTH_DOWN)).isEqualTo(1);
    // The pool incident of the same target is another incident, not started by these alerts.
    assertThat(fx.running(AUTH)).isFalse();
  }

  @Test
  void databasePerformanceAlertsOfOneDatabaseAreOneIncident() throws Exception {
    ObjectNode p = payload("firing-critical.json");
    ArrayNode alerts = p.putArray("alerts");
    // postgres_exporter names the database datname; the rules keep the namespace
    alerts.add(alert("PostgresLockWaits", "critical", "datname", "ordersdb", "namespace", "prod"));
    alerts.add(alert("PostgresLongRunningTransaction", "warning", "datname", "ordersdb", "namespace", "prod",
        "instance", "db-0:9187"));
    // a database no target names
    alerts.add(alert("PostgresDeadlocks", "warning", "datname", "inventory", "namespace", "prod"));

    HttpResponse<String> r = fx.webhook(bytes(p));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.get("accepted")).hasSize(2);
    assertThat(body.at("/accepted/0/incidentId").asText()).isEqualTo(IntakeFixture.ORDERS_PERF);
    assertThat(body.at("/accepted/1/incidentId").asText()).isEqualTo(IntakeFixture.ORDERS_PERF);
    assertThat(body.get("ignoredCount").asInt()).isEqualTo(1);
    assertThat(body.at("/ignored/0/reason").asText()).isEqualTo("no configured target of runbook dbperf has database"
        + " inventory in namespace prod with a postgres.url (alert PostgresDeadlocks)");
    assertThat(fx.openRuns(IntakeFixture.ORDERS_PERF)).isEqualTo(1);
    // the pool incident of the same target is another incident, not started by these alerts
    assertThat(fx.running(ORDERS)).isFalse();
  }

  @Test
  void theIncidentGetsTheAlertsOtherLabelsBounded() {
    java.util.Map<String, String> labels = new java.util.HashMap<>(java.util.Map.of(
        "alertname", "KubePodCrashLooping", "severity", "warning", "namespace", "prod",
        "pod", "auth-service-7d9f8c6b5-x2x4q", "container", "auth-service", "note", "x".repeat(1000)));
    for (int i = 0; i < 40; i++) {
      labels.put("z" + i, "v");
    }
    var alert = AlertReceiver.toAlert(new AlertmanagerPayload.AlertmanagerAlert(
        "firing", labels, java.util.Map.of("summary", "crash looping"), "2026-11-29T20:06:00Z", null, "c0ffee"));

    assertThat(alert.label("pod")).isEqualTo("auth-service-7d9f8c6b5-x2x4q");
    assertThat(alert.labels()).containsEntry("namespace", "prod").doesNotContainKeys("alertname", "severity")
        .hasSize(AlertReceiver.MAX_LABELS);
    assertThat(alert.label("note")).hasSize(AlertReceiver.MAX_LABEL_VALUE);
  }
}
