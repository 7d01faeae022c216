package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.testing.WorkflowReplayer;
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
    @io.temporal.workflow.WorkflowInit
    public ReorderedIncidentWorkflow(IncidentInput input) {
      super(input);
    }

    @Override
    public IncidentReport run(IncidentInput input) {
      Workflow.sleep(Duration.ofMinutes(1));
      return super.run(input);
    }
  }

  @Test
  void aChangedStepOrderFailsTheReplay() {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecutionFromResource(
            "histories/approved-termination.json", ReorderedIncidentWorkflow.class))
        .hasMessageContaining("TMPRL1100");
  }
}
