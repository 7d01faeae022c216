package dev.remediator.worker;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incident.IncidentWorkflowImpl;
import dev.remediator.postgres.DatabaseActivitiesImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;

/** Registers the incident workflow and its activities on the configured task queue. */
public final class RemediatorWorker {
  private RemediatorWorker() {}

  /**
   * Creates (but does not start) the worker factory.
   *
   * @param embedded true against the embedded test server: there a restarted worker would strand workflows on the
   *     dead worker's sticky queue, so sticky execution is given up at once
   */
  public static WorkerFactory create(WorkflowClient client, RemediatorConfig config, boolean embedded) {
    SearchAttributeRegistration.ensure(client);
    WorkerFactory factory = WorkerFactory.newInstance(client);
    WorkerOptions.Builder options = WorkerOptions.newBuilder();
    if (embedded) {
      options.setStickyQueueScheduleToStartTimeout(Duration.ZERO);
    }
    Worker worker = factory.newWorker(config.taskQueueOrDefault(), options.build());
    worker.registerWorkflowImplementationTypes(IncidentWorkflowImpl.class);
    TargetDirectory targets = new TargetDirectory(config);
    worker.registerActivitiesImplementations(new DatabaseActivitiesImpl(targets));
    return factory;
  }
}
