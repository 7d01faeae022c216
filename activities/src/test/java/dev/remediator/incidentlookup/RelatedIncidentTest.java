package dev.remediator.incidentlookup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.runbook.servicedown.RelatedIncident;
import dev.remediator.runbook.servicedown.IncidentLookupActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code relatedIncident} describes another workflow through the activity's own Temporal client: the
 * connection-pool incident of the same target is open while its workflow runs, not once it completed, and an ID
 * never started is NOT_FOUND.
 */
class RelatedIncidentTest {
  static final String POOL_INCIDENT = "dbpool:prod:auth-service:authdb";

  @WorkflowInterface
  public interface Holder {
    @WorkflowMethod
    void hold();

    @SignalMethod
    void release();
  }

  public static class HolderImpl implements Holder {
    private boolean released;

    @Override
    public void hold() {
      Workflow.await(() -> released);
    }

    @Override
    public void release() {
      released = true;
    }
  }

  @WorkflowInterface
  public interface Asker {
    @WorkflowMethod
    RelatedIncident ask(String incidentId);
  }

  public static class AskerImpl implements Asker {
    @Override
    public RelatedIncident ask(String incidentId) {
      return Workflow.newActivityStub(IncidentLookupActivities.class, ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(10))
              .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
              .build())
          .relatedIncident(incidentId);
    }
  }

  // No time skipping: nothing here waits on a timer, and the holder must stay open exactly until released.
  final TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(
      io.temporal.testing.TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());

  @AfterEach
  void close() {
    env.close();
  }

  RelatedIncident ask(String id) {
    return env.getWorkflowClient().newWorkflowStub(Asker.class,
        WorkflowOptions.newBuilder().setTaskQueue("q").setWorkflowId("asker-" + System.nanoTime()).build()).ask(id);
  }

  @Test
  void openWhileThePoolIncidentRunsNotAfterItCompleted() {
    Worker worker = env.newWorker("q");
    worker.registerWorkflowImplementationTypes(HolderImpl.class, AskerImpl.class);
    worker.registerActivitiesImplementations(new IncidentLookupActivitiesImpl());
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    Holder pool = client.newWorkflowStub(Holder.class,
        WorkflowOptions.newBuilder().setTaskQueue("q").setWorkflowId(POOL_INCIDENT).build());
    WorkflowClient.start(pool::hold);

    assertThat(ask(POOL_INCIDENT)).isEqualTo(new RelatedIncident(POOL_INCIDENT, true, "RUNNING"));

    pool.release();
    WorkflowStub.fromTyped(pool).getResult(Void.class);
    assertThat(ask(POOL_INCIDENT)).isEqualTo(new RelatedIncident(POOL_INCIDENT, false, "COMPLETED"));
    assertThat(ask("dbpool:prod:payments:paymentsdb"))
        .isEqualTo(new RelatedIncident("dbpool:prod:payments:paymentsdb", false, "NOT_FOUND"));
  }
}
