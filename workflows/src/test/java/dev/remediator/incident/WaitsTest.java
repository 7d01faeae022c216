package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Waits#until} when the condition ends a wait at the moment its short timer fires: the workflow goes on (the
 * timer is left to fire, not cancelled). Cancelling it there made Temporal's in-memory test server, the embedded
 * stack's, reject the workflow task ("invalid history builder state for action") and the workflow stalled.
 */
class WaitsTest {

  @WorkflowInterface
  public interface Waiting {
    @WorkflowMethod
    int waitThreeTimes();

    @SignalMethod
    void go();
  }

  public static class WaitingImpl implements Waiting {
    private final Waits waits = new Waits();
    private int signals;

    @Override
    public int waitThreeTimes() {
      int ended = 0;
      for (int i = 1; i <= 3; i++) {
        int wanted = i;
        ended += waits.until("verify interval", Duration.ofSeconds(1), () -> signals >= wanted) ? 1 : 0;
      }
      waits.sleep("then go on, as an incident does", Duration.ofMinutes(1));
      return ended;
    }

    @Override
    public void go() {
      signals++;
    }
  }

  @RegisterExtension
  static final TestWorkflowExtension testWorkflow =
      TestWorkflowExtension.newBuilder().registerWorkflowImplementationTypes(WaitingImpl.class).build();

  @Test
  void aSignalAsTheShortTimerFiresEndsTheWaitAndTheWorkflowGoesOn(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) throws Exception {
    Waiting waiting = client.newWorkflowStub(Waiting.class,
        WorkflowOptions.newBuilder().setTaskQueue(worker.getTaskQueue()).build());
    // Each signal lands on the second its wait's timer fires (the test server's clock: the same instant).
    for (int s = 1; s <= 3; s++) {
      env.registerDelayedCallback(Duration.ofSeconds(s), waiting::go);
    }
    WorkflowClient.start(waiting::waitThreeTimes);

    WorkflowStub stub = WorkflowStub.fromTyped(waiting);
    int ended = stub.getResultAsync(Integer.class).get(30, TimeUnit.SECONDS);

    assertThat(ended).as("waits the condition ended").isBetween(0, 3);
    WorkflowReplayer.replayWorkflowExecution(
        client.fetchHistory(stub.getExecution().getWorkflowId()), WaitingImpl.class);
  }
}
