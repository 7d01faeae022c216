package dev.remediator.bench;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/**
 * The benchmark's baseline for workflow overhead: a workflow that runs {@code n} no-op activities one after the
 * other, on the same server, worker set-up and client as the incidents. Not part of any runbook.
 */
@WorkflowInterface
public interface NoopWorkflow {
  @WorkflowMethod
  int run(int activities);

  /** One activity that does nothing. */
  @ActivityInterface
  interface Noop {
    int step(int i);
  }

  /** The activity. */
  final class NoopImpl implements Noop {
    @Override
    public int step(int i) {
      return i;
    }
  }

  /** The workflow: {@code activities} calls in sequence, as a runbook makes them. */
  final class Impl implements NoopWorkflow {
    private final Noop noop = Workflow.newActivityStub(Noop.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(10))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
        .build());

    @Override
    public int run(int activities) {
      int sum = 0;
      for (int i = 0; i < activities; i++) {
        sum += noop.step(i);
      }
      return sum;
    }
  }
}
