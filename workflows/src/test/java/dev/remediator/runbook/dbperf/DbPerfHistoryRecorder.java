package dev.remediator.runbook.dbperf;

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
 * Records the Database Performance history that {@code IncidentReplayTest} replays with the others: a root blocker
 * idle in transaction, its cancel approved and not clearing the waits, its termination approved, verified, resolved.
 * {@code mvn -pl workflows test -Dtest=DbPerfHistoryRecorder -Dremediator.recordHistories=true}.
 */
@EnabledIfSystemProperty(named = "remediator.recordHistories", matches = "true")
class DbPerfHistoryRecorder {
  static final Path DIR = Path.of("src/test/resources/histories");

  @Test
  void blockerCancelledThenTerminated() throws Exception {
    record("dbperf-blocker-terminated.json");
  }

  /**
   * The same incident closing under the shell's {@code similar-issues-at-close} marker, recorded with the code from
   * before {@link DbPerfSteps#SIMILAR_DATABASES} (commit d0ca594: the runbook had no check of its own, so no activity
   * ran at close). Replaying it proves an incident closed then still replays. Re-recording it with today's code
   * would record the check instead: keep the recorded file.
   */
  @Test
  void closedBeforeTheSimilarDatabasesCheck() throws Exception {
    record("dbperf-closed-before-similar-databases.json");
  }

  private static void record(String file) throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      RunbookWorkflows.searchAttributes(env);
      Worker worker = env.newWorker("incidents");
      RunbookWorkflows.start(env, worker, DbPerfWorld.lockContention(3, true));
      WorkflowClient client = env.getWorkflowClient();
      String id = DbPerfWorkflowTest.ID;
      IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue("incidents").build());
      WorkflowClient.start(incident::run, new IncidentInput(DbPerfWorkflowTest.TARGET,
          ConfigLoader.parsePolicy(DbPerfWorkflowTest.LADDER), DbPerfWorkflowTest.LOCK_WAITS));
      String cancel = await().until(incident::status, IncidentStatus::awaitingApproval).plan().planId();
      incident.decide(new DecisionRequest(DecisionAction.APPROVE, cancel, "alice", "blocking checkout"));
      String terminate = null;
      for (int i = 0; i < 100 && terminate == null; i++) {
        IncidentStatus s = incident.status();
        if (s.awaitingApproval() && !s.plan().planId().equals(cancel)) {
          terminate = s.plan().planId();
        } else {
          env.sleep(Duration.ofSeconds(10));
        }
      }
      incident.decide(new DecisionRequest(DecisionAction.APPROVE, terminate, "alice", "idle in transaction"));
      for (int i = 0; i < 100 && incident.status().phase() != IncidentPhase.RECOVERED; i++) {
        env.sleep(Duration.ofSeconds(10));
      }
      incident.alert(DbPerfWorkflowTest.LOCK_WAITS_RESOLVED);
      IncidentReport report = client.newUntypedWorkflowStub(id).getResult(IncidentReport.class);
      assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
      Files.createDirectories(DIR);
      Files.writeString(DIR.resolve(file), client.fetchHistory(id).toJson(true));
    }
  }
}
