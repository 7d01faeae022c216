package dev.remediator.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ProbeResult;
import dev.remediator.incident.ServiceHealth;
import dev.remediator.incident.Target;
import dev.remediator.incident.Unreachable;
import dev.remediator.postgres.DatabaseActivitiesImplAccess;
import dev.remediator.probe.ProbeActivitiesImpl;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's registry of endpoints that do not answer, with real sockets to a closed loopback port: one
 * connection attempt per window however many callers ask, the outage's start reported to each, recovery seen by the
 * first attempt once the port answers.
 */
class EndpointOutagesTest {
  static final int CALLERS = 50;
  static final Duration WINDOW = Duration.ofMillis(400);

  final AtomicInteger connects = new AtomicInteger();
  final ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
  int port;
  String endpoint;

  @BeforeEach
  void closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    endpoint = "127.0.0.1:" + port;
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** One real connection attempt: counted, then connect (refused while the port is closed). */
  String connect() throws IOException {
    connects.incrementAndGet();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      return "answered";
    }
  }

  String call(EndpointOutages outages) throws IOException {
    return outages.call(endpoint, this::connect, e -> e instanceof ConnectException);
  }

  /** N callers at once; each outcome: "answered", or the outage it was told of. */
  List<Object> concurrently(EndpointOutages outages) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Object>> calls = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      calls.add(pool.submit(() -> {
        go.await();
        try {
          return (Object) call(outages);
        } catch (EndpointOutages.Down d) {
          return d.outage();
        }
      }));
    }
    go.countDown();
    List<Object> outcomes = new ArrayList<>();
    for (Future<Object> f : calls) {
      outcomes.add(f.get(10, TimeUnit.SECONDS));
    }
    return outcomes;
  }

  static void pastWindow() {
    try {
      Thread.sleep(WINDOW.toMillis() + 50); // the window is the behaviour under test: time must pass
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void oneConnectionAttemptPerWindowForManyCallersThenRecovery() throws Exception {
    EndpointOutages outages = new EndpointOutages(WINDOW, System::currentTimeMillis);
    long before = System.currentTimeMillis();
    EndpointOutages.Down first = assertThrows(EndpointOutages.Down.class, () -> call(outages));
    assertThat(first.outage().attempted()).isTrue();
    assertThat(first.getCause()).isInstanceOf(ConnectException.class);
    long since = first.outage().sinceMillis();
    assertThat(since).isBetween(before, System.currentTimeMillis());
    assertThat(connects).hasValue(1);

    // Within the window: N callers, no connection attempted, each told since when the endpoint is down.
    List<Object> within = concurrently(outages);
    assertThat(connects).hasValue(1);
    assertThat(within).allSatisfy(o -> assertThat(o).isEqualTo(new Unreachable(endpoint, since, false, 0)));

    // After the window: N callers at once, one of them tries (the outage keeps its start), the rest fail fast.
    pastWindow();
    List<Object> after = concurrently(outages);
    assertThat(connects).hasValue(2);
    assertThat(after).filteredOn(o -> o instanceof Unreachable u && u.attempted()).hasSize(1);
    assertThat(after).allSatisfy(o -> assertThat(((Unreachable) o).sinceMillis()).isEqualTo(since));
    assertThat(outages.rechecks()).isEqualTo(1);

    // The port answers: within the window it is not tried yet; the first attempt after the window sees it, and
    // every caller goes through from then on.
    try (ServerSocket listening = new ServerSocket()) {
      listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CALLERS * 2);
      int attempts = connects.get();
      assertThrows(EndpointOutages.Down.class, () -> call(outages));
      assertThat(connects.get()).isEqualTo(attempts);
      pastWindow();
      assertThat(call(outages)).isEqualTo("answered");
      assertThat(outages.downSinceMillis(endpoint)).isZero();
      assertThat(concurrently(outages)).containsOnly("answered");
      assertThat(connects.get() - attempts).isEqualTo(1 + CALLERS);
    }
  }

  Unreachable callAs(EndpointOutages outages, String caller) {
    try {
      outages.call(endpoint, caller, this::connect, e -> e instanceof ConnectException);
      throw new AssertionError("the closed port answered");
    } catch (EndpointOutages.Down d) {
      return d.outage();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Who waits on a down endpoint: each distinct caller once, however often it asks, until it has not asked for
   * the memory's length; the count goes out with every failure (the watch spreads the endpoint's samples over it).
   */
  @Test
  void theCallersWaitingOnADownEndpointAreCountedOnceEachUntilTheyStopAsking() throws Exception {
    // Long enough that the 33 calls below fit in it on a slow machine; the last step waits it out.
    Duration memory = Duration.ofSeconds(5);
    EndpointOutages outages = new EndpointOutages(WINDOW, memory, System::currentTimeMillis);
    assertThat(callAs(outages, "prod/a/adb")).satisfies(u -> {
      assertThat(u.attempted()).isTrue();
      assertThat(u.waiting()).isEqualTo(1);
    });
    assertThat(callAs(outages, "prod/a/adb").waiting()).isEqualTo(1); // the same caller again
    for (int i = 0; i < 30; i++) {
      callAs(outages, "prod/t" + i + "/db");
    }
    assertThat(callAs(outages, "prod/b/bdb").waiting()).isEqualTo(32);
    pastWindow();
    assertThat(outages.call(endpoint, () -> "x", e -> false)).isEqualTo("x"); // the endpoint answered
    assertThat(callAs(outages, "prod/a/adb").waiting()).as("the outage ended: a new one").isEqualTo(1);
    Thread.sleep(memory.toMillis() + 100); // the memory is the behaviour under test: time must pass
    assertThat(callAs(outages, "prod/c/cdb").waiting()).as("only c asked within the memory").isEqualTo(1);
  }

  @Test
  void aFailureThatIsNotUnreachabilityMeansTheEndpointAnswered() {
    EndpointOutages outages = new EndpointOutages(WINDOW, System::currentTimeMillis);
    assertThatThrownBy(() -> call(outages)).isInstanceOf(EndpointOutages.Down.class);
    assertThat(outages.downSinceMillis(endpoint)).isPositive();
    pastWindow();
    assertThatThrownBy(() -> outages.call(endpoint, () -> {
      throw new IllegalStateException("HTTP 503");
    }, e -> e instanceof ConnectException)).isInstanceOf(IllegalStateException.class);
    assertThat(outages.downSinceMillis(endpoint)).isZero();
  }

  @Test
  void endpoints() {
    assertThat(EndpointOutages.endpoint("jdbc:postgresql://db.prod:6432/authdb?ssl=true", 5432))
        .isEqualTo("db.prod:6432");
    assertThat(EndpointOutages.endpoint("jdbc:postgresql://db/authdb", 5432)).isEqualTo("db:5432");
    assertThat(EndpointOutages.endpoint("http://auth-service:8000/health", 80)).isEqualTo("auth-service:8000");
    assertThat(EndpointOutages.endpoint("https://user@auth/ready", 443)).isEqualTo("auth:443");
  }

  /**
   * The activities on a closed port: /health and /ready cost one connection attempt, the database's snapshot one,
   * and each later call fails fast with the outage's start (probes: in the result; snapshots: a non-retryable
   * {@code TargetUnreachable} failure with it in its details).
   */
  @Test
  void probesAndSnapshotsOfAClosedPortFailFastWithTheOutagesStart() {
    String config = "targets:\n  - {service: gone, namespace: prod, database: gonedb, postgres: {url: "
        + "\"jdbc:postgresql://127.0.0.1:" + port + "/gonedb\", user: r}, endpoints: {health: \"http://127.0.0.1:"
        + port + "/health\", ready: \"http://127.0.0.1:" + port + "/ready\"}}\n";
    TargetDirectory targets = new TargetDirectory(ConfigLoader.parse(config, "test"));
    EndpointOutages outages = new EndpointOutages(Duration.ofSeconds(30), System::currentTimeMillis);
    ProbeActivitiesImpl probes = new ProbeActivitiesImpl(targets, Duration.ofMillis(500), outages);
    Target gone = new Target("prod", "gone", "gonedb");
    ServiceHealth first = probes.probe(gone);
    ServiceHealth second = probes.probe(gone);
    assertThat(outages.downSinceMillis(endpoint)).isPositive();
    for (ProbeResult r : List.of(first.health(), first.ready(), second.health(), second.ready())) {
      assertThat(r.ok()).isFalse();
      assertThat(r.unreachableSinceMillis()).isEqualTo(outages.downSinceMillis(endpoint));
    }
    assertThat(first.health().error()).startsWith("connection refused");
    assertThat(first.ready().error()).contains("not tried now");

    var database = DatabaseActivitiesImplAccess.make(targets, new EndpointOutages(Duration.ofSeconds(30),
        System::currentTimeMillis));
    long since = 0;
    for (boolean attempted : new boolean[] {true, false}) {
      ApplicationFailure f = assertThrows(ApplicationFailure.class,
          () -> database.snapshot(gone, ConfigLoader.parsePolicy("approvers: [alice]\n")));
      assertThat(f.getType()).isEqualTo(Unreachable.TYPE);
      assertThat(f.isNonRetryable()).isTrue();
      Unreachable u = f.getDetails().get(Unreachable.class);
      assertThat(u.attempted()).isEqualTo(attempted);
      assertThat(u.endpoint()).isEqualTo(endpoint);
      assertThat(u.waiting()).as("one target waits on it").isEqualTo(1);
      since = since == 0 ? u.sinceMillis() : since;
      assertThat(u.sinceMillis()).isPositive().isEqualTo(since);
    }
  }
}
