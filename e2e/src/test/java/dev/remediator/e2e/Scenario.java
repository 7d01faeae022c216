package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What every scenario shares: one real PostgreSQL for the whole suite (a fresh leak per scenario), a fresh
 * {@link Stack} per scenario, and the checks that nothing was done twice.
 */
@ExtendWith(DurabilityReport.class)
abstract class Scenario {
  static final int LEAKED = 25;
  static final int HEALTHY = 9;
  static final String ACTING = "ACTING";

  private static TargetDatabase shared;

  TargetDatabase db;
  Stack stack;
  int receiverPort = dev.remediator.launcher.FreePorts.next();
  private final long startedNanos = System.nanoTime();

  @BeforeAll
  static synchronized void database() throws Exception {
    if (shared == null) {
      Path home = Files.createDirectories(Path.of(System.getProperty("e2e.dir", "target"), "e2e", "postgres"));
      shared = TargetDatabase.start(home);
      warmUp(home.getParent());
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "stop-postgres"));
    }
  }

  /**
   * Once per suite: a worker runs an incident as far as its escalation (probes, Kubernetes, PostgreSQL, a page) and
   * stops gracefully, so its JVM dumps the classes it loaded into a class-data-sharing archive that every later
   * process maps: they start and take their first steps in about half the time. Best effort: without the archive
   * the suite runs the same, only slower.
   */
  private static void warmUp(Path dir) {
    try {
      Path archive = RemediatorProcess.archiveToMake(dir);
      if (archive == null) {
        return;
      }
      try (Stack warm = new Stack(dir.resolve("warm-up"), shared, Map.of())) {
        int port = dev.remediator.launcher.FreePorts.next();
        warm.startServer();
        warm.startReceiver("receiver", port);
        RemediatorProcess worker = warm.startWorker("worker", List.of("-XX:ArchiveClassesAtExit=" + archive));
        warm.fireCritical(port); // no leak: nothing to plan, so it escalates and pages at once
        await("the warm-up incident pages").atMost(Duration.ofSeconds(60))
            .until(() -> !warm.world.delivered(World.DATABASE_PAGER).isEmpty());
        worker.stop(Duration.ofSeconds(60)); // SIGTERM: a normal exit, which writes the archive
      }
      RemediatorProcess.useArchive(dir);
    } catch (Exception | AssertionError e) {
      System.err.println("e2e: no class-data archive (" + e + "); processes start without it");
    }
  }

  /**
   * A fresh stack for this scenario on the real Temporal server ({@code temporal server start-dev}), its files under
   * {@code target/e2e/<class>/<scenario>}. Without the Temporal CLI the scenario is skipped (or fails, where the real
   * server is required: {@link TemporalCli}).
   */
  Stack stack(TestInfo info, Map<String, String> policy) throws Exception {
    return stack(info, policy, Stack.Server.REAL);
  }

  Stack stack(TestInfo info, Map<String, String> policy, Stack.Server server) throws Exception {
    Path cli = server == Stack.Server.REAL
        ? TemporalCli.require(getClass().getSimpleName() + " · " + info.getDisplayName()) : null;
    db = shared;
    Path dir = Path.of(System.getProperty("e2e.dir", "target"), "e2e", getClass().getSimpleName(),
        info.getTestMethod().orElseThrow().getName());
    stack = new Stack(dir, db, policy, server, cli);
    return stack;
  }

  @AfterEach
  void tearDown() {
    if (stack != null) {
      stack.close();
    }
    if (db != null) {
      db.closeApplication();
    }
  }

  /** 25 sessions idle in transaction, 9 healthy; {@link #fire()} waits until they are past the 2 s threshold. */
  void leak() throws Exception {
    db.leak(LEAKED, HEALTHY);
  }

  /** Waits until the leak is older than the termination threshold, then fires the captured critical alert. */
  void fire() {
    await("the leak is older than the termination threshold")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> db.youngestLeakSeconds() >= 2.5);
    stack.fireCritical(receiverPort);
  }

  /** A fresh stack with the leak in place, then the server, a worker and a receiver; returns the worker. */
  RemediatorProcess leakingStack(TestInfo info, Map<String, String> policy) throws Exception {
    return leakingStack(info, policy, Stack.Server.REAL);
  }

  RemediatorProcess leakingStack(TestInfo info, Map<String, String> policy, Stack.Server server) throws Exception {
    stack(info, policy, server);
    leak();
    return startAll();
  }

  /** Server, then one worker and one receiver side by side; returns the worker. */
  RemediatorProcess startAll() throws Exception {
    stack.startServer();
    var receiver = java.util.concurrent.CompletableFuture.runAsync(
        () -> stack.startReceiver("receiver-1", receiverPort));
    RemediatorProcess worker = stack.startWorker("worker-1");
    receiver.get();
    return worker;
  }

  /** What happens between a kill and the replacement process. */
  @FunctionalInterface
  interface Step {
    void run() throws Exception;
  }

  /**
   * {@code kill -9} of the worker inside the step the scenario holds open, noted in the durability report
   * ({@code killedIn} is read after the kill); {@code release} lets the world go on; then a second worker takes the
   * incident over.
   */
  void killAndReplace(RemediatorProcess worker, Supplier<String> killedIn, Step release) throws Exception {
    worker.kill();
    note(killedIn.get());
    release.run();
    stack.startWorker("worker-2");
  }

  /** {@code kill -9} of the Temporal server ({@code temporal server start-dev}), noted with where it landed. */
  void killServer(RemediatorProcess server, String where) {
    server.kill();
    note("server " + where);
  }

  /** The server again on the same SQLite database, its restart time noted. */
  void restartServer() throws Exception {
    long t0 = System.nanoTime();
    stack.restartServer();
    note("server restarted in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
  }

  /** The worker rode out the server's death: still alive, and it started polling once, never again. */
  void assertWorkerOutlivedTheServer(RemediatorProcess worker) {
    assertThat(worker.alive()).as("the worker outlived the server").isTrue();
    assertThat(worker.count("worker polling task queue")).as("the worker never restarted").isEqualTo(1);
  }

  /** The pending plan's ID, once the incident awaits approval. */
  String awaitPlan() {
    JsonNode status = stack.awaitPhase("AWAITING_APPROVAL", Duration.ofSeconds(90));
    String plan = status.at("/plan/planId").asText();
    assertThat(plan).startsWith("plan-");
    return plan;
  }

  void approve(String plan) {
    RemediatorProcess.Cli r = stack.approve("alice", plan, 20);
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    assertThat(Stack.parse(r.stdout()).get("accepted").asBoolean()).isTrue();
  }

  /** Approve, wait for the leak to be gone and the pool recovered, resolve; returns the report. */
  JsonNode approveRecoverAndClose(Duration recovery) throws Exception {
    approve(awaitPlan());
    return recoverAndClose(recovery);
  }

  JsonNode recoverAndClose(Duration recovery) throws Exception {
    await("every leaked session is gone").atMost(recovery).pollInterval(Duration.ofMillis(200))
        .until(() -> db.leakedLeft() == 0);
    stack.awaitPhase("RECOVERED", recovery);
    stack.fireResolved(receiverPort);
    JsonNode report = stack.awaitReport(Duration.ofSeconds(60));
    assertThat(report.get("outcome").asText()).isEqualTo("MITIGATED");
    return report;
  }

  /**
   * The leak was terminated exactly once: every leaked session is gone, every healthy one is still there (same pid,
   * same backend start), one TERMINATE_SESSIONS action executed, and the report's count is what the successful
   * attempt terminated: all 25, less those an attempt that died with its worker had terminated already (the retry
   * finds them gone and does not count them).
   */
  void assertTerminatedExactlyOnce(JsonNode report, int terminatedByADeadAttempt) throws Exception {
    assertThat(db.leakedLeft()).as("leaked sessions left").isZero();
    assertThat(db.healthyLeft()).as("healthy sessions left").isEqualTo(HEALTHY);
    List<JsonNode> executed = actions(report, "TERMINATE_SESSIONS", "EXECUTED");
    assertThat(executed).as("executed terminations").hasSize(1);
    assertThat((report.hasNonNull("runbook") ? report.get("runbook") : report).get("sessionsTerminated").asInt()).as("sessions terminated per the report")
        .isEqualTo(LEAKED - terminatedByADeadAttempt);
  }

  /** No worker met non-determinism replaying the incident (e.g. after a worker or server restart). */
  void assertNoNonDeterminism() {
    for (RemediatorProcess p : stack.processes()) {
      if (p.name().startsWith("worker")) {
        assertThat(p.output()).as(p.name() + "'s log")
            .doesNotContain("NonDeterministicException")
            .doesNotContain("PotentialDeadlockException");
      }
    }
  }

  /** {@code show} and {@code report} answer for the closed incident (a query of a closed run replays it). */
  void assertShowAndReportWorkAfterClose() {
    RemediatorProcess.Cli show = stack.cli("show", Stack.INCIDENT, "-o", "json", "--timeout", "10");
    assertThat(show.exitCode()).as("show after close: " + show.stdout() + show.stderr()).isZero();
    JsonNode shown = Stack.parse(show.stdout());
    assertThat(shown.get("execution").asText()).isEqualTo("COMPLETED");
    assertThat(shown.at("/status/phase").asText()).isEqualTo("CLOSED");
    RemediatorProcess.Cli report = stack.cli("report", Stack.INCIDENT, "--timeout", "10");
    assertThat(report.exitCode()).as("report after close: " + report.stderr()).isZero();
    assertThat(report.stdout()).contains(Stack.INCIDENT);
  }

  /** No restart annotation, no rollout: the cluster was not touched. */
  void assertClusterUntouched() {
    assertThat(restartedAt()).isNull();
    assertThat(stack.cluster.completedRollouts()).isZero();
  }

  String restartedAt() {
    var d = stack.cluster.client().apps().deployments().inNamespace("prod").withName("auth-service").get();
    return d.getSpec().getTemplate().getMetadata().getAnnotations() == null ? null
        : d.getSpec().getTemplate().getMetadata().getAnnotations().get("kubectl.kubernetes.io/restartedAt");
  }

  static List<JsonNode> actions(JsonNode report, String type, String result) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode a : report.path("actions")) {
      if (type.equals(a.path("type").asText()) && result.equals(a.path("result").asText())) {
        out.add(a);
      }
    }
    return out;
  }

  static boolean timelineHas(JsonNode statusOrReport, String text) {
    for (JsonNode e : statusOrReport.path("timeline")) {
      if (e.path("event").asText().contains(text)) {
        return true;
      }
    }
    return false;
  }

  double elapsed() {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}
