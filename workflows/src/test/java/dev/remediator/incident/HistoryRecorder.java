package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.registry.Runbooks;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Records the incident histories that {@link IncidentReplayTest} replays. Run it after a deliberate, versioned
 * workflow change: {@code mvn -pl workflows test -Dtest=HistoryRecorder -Dremediator.recordHistories=true}.
 */
@EnabledIfSystemProperty(named = "remediator.recordHistories", matches = "true")
class HistoryRecorder {
  static final Path DIR = Path.of("src/test/resources/histories");

  @Test
  void approvedTermination() throws Exception {
    record("approved-termination", SimulatedTarget.leaking(25), "approvers: [alice]", (incident, env) -> {
      String plan = await().until(incident::status, IncidentStatus::awaitingApproval).plan().planId();
      incident.decide(new DecisionRequest(DecisionAction.APPROVE, plan, "alice", "leak confirmed"));
    });
  }

  @Test
  void approvalTimeoutEscalatedAcknowledgedResolved() throws Exception {
    record("escalated-acknowledged", SimulatedTarget.leaking(25), IncidentWorkflowTest.LADDER, (incident, env) -> {
      await().until(incident::status, IncidentStatus::awaitingApproval);
      env.sleep(Duration.ofMinutes(16));
      await().until(incident::status, s -> s.escalatedTo() != null);
      incident.acknowledge(new Acknowledgement("dba-on-call", "looking"));
      incident.alert(IncidentWorkflowTest.RESOLVED);
    });
  }

  @Test
  void poolIncreaseReverted() throws Exception {
    SimulatedTarget world = new SimulatedTarget();
    world.base = 2;
    world.load = 32;
    record("pool-increase-reverted", world, "rollingRestart: off\npoolIncrease: auto", (incident, env) -> {});
  }

  /** Recorded after report-sample-at-close (issue 27): the report's "after" is a sample taken at close. */
  @Test
  void reportSampledAtClose() throws Exception {
    record("report-sampled-at-close", SimulatedTarget.leaking(25), "approvers: [alice]", (incident, env) -> {
      String plan = await().until(incident::status, IncidentStatus::awaitingApproval).plan().planId();
      incident.decide(new DecisionRequest(DecisionAction.APPROVE, plan, "alice", "leak confirmed"));
      for (int i = 0; i < 100 && incident.status().phase() != IncidentPhase.RECOVERED; i++) {
        env.sleep(Duration.ofSeconds(10));
      }
      incident.alert(IncidentWorkflowTest.RESOLVED);
    });
  }

  /**
   * Recorded before the pool runbook's state moved into its findings (issue 23): the last run of an incident that
   * continued as new, whose carried state has the pool runbook's fields at its top level; replayed after the move.
   */
  @Test
  void continuedWithEarlierState() throws Exception {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 22; // High for a long time: watched, sampled, continued as new every 4 samples
    world.recoversAfterSnapshots = 12;
    record("continued-earlier-state", world, "maxSamplesPerRun: 4", IncidentWorkflowTest.HIGH, (incident, env) -> {
      for (int i = 0; i < 200 && incident.status().phase() != IncidentPhase.RECOVERED; i++) {
        env.sleep(Duration.ofSeconds(10));
      }
      incident.alert(IncidentWorkflowTest.HIGH_RESOLVED);
    });
  }

  private static void record(
      String name, SimulatedTarget world, String policy, BiConsumer<IncidentWorkflow, TestWorkflowEnvironment> drive)
      throws Exception {
    record(name, world, policy, IncidentWorkflowTest.CRITICAL, drive);
  }

  private static void record(String name, SimulatedTarget world, String policy, Alert alert,
      BiConsumer<IncidentWorkflow, TestWorkflowEnvironment> drive) throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      RunbookWorkflows.searchAttributes(env);
      Worker worker = env.newWorker("incidents");
      RunbookWorkflows.start(env, worker, world);
      WorkflowClient client = env.getWorkflowClient();
      Target target = IncidentWorkflowTest.TARGET;
      IncidentWorkflow incident =
          client.newWorkflowStub(
              IncidentWorkflow.class,
              WorkflowOptions.newBuilder().setWorkflowId(Runbooks.fallback().incidentId(target)).setTaskQueue("incidents").build());
      WorkflowClient.start(
          incident::run,
          new IncidentInput(target, ConfigLoader.parsePolicy(policy), alert));
      drive.accept(incident, env);
      IncidentReport report = client.newUntypedWorkflowStub(Runbooks.fallback().incidentId(target)).getResult(IncidentReport.class);
      assertThat(report.outcome()).isNotNull();
      Files.createDirectories(DIR);
      Files.writeString(DIR.resolve(name + ".json"), client.fetchHistory(Runbooks.fallback().incidentId(target)).toJson(true));
    }
  }
}
