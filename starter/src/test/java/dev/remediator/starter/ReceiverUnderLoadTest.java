package dev.remediator.starter;

import static dev.remediator.starter.IntakeFixture.AUTH;
import static dev.remediator.starter.IntakeFixture.BILLING;
import static dev.remediator.starter.IntakeFixture.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The receiver under storms and abuse, over raw HTTP sockets (so that nothing normalizes what a hostile client
 * sends), against the embedded Temporal server and the real workflow.
 */
class ReceiverUnderLoadTest {
  static final ObjectMapper JSON = new ObjectMapper();
  /** A Java exception class name in a response would tell a client about our internals. */
  static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z]+(Exception|Error)\\b|\\bat [a-z]+\\.[a-z]+\\.");
  @RegisterExtension static final IntakeFixture fx = new IntakeFixture();

  /** A second receiver on the fixture's Temporal with short limits: 1 s body deadline, 4 requests per client. */
  static AlertReceiver strict;

  static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeAll
  static void strictReceiver() {
    ((Logger) LoggerFactory.getLogger(AlertReceiver.class)).addAppender(logs);
    logs.start();
    strict =
        new AlertReceiver(fx.config, fx.temporal, new ReceiverMetrics(),
            AlertReceiver.Limits.DEFAULT.withBodyDeadline(Duration.ofSeconds(1)).withMaxRequestsPerClient(4))
            .start("127.0.0.1", 0);
  }

  @AfterAll
  static void stop() {
    strict.close();
    ((Logger) LoggerFactory.getLogger(AlertReceiver.class)).detachAppender(logs);
  }

  /** One HTTP exchange on a fresh socket from {@code from}; returns the raw response. */
  static Raw raw(int port, String from, String head, byte[] body) throws IOException {
    try (Socket s = connect(port, from)) {
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        out.write(body);
      }
      out.flush();
      return Raw.read(s.getInputStream());
    }
  }

  static Socket connect(int port, String from) throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(30_000);
    s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    return s;
  }

  static String post(String path, String token, String type, int length) {
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
        + (type == null ? "" : "Content-Type: " + type + "\r\n")
        + "Content-Length: " + length + "\r\nConnection: close\r\n\r\n";
  }

  record Raw(int status, String headers, String body) {
    static Raw read(InputStream in) throws IOException {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      String head = split < 0 ? text : text.substring(0, split);
      String body = split < 0 ? "" : text.substring(split + 4);
      if (head.toLowerCase().contains("transfer-encoding: chunked")) {
        body = dechunk(body);
      }
      return new Raw(Integer.parseInt(head.substring(9, 12)), head, body);
    }

    private static String dechunk(String body) {
      StringBuilder out = new StringBuilder();
      int i = 0;
      while (i < body.length()) {
        int eol = body.indexOf("\r\n", i);
        int size = Integer.parseInt(body.substring(i, eol).trim(), 16);
        if (size == 0) {
          break;
        }
        out.append(body, eol + 2, eol + 2 + size);
        i = eol + 2 + size + 2;
      }
      return out.toString();
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }

    String error() {
      return json().get("error").asText();
    }
  }

  /** {@code n} alerts, each with its own fingerprint (another pod), all for auth-service. */
  static byte[] manyAlertsForOneTarget(int n) throws IOException {
    ObjectNode payload = (ObjectNode) JSON.readTree(resource("firing-critical.json"));
    ArrayNode alerts = (ArrayNode) payload.get("alerts");
    ObjectNode template = (ObjectNode) alerts.get(0);
    alerts.removeAll();
    for (int i = 0; i < n; i++) {
      ObjectNode a = template.deepCopy();
      ((ObjectNode) a.get("labels")).put("pod", "auth-service-" + i);
      a.put("fingerprint", String.format("%016x", i));
      alerts.add(a);
    }
    return JSON.writeValueAsBytes(payload);
  }

  @Test
  void oneDeliveryWithManyAlertsForOneIncidentIsOneSignal() throws Exception {
    var r = fx.webhook(manyAlertsForOneTarget(500));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    // all 500 accepted; the answer lists the first 100 of them
    assertThat(body.get("acceptedCount").asInt()).isEqualTo(500);
    assertThat(body.get("accepted")).hasSize(AlertReceiver.MAX_LISTED);
    assertThat(body.at("/accepted/0/outcome").asText()).isEqualTo("started");
    assertThat(body.at("/accepted/99/outcome").asText()).isEqualTo("signalled");
    // signal-with-start with the `alerts` signal: one signal event for the whole delivery
    assertThat(fx.signals(AUTH)).isEqualTo(1);

    // the same 500 again (a repeat, or the HA peer): no Temporal call at all
    var again = fx.webhook(manyAlertsForOneTarget(500));
    assertThat(JSON.readTree(again.body()).at("/accepted/99/outcome").asText()).isEqualTo("duplicate");
    assertThat(fx.signals(AUTH)).isEqualTo(1);
    assertThat(fx.openRuns(AUTH)).isEqualTo(1);
  }

  @Test
  void aDeliveryForTwoIncidentsIsOneSignalEachAndAChangeIsSignalledAgain() throws Exception {
    ObjectNode grouped = (ObjectNode) JSON.readTree(resource("grouped-mixed.json"));
    assertThat(fx.webhook(JSON.writeValueAsBytes(grouped)).statusCode()).isEqualTo(200);
    assertThat(fx.signals(AUTH)).isEqualTo(1);
    assertThat(fx.signals(BILLING)).isEqualTo(1);

    // auth-service's alert resolves: that changes something, so it goes to Temporal (one more signal)
    var resolved = fx.webhook(resource("resolved.json"));
    assertThat(JSON.readTree(resolved.body()).at("/accepted/0/outcome").asText()).isEqualTo("signalled");
    assertThat(fx.signals(BILLING)).isEqualTo(1);
    assertThat(fx.incidents.untyped(AUTH)
            .getResult(60, java.util.concurrent.TimeUnit.SECONDS, dev.remediator.incident.IncidentReport.class)
            .outcome())
        .isEqualTo(dev.remediator.incident.IncidentOutcome.RESOLVED);
    assertThat(fx.running(AUTH)).isFalse();
    // and when it fires again, a new incident starts: the receiver does not answer it from its memory
    var refired = fx.webhook(resource("firing-critical.json"));
    assertThat(JSON.readTree(refired.body()).at("/accepted/0/outcome").asText()).isEqualTo("started");
    assertThat(fx.openRuns(AUTH)).isEqualTo(1);
  }

  @Test
  void aBodyNotCompleteWithinTheDeadlineIs408AndHoldsNoThread() throws Exception {
    byte[] body = resource("firing-critical.json");
    double timeouts = IntakeFixture.valueOf(strict.metrics().scrape(),
        "remediator_alerts_rejected_total{reason=\"body_timeout\"}");
    try (Socket slow = connect(strict.port(), "127.0.0.3")) {
      OutputStream out = slow.getOutputStream();
      out.write(post(AlertReceiver.WEBHOOK_PATH, IntakeFixture.WEBHOOK_TOKEN, "application/json", body.length)
          .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body, 0, 10);
      out.flush();
      Raw r = Raw.read(slow.getInputStream());

      assertThat(r.status()).isEqualTo(408);
      assertThat(r.error()).contains("not complete within 1.0 s");
      assertThat(r.body()).doesNotContainPattern(CLASS_NAME);
    }
    assertThat(IntakeFixture.valueOf(strict.metrics().scrape(),
        "remediator_alerts_rejected_total{reason=\"body_timeout\"}")).isEqualTo(timeouts + 1);
    assertThat(fx.running(AUTH)).isFalse();
  }

  @Test
  void slowClientsGetTheirLimitAndAGoodDeliveryIsServedMeanwhile() throws Exception {
    byte[] body = resource("firing-critical.json");
    List<Socket> slow = new ArrayList<>();
    try {
      // 4 slow connections from one client: each sent its headers and one byte of the body
      for (int i = 0; i < 4; i++) {
        Socket s = connect(strict.port(), "127.0.0.2");
        s.getOutputStream().write(
            (post(AlertReceiver.WEBHOOK_PATH, IntakeFixture.WEBHOOK_TOKEN, "application/json", body.length) + "{")
                .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        slow.add(s);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> strict.requestsInProgress("127.0.0.2") == 4);
      // the fifth from the same client is refused at once
      Raw fifth = raw(strict.port(), "127.0.0.2",
          post(AlertReceiver.WEBHOOK_PATH, IntakeFixture.WEBHOOK_TOKEN, "application/json", body.length), body);
      assertThat(fifth.status()).isEqualTo(429);
      assertThat(fifth.error()).contains("too many concurrent requests from 127.0.0.2");
      assertThat(fifth.headers()).containsIgnoringCase("Retry-After: 1");
      // another client's delivery is served while they hang
      Raw good = raw(strict.port(), "127.0.0.1",
          post(AlertReceiver.WEBHOOK_PATH, IntakeFixture.WEBHOOK_TOKEN, "application/json", body.length), body);
      assertThat(good.status()).as(good.body()).isEqualTo(200);
      assertThat(good.json().at("/accepted/0/incidentId").asText()).isEqualTo(AUTH);
      // the slow ones end with 408 and give their places back
      for (Socket s : slow) {
        assertThat(Raw.read(s.getInputStream()).status()).isEqualTo(408);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> strict.requestsInProgress("127.0.0.2") == 0);
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }

  @Test
  void behindATrustedProxyEachForwardedClientHasItsOwnLimit() throws Exception {
    // 127.0.0.3 plays the ingress: every request comes from it, X-Forwarded-For names the client.
    dev.remediator.config.ReceiverConfig r = fx.config.receiverOrDefault();
    dev.remediator.config.RemediatorConfig config = new dev.remediator.config.RemediatorConfig(fx.config.taskQueue(),
        new dev.remediator.config.ReceiverConfig(r.port(), r.tokenEnv(), r.tokenFile(), r.authDisabled(),
            r.apiTokens(), List.of("127.0.0.3/32")),
        fx.config.notifications(), fx.config.targets());
    byte[] body = resource("firing-critical.json");
    List<Socket> slow = new ArrayList<>();
    try (AlertReceiver proxied = new AlertReceiver(config, fx.temporal, new ReceiverMetrics(),
        AlertReceiver.Limits.DEFAULT.withBodyDeadline(Duration.ofSeconds(1)).withMaxRequestsPerClient(4))
        .start("127.0.0.1", 0)) {
      for (int i = 0; i < 4; i++) {
        Socket s = connect(proxied.port(), "127.0.0.3");
        s.getOutputStream().write((forwarded(post(AlertReceiver.WEBHOOK_PATH, IntakeFixture.WEBHOOK_TOKEN,
            "application/json", body.length), "198.51.100.7") + "{").getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        slow.add(s);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> proxied.requestsInProgress("198.51.100.7") == 4);
      Raw fifth = raw(proxied.port(), "127.0.0.3", forwarded(post(AlertReceiver.WEBHOOK_PATH,
          IntakeFixture.WEBHOOK_TOKEN, "application/json", body.length), "198.51.100.7"), body);
      assertThat(fifth.status()).isEqualTo(429);
      assertThat(fifth.error()).contains("too many concurrent requests from 198.51.100.7");
      // another client through the same proxy is served while they hang
      Raw other = raw(proxied.port(), "127.0.0.3", forwarded(post(AlertReceiver.WEBHOOK_PATH,
          IntakeFixture.WEBHOOK_TOKEN, "application/json", body.length), "198.51.100.8"), body);
      assertThat(other.status()).as(other.body()).isEqualTo(200);
      for (Socket s : slow) {
        assertThat(Raw.read(s.getInputStream()).status()).isEqualTo(408);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> proxied.requestsInProgress("198.51.100.7") == 0);
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }

  /** The request head with an X-Forwarded-For header, as an ingress adds it. */
  private static String forwarded(String head, String client) {
    return head.replaceFirst("\r\n", "\r\nX-Forwarded-For: " + client + "\r\n");
  }

  @Test
  void wrongMethodsOnKnownPathsAre405WithAllow() throws Exception {
    Raw getWebhook = raw(fx.receiver.port(), "127.0.0.1",
        "GET " + AlertReceiver.WEBHOOK_PATH + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", null);
    Raw putApprove = raw(fx.receiver.port(), "127.0.0.1",
        "PUT /incidents/" + AUTH + "/approve HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        null);
    Raw postHealth = raw(fx.receiver.port(), "127.0.0.1", post("/healthz", null, null, 0), null);

    assertThat(getWebhook.status()).isEqualTo(405);
    assertThat(getWebhook.headers()).containsIgnoringCase("Allow: POST");
    assertThat(getWebhook.error()).contains("method GET is not allowed on " + AlertReceiver.WEBHOOK_PATH);
    assertThat(putApprove.status()).isEqualTo(405);
    assertThat(putApprove.error()).contains("method PUT");
    assertThat(postHealth.status()).isEqualTo(405);
    assertThat(postHealth.headers()).containsIgnoringCase("Allow: GET");
  }

  @Test
  void approvalApiRefusesNonJson() throws Exception {
    byte[] form = "planId=x&reason=y".getBytes(StandardCharsets.UTF_8);
    Raw r = raw(fx.receiver.port(), "127.0.0.1", post("/incidents/" + AUTH + "/approve", IntakeFixture.ALICE_TOKEN,
        "application/x-www-form-urlencoded", form.length), form);

    assertThat(r.status()).isEqualTo(415);
    assertThat(r.error()).contains("application/json");
  }

  @Test
  void anInvalidStartsAtIs400NamingTheField() throws Exception {
    ObjectNode p = (ObjectNode) JSON.readTree(resource("grouped-mixed.json"));
    ((ObjectNode) p.at("/alerts/1")).put("startsAt", "yesterday at noon");
    var r = fx.webhook(JSON.writeValueAsBytes(p));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("error").asText())
        .contains("alerts[1].startsAt is not an RFC 3339 time", "\"yesterday at noon\"");
    assertThat(fx.running(AUTH)).isFalse();
    assertThat(fx.running(BILLING)).isFalse();
  }

  @Test
  void everyPathAnswersJsonEvenHostileOnes() throws Exception {
    List<String> paths = List.of(
        "/nope",
        "/incidents/..%2F..%2Fetc%2Fpasswd/approve",
        "/incidents/%2e%2e/approve",
        "/incidents/%2e%2e%2f%2e%2e%2fwebhooks/approve",
        "/webhooks/%2e%2e/alertmanager",
        "/incidents/a%00b/approve",
        "/%ZZ");
    for (String path : paths) {
      Raw r = raw(fx.receiver.port(), "127.0.0.1",
          post(path, IntakeFixture.ALICE_TOKEN, "application/json", 2), "{}".getBytes(StandardCharsets.UTF_8));
      assertThat(r.status()).as(path + ": " + r.body()).isBetween(400, 499);
      assertThat(r.headers()).as(path).containsIgnoringCase("Content-Type: application/json");
      assertThat(r.error()).as(path).isNotBlank();
      assertThat(r.body()).as(path).doesNotContainPattern(CLASS_NAME).doesNotContain("<html");
    }
    // a request line Jetty's parser refuses
    Raw bad = raw(fx.receiver.port(), "127.0.0.1", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", null);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).doesNotContainPattern(CLASS_NAME).doesNotContain("<html");
  }

  @Test
  void eachDeliveryIsOneLogLine() throws Exception {
    logs.list.clear();
    assertThat(fx.webhook(resource("grouped-mixed.json")).statusCode()).isEqualTo(200);
    assertThat(fx.webhook(resource("grouped-mixed.json")).statusCode()).isEqualTo(200);

    List<String> lines = logs.list.stream()
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.startsWith("delivery from"))
        .toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).contains("127.0.0.1", "3 alerts", AUTH + ": 1 alert(s) started",
        BILLING + ": 1 alert(s) started", "1 ignored", " ms");
    assertThat(lines.get(1)).contains(AUTH + ": 1 alert(s) duplicate (no Temporal call)");
  }

  @Test
  void aLadderWithoutChannelsIsWarnedAboutAtStartup() {
    // the fixture's configuration has no notification channels at all
    assertThat(dev.remediator.config.EscalationCheck.warnings(fx.config))
        .hasSize(fx.config.targets().size())
        .allMatch(w -> w.contains("has no notification channel configured"));
    logs.list.clear();
    new AlertReceiver(fx.config, fx.temporal).close();
    assertThat(logs.list.stream().map(ILoggingEvent::getFormattedMessage))
        .anyMatch(m -> m.contains("escalation for prod/auth-service/authdb has no notification channel"));
  }
}
