package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remediator.registry.Runbooks;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkflowImplementationOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The replay tests can fail: a workflow that does the runbook's steps in another order than a recorded history
 * (here: it samples before it assesses) is rejected as non-deterministic.
 */
class NonDeterminismTest {

  @BeforeAll
  static void warmUp() {
    Warmup.dataConverter();
  }

  /** The incident workflow with its first step changed: waits a minute before anything else. */
  public static class ReorderedIncidentWorkflow extends IncidentWorkflowImpl {
    public ReorderedIncidentWorkflow(IncidentInput input) {
      super(input, Runbooks.CATALOG);
    }

    @Override
    public IncidentReport run(IncidentInput input) {
      Workflow.sleep(Duration.ofMinutes(1));
      return super.run(input);
    }
  }

  @Test
  void aChangedStepOrderFailsTheReplay() {
    assertThatThrownBy(() -> {
      try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
        Worker worker = env.newWorker("replay");
        worker.registerWorkflowImplementationFactory(IncidentWorkflow.class,
            input -> new ReorderedIncidentWorkflow(input.get(0, IncidentInput.class)),
            WorkflowImplementationOptions.getDefaultInstance());
        WorkflowReplayer.replayWorkflowExecutionFromResource("histories/approved-termination.json", worker);
      }
    }).hasMessageContaining("TMPRL1100");
  }
}
