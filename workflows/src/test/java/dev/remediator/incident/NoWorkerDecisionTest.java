package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.registry.Runbooks;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Decisions and alerts that reach an incident while no worker runs: the worker stops while a plan awaits approval,
 * an approval (update) and Alertmanager's notifications arrive, a new worker starts. The sessions are terminated
 * exactly once, the incident closes, and its whole history — the update accepted in the same workflow task as the
 * signals — replays.
 */
class NoWorkerDecisionTest {
  private static final String QUEUE = "no-worker";
  private static final Target TARGET = new Target("prod", "auth-service", "authdb");
  private TestWorkflowEnvironment env;

  @BeforeAll
  static void warmUp() {
    Warmup.dataConverter();
  }

  @AfterEach
  void close() {
    env.close();
  }

  private WorkerFactory startWorker(SimulatedTarget world) {
    WorkerFactory factory = WorkerFactory.newInstance(env.getWorkflowClient(), WorkerFactoryOptions.newBuilder()
        .setWorkflowHostLocalTaskQueueScheduleToStartTimeout(Duration.ZERO).build());
    var worker = factory.newWorker(QUEUE,
        io.temporal.worker.WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(15_000).build());
    RunbookWorkflows.register(worker, world);
    factory.start();
    return factory;
  }

  @Test
  void approvalAndAlertsWhileNoWorkerRunsAreAppliedOnceAndReplay() throws Exception {
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    RunbookWorkflows.searchAttributes(env);
    SimulatedTarget world = SimulatedTarget.leaking(25);
    WorkerFactory first = startWorker(world);
    WorkflowClient client = env.getWorkflowClient();
    IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(Runbooks.fallback().incidentId(TARGET)).setTaskQueue(QUEUE).build());
    WorkflowClient.start(incident::run, new IncidentInput(TARGET,
        ConfigLoader.parsePolicy("approvers: [alice]\nverifySamples: 2\nverifyInterval: 1s\nquietPeriod: 1s\n"),
        IncidentWorkflowTest.CRITICAL));
    String plan = await().atMost(Duration.ofSeconds(30)).until(incident::status, IncidentStatus::awaitingApproval)
        .plan().planId();

    first.shutdownNow();
    first.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    WorkflowStub stub = WorkflowStub.fromTyped(incident);
    // Alertmanager keeps sending while the worker is down: High joins, Critical repeats.
    stub.signal("alert", IncidentWorkflowTest.HIGH);
    stub.signal("alerts", new AlertBatch(List.of(IncidentWorkflowTest.CRITICAL, IncidentWorkflowTest.HIGH)));
    CompletableFuture<DecisionResult> decision = CompletableFuture.supplyAsync(() -> stub.startUpdate(
            UpdateOptions.newBuilder(DecisionResult.class).setUpdateName("decide")
                .setWaitForStage(WorkflowUpdateStage.COMPLETED).build(),
            new DecisionRequest(DecisionAction.APPROVE, plan, "alice", "approved while no worker ran"))
        .getResult());
    stub.signal("alert", IncidentWorkflowTest.HIGH);

    WorkerFactory second = startWorker(world);
    try {
      assertThat(decision.get(30, java.util.concurrent.TimeUnit.SECONDS).accepted()).isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> incident.status().phase() == IncidentPhase.RECOVERED);
      stub.signal("alerts", new AlertBatch(List.of(IncidentWorkflowTest.RESOLVED,
          IncidentWorkflowTest.HIGH_RESOLVED)));
      IncidentReport report = stub.getResult(30, java.util.concurrent.TimeUnit.SECONDS, IncidentReport.class);

      assertThat(world.terminations).hasSize(1);
      assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
      assertThat(report.severity()).isEqualTo(Severity.CRITICAL);
      assertThat(report.timeline().stream().filter(e -> e.event().contains("DatabaseConnectionPoolHigh firing")))
          .hasSize(1);
      RunbookWorkflows.replay(client.fetchHistory(Runbooks.fallback().incidentId(TARGET)));
    } finally {
      second.shutdownNow();
    }
  }
}
