package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * A corpus of bad webhooks and approval calls against the real receiver process, with a worker running and a real
 * leak in PostgreSQL. Each gets a clear answer (4xx naming the problem, or 200 listing the alert as ignored where the
 * documented behaviour is to ignore: unknown targets and alerts without a runbook), starts nothing, touches nothing.
 */
class BadInputIT extends Scenario {
  private static final int TEN_MIB = 10 * 1024 * 1024;

  /** One bad request and what the answer must be. */
  private record Case(String name, int status, String says, java.util.function.Supplier<HttpResponse<String>> send) {}

  @Test
  @DisplayName("bad input corpus: clear 4xx or listed as ignored, nothing started, nothing touched")
  void badInputCorpus(TestInfo info) throws Exception {
    leakingStack(info, Map.of());
    Path canary = stack.dir.resolve("pwned");
    List<Case> corpus = new ArrayList<>();
    byte[] valid = Stack.payload("firing-critical.json");

    corpus.add(webhook("malformed JSON", 400, "malformed JSON at line", "{\"version\": \"4\", \"alerts\": [".getBytes()));
    corpus.add(webhook("truncated body", 400, "malformed JSON", Arrays.copyOf(valid, valid.length * 3 / 5)));
    corpus.add(webhook("empty body", 400, "empty body", new byte[0]));
    corpus.add(webhook("trailing garbage", 400, "malformed JSON", (new String(valid) + "}{").getBytes()));
    corpus.add(webhook("10 MiB body", 413, "exceeds the limit of 1 MiB (1048576 bytes)", huge()));
    corpus.add(new Case("10 MiB chunked body (no Content-Length)", 413, "exceeds the limit",
        () -> chunked(huge())));
    corpus.add(webhook("not an object", 422, "must be a JSON object", "[1, 2]".getBytes()));
    corpus.add(webhook("wrong version", 422, "unsupported webhook version", edit(valid, p -> p.put("version", "3"))));
    corpus.add(webhook("alerts not an array", 422, "'alerts' must be an array",
        edit(valid, p -> p.put("alerts", "all of them"))));
    corpus.add(webhook("label of the wrong type", 422, "alerts[0].labels.service must be a string, got a number",
        edit(valid, p -> labels(p).put("service", 42))));
    corpus.add(webhook("status of the wrong value", 422, "alerts[0].status must be \"firing\" or \"resolved\"",
        edit(valid, p -> ((ObjectNode) p.at("/alerts/0")).put("status", "burning"))));
    corpus.add(webhook("startsAt of the wrong type", 422, "alerts[0].startsAt must be a string",
        edit(valid, p -> ((ObjectNode) p.at("/alerts/0")).put("startsAt", 1764178035))));
    corpus.add(webhook("labels missing", 422, "alerts[0].labels is missing",
        edit(valid, p -> ((ObjectNode) p.at("/alerts/0")).remove("labels"))));
    corpus.add(webhook("alertname missing", 422, "alerts[0].labels.alertname is missing",
        edit(valid, p -> labels(p).remove("alertname"))));
    corpus.add(webhook("service label missing", 200, "no configured target",
        edit(valid, p -> labels(p).remove("service"))));
    corpus.add(webhook("unknown alertname for a configured target", 200, "no runbook for alert DiskFull",
        edit(valid, p -> labels(p).put("alertname", "DiskFull"))));
    corpus.add(webhook("unconfigured namespace", 200, "no configured target for namespace/service/database staging",
        edit(valid, p -> labels(p).put("namespace", "staging"))));
    corpus.add(webhook("unconfigured service", 200, "no configured target",
        edit(valid, p -> labels(p).put("service", "billing-service"))));
    corpus.add(webhook("SQL in a label", 200, "no configured target",
        edit(valid, p -> labels(p).put("service", "auth-service'; DROP TABLE accounts; --"))));
    corpus.add(webhook("SQL in the database label", 200, "no configured target",
        edit(valid, p -> labels(p).put("database", "authdb\" OR 1=1; SELECT pg_terminate_backend(pid) FROM"
            + " pg_stat_activity; --"))));
    corpus.add(webhook("shell metacharacters in labels", 200, "no configured target",
        edit(valid, p -> {
          labels(p).put("namespace", "$(touch " + canary + ")");
          labels(p).put("service", "`touch " + canary + "`; rm -rf / &&");
        })));
    corpus.add(webhook("quotes and newlines in labels", 200, "no configured target",
        edit(valid, p -> labels(p).put("service", "auth-service\"\n'\\"))));
    corpus.add(webhook("unicode look-alike of the service", 200, "no configured target",
        edit(valid, p -> labels(p).put("service", "аuth-service")))); // Cyrillic а
    corpus.add(webhook("NUL and right-to-left mark in a label", 200, "no configured target",
        edit(valid, p -> labels(p).put("service", "auth-service\u0000\u202e"))));
    corpus.add(webhook("emoji and 4-byte characters", 200, "no configured target",
        edit(valid, p -> labels(p).put("database", "authdb\uD83D\uDD25\uD834\uDD1E"))));
    corpus.add(new Case("missing token", 401, "missing bearer token",
        () -> stack.post(receiverPort, "/webhooks/alertmanager", null, "application/json", valid)));
    corpus.add(new Case("wrong token", 401, "wrong bearer token",
        () -> stack.post(receiverPort, "/webhooks/alertmanager", "not-the-token", "application/json", valid)));
    corpus.add(new Case("an API token on the webhook", 401, "wrong bearer token",
        () -> stack.post(receiverPort, "/webhooks/alertmanager", Stack.ALICE_TOKEN, "application/json", valid)));
    corpus.add(new Case("wrong content type", 415, "Content-Type must be application/json",
        () -> stack.post(receiverPort, "/webhooks/alertmanager", Stack.WEBHOOK_TOKEN, "text/plain", valid)));
    corpus.add(new Case("approve without a token", 401, "missing or unknown API bearer token",
        () -> approve(null, Stack.INCIDENT, "{}")));
    corpus.add(new Case("approve with the webhook token", 401, "missing or unknown API bearer token",
        () -> approve(Stack.WEBHOOK_TOKEN, Stack.INCIDENT, "{}")));
    corpus.add(new Case("approve an unknown incident (SQL in the ID)", 404, "unknown incident",
        () -> approve(Stack.ALICE_TOKEN, "dbpool:prod:x';DROP TABLE accounts;--:authdb", "{}")));
    corpus.add(new Case("approve with the identity in the body", 422, "the identity comes from the token",
        () -> approve(Stack.ALICE_TOKEN, Stack.INCIDENT, "{\"approver\": \"mallory\"}")));
    corpus.add(new Case("approve with malformed JSON", 400, "malformed JSON",
        () -> approve(Stack.ALICE_TOKEN, Stack.INCIDENT, "{\"planId\": ")));
    corpus.add(new Case("approve with a plan ID of the wrong type", 422, "'planId' must be a string",
        () -> approve(Stack.ALICE_TOKEN, Stack.INCIDENT, "{\"planId\": [1]}")));
    corpus.add(new Case("approve with no open incident", 404, "no open incident",
        () -> approve(Stack.ALICE_TOKEN, Stack.INCIDENT, "{}")));

    SoftAssertions soft = new SoftAssertions();
    for (Case c : corpus) {
      HttpResponse<String> r = c.send().get();
      soft.assertThat(r.statusCode()).as(c.name() + ": " + r.body()).isEqualTo(c.status());
      JsonNode body = Stack.parse(r.body());
      if (r.statusCode() == 200) {
        soft.assertThat(body.get("accepted")).as(c.name() + ": accepted").isEmpty();
        soft.assertThat(body.get("ignoredCount").asInt()).as(c.name() + ": ignored").isEqualTo(1);
        soft.assertThat(body.at("/ignored/0/reason").asText()).as(c.name()).contains(c.says());
      } else {
        soft.assertThat(body.path("error").asText()).as(c.name()).contains(c.says());
      }
    }
    soft.assertAll();
    note(corpus.size() + " bad requests, each answered as documented");

    // Nothing started, nothing touched.
    RemediatorProcess.Cli show = stack.cli("show", Stack.INCIDENT, "-o", "json");
    assertThat(show.exitCode()).as("no incident exists: " + show.stdout()).isEqualTo(4);
    assertThat(db.leakedLeft()).isEqualTo(LEAKED);
    assertThat(db.healthyLeft()).isEqualTo(HEALTHY);
    try (Connection c = db.connect(TargetDatabase.APP_ROLE);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM accounts")) {
      rs.next();
      assertThat(rs.getInt(1)).as("accounts intact").isEqualTo(1000);
    }
    assertThat(Files.exists(canary)).as("no shell ran").isFalse();
    assertThat(stack.world.requests()).as("no probe, no page").isEmpty();
    assertClusterUntouched();
    assertThat(stack.gate.attempts()).as("the worker never connected to the database").isZero();
    // And the receiver is still fine: the next good alert starts the incident.
    fire();
  }

