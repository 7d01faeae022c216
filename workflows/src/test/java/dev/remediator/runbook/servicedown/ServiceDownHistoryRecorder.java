package dev.remediator.runbook.servicedown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.DecisionAction;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.IncidentWorkflow;
import dev.remediator.registry.RunbookWorkflows;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Records the Service Down history that {@code IncidentReplayTest} replays with the others: a bad rollout, approved,
 * rolled back, verified, resolved. {@code mvn -pl workflows test -Dtest=ServiceDownHistoryRecorder
 * -Dremediator.recordHistories=true}.
 */
@EnabledIfSystemProperty(named = "remediator.recordHistories", matches = "true")
class ServiceDownHistoryRecorder {
  static final Path DIR = Path.of("src/test/resources/histories");

  @Test
  void badRolloutRolledBack() throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      RunbookWorkflows.searchAttributes(env);
      Worker worker = env.newWorker("incidents");
      RunbookWorkflows.start(env, worker, new ServiceDownWorld(ServiceDownWorld.Scenario.BAD_ROLLOUT));
      WorkflowClient client = env.getWorkflowClient();
      String id = ServiceDownWorkflowTest.ID;
      IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue("incidents").build());
      WorkflowClient.start(incident::run, new IncidentInput(ServiceDownWorkflowTest.TARGET,
          ConfigLoader.parsePolicy(ServiceDownWorkflowTest.LADDER), ServiceDownWorkflowTest.DOWN));
      String plan = await().until(incident::status, IncidentStatus::awaitingApproval).plan().planId();
      incident.decide(new DecisionRequest(DecisionAction.APPROVE, plan, "alice", "bad image"));
      for (int i = 0; i < 100 && incident.status().phase() != IncidentPhase.RECOVERED; i++) {
        env.sleep(Duration.ofSeconds(10));
      }
      incident.alert(ServiceDownWorkflowTest.DOWN_RESOLVED);
      IncidentReport report = client.newUntypedWorkflowStub(id).getResult(IncidentReport.class);
      assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
      Files.createDirectories(DIR);
      Files.writeString(DIR.resolve("servicedown-rolled-back.json"), client.fetchHistory(id).toJson(true));
    }
  }
}
