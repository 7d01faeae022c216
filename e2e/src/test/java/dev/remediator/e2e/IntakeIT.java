package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The way in: the receiver killed in the middle of a stream of deliveries, Temporal gone when an alert arrives, and
 * two receivers and two workers at once. Alertmanager's retry-until-2xx is what makes delivery reliable; the
 * receiver's part is to answer 2xx only for what Temporal accepted, and the target-derived incident ID makes every
 * repeat land in the one incident.
 */
class IntakeIT extends Scenario {
  private static final Duration PHASE = Duration.ofSeconds(60);

  @Test
  @DisplayName("receiver killed and restarted mid-stream: no alert lost")
  void receiverKilledMidStream(TestInfo info) throws Exception {
    stack(info, Map.of());
    leak();
    RemediatorProcess receiver = null;
    stack.startServer();
    stack.startWorker("worker-1");
    receiver = stack.startReceiver("receiver-1", receiverPort);
    // Both alerts of the pool, as Alertmanager sends them in turn (each group on its own interval), then both resolve.
    List<byte[]> stream = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      stream.add(i % 2 == 0 ? Stack.payload("firing-critical.json") : Stack.payload("firing-warning.json"));
    }
    stream.add(Stack.payload("resolved.json"));
    stream.add(resolvedCopy(Stack.payload("firing-warning.json")));
    AlertmanagerSender sender =
        new AlertmanagerSender(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(90));
    AtomicInteger delivered = new AtomicInteger();
    String url = "http://127.0.0.1:" + receiverPort + "/webhooks/alertmanager";
    CompletableFuture<Void> streaming = CompletableFuture.runAsync(() -> {
      try {
        for (byte[] payload : stream) {
          AlertmanagerSender.Attempt a = sender.deliver(url, Stack.WEBHOOK_TOKEN, payload);
          assertThat(a.status()).as(a.body()).isEqualTo(200);
          delivered.incrementAndGet();
          Thread.sleep(300); // Alertmanager's group_interval, shortened
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    await("3 deliveries acknowledged").atMost(PHASE).until(() -> delivered.get() >= 3 || streaming.isDone());
    receiver.kill();
    int at = delivered.get();
    await("the sender hits the dead receiver").atMost(PHASE)
        .until(() -> sender.attempts().stream().anyMatch(a -> a.status() == 0) || streaming.isDone());
    stack.startReceiver("receiver-2", receiverPort);
    streaming.get();
    long failed = sender.attempts().stream().filter(a -> a.status() == 0).count();
    note("receiver killed after " + at + " of " + stream.size() + " deliveries; " + failed
        + " tries got no answer and were retried; " + sender.attempts().size() + " tries in all");
    assertThat(failed).as("tries that hit the dead receiver").isPositive();
    JsonNode report = stack.awaitReport(PHASE);
    // Every change of state reached the incident, once: Critical opened it, High joined, both resolved. The
    // repeats and the sender's retries changed nothing and are not in the timeline.
    List<String> alerts = new ArrayList<>();
    for (JsonNode e : report.get("timeline")) {
      if ("alertmanager".equals(e.path("actor").asText())) {
        alerts.add(e.path("event").asText());
      }
    }
    assertThat(alerts).hasSize(4);
    assertThat(alerts.get(0)).contains("DatabaseConnectionPoolCritical").contains("opened the incident");
    assertThat(alerts.get(1)).contains("DatabaseConnectionPoolHigh firing (warning)");
    assertThat(alerts.subList(2, 4)).allMatch(a -> a.contains("resolved"));
    assertThat(report.get("severity").asText()).isEqualTo("critical");
    assertThat(report.get("alerts")).allMatch(a -> !a.get("firing").asBoolean());
    assertThat(report.get("outcome").asText()).isEqualTo("RESOLVED");
  }

  /** The same alerts, resolved (Alertmanager keeps the fingerprint and startsAt). */
  static byte[] resolvedCopy(byte[] firing) throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var payload = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(firing);
    payload.put("status", "resolved");
    for (JsonNode a : payload.get("alerts")) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) a).put("status", "resolved");
    }
    return json.writeValueAsBytes(payload);
  }

  @Test
  @DisplayName("Temporal unreachable when an alert arrives: 503, then the retry starts exactly one incident")
  void temporalUnreachable(TestInfo info) throws Exception {
    stack(info, Map.of());
    leak();
    RemediatorProcess server = stack.startServer();
    RemediatorProcess worker = stack.startWorker("worker-1");
    stack.startReceiver("receiver-1", receiverPort);
    server.kill();
    await("the receiver is not ready without Temporal").atMost(PHASE)
        .until(() -> stack.get(receiverPort, "/readyz").statusCode() == 503);
    await("the leak is older than the termination threshold").atMost(PHASE)
        .until(() -> db.youngestLeakSeconds() >= 2.5);
    long t0 = System.nanoTime();
    HttpResponse<String> refused = stack.webhook(receiverPort, Stack.payload("firing-critical.json"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("10");
    assertThat(Stack.parse(refused.body()).get("error").asText()).contains("nothing is lost, retry the delivery");
    // Alertmanager keeps retrying; the server comes back on the same port and database file (nothing was started).
    AlertmanagerSender sender =
        new AlertmanagerSender(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(120));
    CompletableFuture<AlertmanagerSender.Attempt> retrying = CompletableFuture.supplyAsync(() -> {
      try {
        return sender.deliver("http://127.0.0.1:" + receiverPort + "/webhooks/alertmanager", Stack.WEBHOOK_TOKEN,
            Stack.payload("firing-critical.json"));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    await("a retry was refused too").atMost(PHASE)
        .until(() -> sender.attempts().stream().anyMatch(a -> a.status() == 503));
    stack.restartServer();
    AlertmanagerSender.Attempt ok = retrying.get();
    note("503 after " + ms + " ms; " + sender.attempts().size() + " retries until 200; worker "
        + (worker.alive() ? "reconnected" : "DIED"));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(Stack.parse(ok.body()).at("/accepted/0/outcome").asText()).isEqualTo("started");
    assertThat(sender.attempts().stream().filter(a -> a.status() == 200)).hasSize(1);
    assertThat(worker.alive()).as("the worker outlived the server").isTrue();
    awaitOpenIncidents(1);
    // The incident runs on the new server with the worker that outlived the old one, up to its approval.
    awaitPlan();
    assertThat(worker.count("worker polling task queue")).as("the worker never restarted").isEqualTo(1);
    assertThat(db.leakedLeft()).isEqualTo(LEAKED);
  }

  @Test
  @DisplayName("two receivers and two workers (HA): one incident, one action per approval")
  void twoReceiversTwoWorkers(TestInfo info) throws Exception {
    stack(info, Map.of());
    leak();
    int otherPort = dev.remediator.launcher.FreePorts.next();
    stack.startServer();
    List<CompletableFuture<?>> starting = List.of(
        CompletableFuture.runAsync(() -> stack.startWorker("worker-1")),
        CompletableFuture.runAsync(() -> stack.startWorker("worker-2")),
        CompletableFuture.runAsync(() -> stack.startReceiver("receiver-1", receiverPort)),
        CompletableFuture.runAsync(() -> stack.startReceiver("receiver-2", otherPort)));
    for (CompletableFuture<?> f : starting) {
      f.get();
    }
    await("the leak is older than the termination threshold").atMost(PHASE)
        .until(() -> db.youngestLeakSeconds() >= 2.5);
    // Both Alertmanagers of an HA pair deliver the same group to both receivers, at the same moment.
    ObjectNode peer = (ObjectNode) Stack.parse(new String(Stack.payload("firing-critical.json")));
    peer.put("externalURL", "http://alertmanager-1:9093");
    byte[] peerCopy = Stack.JSON.writeValueAsBytes(peer);
    List<String> outcomes = concurrently(List.of(
        () -> stack.webhook(receiverPort, Stack.payload("firing-critical.json")),
        () -> stack.webhook(otherPort, Stack.payload("firing-critical.json")),
        () -> stack.webhook(receiverPort, peerCopy),
        () -> stack.webhook(otherPort, peerCopy)), r -> {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
          return Stack.parse(r.body()).at("/accepted/0/outcome").asText();
        });
    note("deliveries: " + outcomes);
    // Which receiver says "started" is approximate across replicas (documented); the incident is one run.
    assertThat(outcomes).contains("started")
        .allMatch(o -> o.equals("started") || o.equals("signalled") || o.equals("duplicate"));
    awaitOpenIncidents(1);
    String plan = awaitPlan();
    // Two people approve at once, through both receivers' approval API.
    List<Integer> statuses = concurrently(List.of(
        () -> stack.post(receiverPort, "/incidents/" + Stack.INCIDENT + "/approve", Stack.ALICE_TOKEN,
            "application/json", ("{\"planId\":\"" + plan + "\",\"reason\":\"HA\"}").getBytes()),
        () -> stack.post(otherPort, "/incidents/" + Stack.INCIDENT + "/approve", Stack.BOB_TOKEN,
            "application/json", ("{\"planId\":\"" + plan + "\",\"reason\":\"HA\"}").getBytes())),
        r -> {
          assertThat(r.statusCode()).as(r.body()).isIn(200, 409);
          return r.statusCode();
        });
    note("approvals through both receivers: " + statuses);
    assertThat(statuses).contains(200);
    JsonNode report = recoverAndClose(PHASE);
    assertTerminatedExactlyOnce(report, 0);
    assertThat(report.get("timeline").findValuesAsText("event"))
        .as("one incident was opened, the other copies landed in it")
        .filteredOn(e -> e.contains("opened the incident")).hasSize(1);
    // The other receiver's copy of the resolved notification lands in the closed incident's place: nothing new.
    HttpResponse<String> late = stack.webhook(otherPort, Stack.payload("resolved.json"));
    assertThat(late.statusCode()).isEqualTo(200);
    assertThat(Stack.parse(late.body()).get("accepted")).isEmpty();
    awaitOpenIncidents(0);
  }

  /**
   * Waits until {@code incidents} lists {@code n} open incidents, and checks it stays so: the visibility store is
   * updated a moment after the execution (eventually consistent), so a listing right after a start may not show it
   * yet; a second incident would show up all the same.
   */
  private void awaitOpenIncidents(int n) {
    await("incidents lists " + n + " open").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> openIncidents() == n);
    assertThat(openIncidents()).as("open incidents, listed again").isEqualTo(n);
  }

  /** Open incidents per {@code remediator incidents -c FILE -o json}. */
  private int openIncidents() {
    RemediatorProcess.Cli r = stack.cli("incidents", "-c", stack.config.toString(), "-o", "json");
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    return Stack.parse(r.stdout()).get("incidents").size();
  }

  private static <T> List<T> concurrently(
      List<java.util.function.Supplier<HttpResponse<String>>> calls,
      java.util.function.Function<HttpResponse<String>, T> check) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(calls.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (var call : calls) {
        answers.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return call.get();
        }, pool));
      }
      go.countDown();
      List<T> out = new ArrayList<>();
      for (var a : answers) {
        out.add(check.apply(a.get()));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