  private Case webhook(String name, int status, String says, byte[] body) {
    return new Case(name, status, says, () -> stack.webhook(receiverPort, body));
  }

  private HttpResponse<String> approve(String token, String incident, String body) {
    return stack.post(receiverPort, "/incidents/" + java.net.URLEncoder.encode(incident, StandardCharsets.UTF_8)
        .replace("+", "%20") + "/approve", token, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> chunked(byte[] body) {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiverPort + "/webhooks/alertmanager"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + Stack.WEBHOOK_TOKEN)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
        .build();
    try {
      return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      // The receiver may close the connection once it has refused the body; that is a refusal too.
      throw new AssertionError("chunked 10 MiB: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A well-formed payload of 10 MiB: one alert whose summary is huge. */
  private static byte[] huge() {
    String filler = "x".repeat(TEN_MIB);
    return edit(Stack.payload("firing-critical.json"),
        p -> ((ObjectNode) p.at("/alerts/0/annotations")).put("summary", filler));
  }

  private static ObjectNode labels(ObjectNode payload) {
    return (ObjectNode) payload.at("/alerts/0/labels");
  }

  private static byte[] edit(byte[] payload, Consumer<ObjectNode> change) {
    try {
      ObjectNode p = (ObjectNode) Stack.JSON.readTree(payload);
      change.accept(p);
      return Stack.JSON.writeValueAsBytes(p);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
