package dev.remediator.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ProbeResult;
import dev.remediator.incident.ServiceHealth;
import dev.remediator.incident.Target;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Probes against a real local HTTP server: 200, 503, no answer in time, connection refused, not configured. */
class ProbeActivitiesImplTest {
  static final Target AUTH = new Target("prod", "auth-service", "authdb");
  static final Target SLOW = new Target("prod", "slow", "slowdb");
  static final Target GONE = new Target("prod", "gone", "gonedb");
  static final Target BARE = new Target("prod", "bare", "baredb");
  static final Duration TIMEOUT = Duration.ofMillis(500);

  HttpServer server;
  final CountDownLatch release = new CountDownLatch(1);
  ProbeActivitiesImpl probes;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/health", x -> respond(x, 200));
    server.createContext("/ready", x -> respond(x, 503));
    server.createContext("/slow", x -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      respond(x, 200);
    });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    String config = "targets:\n"
        + target("auth-service", "{health: " + base + "/health, ready: " + base + "/ready}")
        + target("slow", "{health: " + base + "/slow}")
        + target("gone", "{health: \"http://127.0.0.1:" + closedPort + "/health\"}")
        + target("bare", "null");
    probes = new ProbeActivitiesImpl(new TargetDirectory(ConfigLoader.parse(config, "test")), TIMEOUT);
  }

  static String target(String service, String endpoints) {
    String db = service.equals("auth-service") ? "authdb" : service + "db";
    return "  - {service: " + service + ", namespace: prod, database: " + db
        + ", postgres: {url: \"jdbc:postgresql://db/" + db + "\", user: r}, endpoints: " + endpoints + "}\n";
  }

  static void respond(com.sun.net.httpserver.HttpExchange x, int status) throws IOException {
    byte[] body = (status == 200 ? "ok" : "unavailable").getBytes();
    x.sendResponseHeaders(status, body.length);
    x.getResponseBody().write(body);
    x.close();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  @Test
  void healthyAndUnavailableAnswersAreData() {
    ServiceHealth health = probes.probe(AUTH);

    assertThat(health.health().ok()).isTrue();
    assertThat(health.health().status()).isEqualTo(200);
    assertThat(health.health().error()).isNull();
    assertThat(health.health().url()).endsWith("/health");
    assertThat(health.ready()).extracting(ProbeResult::ok, ProbeResult::status, ProbeResult::error)
        .containsExactly(false, 503, "HTTP 503");
    assertThat(health.available()).isFalse();
  }

  @Test
  void noAnswerWithinTheTimeoutIsAFailedProbe() {
    ServiceHealth health = probes.probe(SLOW);

    assertThat(health.health()).extracting(ProbeResult::ok, ProbeResult::status, ProbeResult::error)
        .containsExactly(false, 0, "no answer within 500 ms");
    assertThat(health.health().latencyMillis()).isBetween(TIMEOUT.toMillis(), 5_000L);
    assertThat(health.ready()).isNull(); // not configured
  }

  @Test
  void aRefusedConnectionIsAFailedProbe() {
    ProbeResult result = probes.probe(GONE).health();

    assertThat(result.ok()).isFalse();
    assertThat(result.status()).isZero();
    assertThat(result.error()).startsWith("connection refused");
  }

  @Test
  void unconfiguredProbesAreNullAndUnconfiguredTargetsRefused() {
    assertThat(probes.probe(BARE)).isEqualTo(new ServiceHealth(null, null));
    assertThat(probes.probe(BARE).available()).isTrue();
    assertThatThrownBy(() -> probes.probe(new Target("prod", "payments", "paymentsdb")))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("is not configured");
  }
}
