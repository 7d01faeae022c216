package dev.remediator.incident;

import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.registry.Runbooks;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The generated alert streams of {@link AlertStreamPropertyTest} on the real Temporal server ({@code temporal server
 * start-dev}, SQLite, visibility), in real time: every duration of the policy and of the stream's pauses divided by
 * 20 (a 20 s verify interval is 1 s). The same invariants after every step, the same replay of every history. Needs
 * the CLI ({@code $TEMPORAL_CLI} or {@code temporal} on the PATH); skipped with a message without it, a failure when
 * {@code REMEDIATOR_REQUIRE_REAL_TEMPORAL=true} (as CI sets it). {@code -Dremediator.devstreams.count=N} (default 8).
 */
class AlertStreamOnDevServerTest extends AlertStreamPropertyTest {
  private Process server;
  private Path dir;
  private WorkflowServiceStubs stubs;
  private WorkerFactory factory;

  @Override
  @BeforeAll
  void start() {
    Warmup.dataConverter();
    Path cli = cli();
    try {
      dir = Files.createTempDirectory("streams-dev-server");
      int port = freePort();
      List<String> command = new ArrayList<>(List.of(cli.toString(), "server", "start-dev", "--headless",
          "--ip", "127.0.0.1", "--port", Integer.toString(port), "--http-port", Integer.toString(freePort()),
          "--metrics-port", Integer.toString(freePort()), "--db-filename", dir.resolve("temporal.db").toString(),
          "--log-level", "error"));
      IncidentSearchAttributes.ALL.forEach(
          k -> command.addAll(List.of("--search-attribute", k.getName() + "=Keyword")));
      server = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve("server.log").toFile()).start();
      stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
      Awaitility.await("temporal server start-dev answers").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> stubs.blockingStub().withDeadlineAfter(1, java.util.concurrent.TimeUnit.SECONDS)
              .getSystemInfo(io.temporal.api.workflowservice.v1.GetSystemInfoRequest.getDefaultInstance()) != null);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    client = WorkflowClient.newInstance(stubs);
    // A cache of two workflows while four run: most workflow tasks start from a replay, on the real server too.
    factory = WorkerFactory.newInstance(client, WorkerFactoryOptions.newBuilder().setWorkflowCacheSize(2).build());
    Worker worker = factory.newWorker(TASK_QUEUE, workerOptions());
    RunbookWorkflows.register(worker, new WorldsByTarget(worlds));
    factory.start();
  }

  @Override
  @AfterAll
  void stop() {
    if (factory != null) {
      factory.shutdownNow();
    }
    if (stubs != null) {
      stubs.shutdownNow();
    }
    if (server != null) {
      server.destroy();
      try {
        if (!server.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  int sequences() {
    return Integer.getInteger("remediator.devstreams.count", 8);
  }

  @Override
  long scale() {
    return 20;
  }

  @Override
  void pass(Duration d) {
    try {
      Thread.sleep(d.toMillis()); // real time: the stream's pause is what is being tested, nothing to await
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The real server takes a cancellation of a timer that fired during the task: signals go at any instant here. */
  @Override
  void beforeSignal(String workflowId) {}

  /**
   * The Web UI's saved view "awaiting approval" ({@code RemediatorPendingPlan IS NOT NULL}, docs/operations.md) on
   * the real server's visibility: it lists an incident while its plan waits, and not once the incident closed.
   */
  @org.junit.jupiter.api.Test
  void theAwaitingApprovalViewListsAPendingPlanAndNeverAClosedIncident() {
    Target target = new Target("prop", "svc-pending-plan", "db");
    worlds.put(target.id(), SimulatedTarget.leaking(25));
    IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class, io.temporal.client.WorkflowOptions
        .newBuilder().setWorkflowId(Runbooks.fallback().incidentId(target)).setTaskQueue(TASK_QUEUE).build());
    Alert critical = new Alert(dev.remediator.runbook.dbpool.DbPoolRunbook.CRITICAL, "critical", "firing",
        "c-pending", "2026-11-26T17:27:15.08Z", null);
    WorkflowClient.start(incident::run, new IncidentInput(target,
        dev.remediator.config.loader.ConfigLoader.parsePolicy(policy(scale())), critical, "alertmanager", null));
    String one = "WorkflowId = '" + Runbooks.fallback().incidentId(target) + "'";
    String awaiting = one + " AND RemediatorPendingPlan IS NOT NULL";

    String plan = Awaitility.await().atMost(Duration.ofSeconds(60)).until(
        () -> incident.status().awaitingApproval() ? incident.status().plan().planId() : null,
        java.util.Objects::nonNull);
    Awaitility.await("the pending plan in visibility").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200)).until(() -> client.countWorkflows(awaiting).getCount() == 1);
    Assertions.assertTrue(client.countWorkflows(one + " AND RemediatorPendingPlan = '" + plan + "'").getCount() == 1);

    incident.alert(new Alert(critical.alertName(), "critical", "resolved", "c-pending", critical.startsAt(), null));
    io.temporal.client.WorkflowStub.fromTyped(incident).getResult(IncidentReport.class); // after the quiet period
    Awaitility.await("the closed incident in visibility").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> client.countWorkflows(one + " AND ExecutionStatus = 'Completed'").getCount() == 1);
    Assertions.assertEquals(0, client.countWorkflows(awaiting).getCount(),
        "a closed incident is not listed as awaiting approval");
    Assertions.assertEquals(1, client.countWorkflows(one + " AND RemediatorPhase = 'CLOSED'").getCount());
  }

  private static Path cli() {
    Optional<Path> found = Optional.ofNullable(System.getenv("TEMPORAL_CLI")).filter(s -> !s.isBlank()).map(Path::of)
        .or(() -> Optional.ofNullable(System.getenv("PATH")).stream()
            .flatMap(p -> List.of(p.split(File.pathSeparator)).stream())
            .map(d -> Path.of(d, "temporal")).filter(Files::isExecutable).findFirst());
    if (found.isPresent()) {
      return found.get();
    }
    String why = "no Temporal CLI (TEMPORAL_CLI or `temporal` on the PATH; scripts/install-temporal-cli.sh): the"
        + " alert streams on the real server cannot run";
    if (Boolean.parseBoolean(System.getenv().getOrDefault("REMEDIATOR_REQUIRE_REAL_TEMPORAL", "false"))) {
      Assertions.fail(why + ", and REMEDIATOR_REQUIRE_REAL_TEMPORAL requires it");
    }
    System.err.println("[WARNING] SKIPPING AlertStreamOnDevServerTest: " + why);
    Assumptions.abort(why);
    return null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
