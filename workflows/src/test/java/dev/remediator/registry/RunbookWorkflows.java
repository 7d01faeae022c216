package dev.remediator.registry;

import dev.remediator.incident.IncidentSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;

/**
 * The workflow-test scaffolding both runbooks' tests share: the incident shell registered with the registry's
 * runbooks ({@link Runbooks#registerWorkflows}, as the worker does) beside the activities a test gives, the
 * search attributes the shell upserts, and replay against the same registration.
 *
 * <p>Use {@link #extension()} as a test's {@code @RegisterExtension}, then {@link #start} in the test with the
 * environment and worker it is handed; or {@link #register} on a worker of an environment of the test's own.
 */
public final class RunbookWorkflows {
  private RunbookWorkflows() {}

  /**
   * Temporal's time-skipping test environment, not started: the test's {@link #start} registers the shell and its
   * activities first. The deadlock detector allows 15 s (a loaded 2-core machine builds serializers slowly).
   */
  public static TestWorkflowExtension extension() {
    return searchAttributes(TestWorkflowExtension.newBuilder()
            .setWorkerOptions(WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(15_000).build())
            .setDoNotStart(true))
        .build();
  }

  /** Registers the shell's search attributes on an extension being built. */
  public static TestWorkflowExtension.Builder searchAttributes(TestWorkflowExtension.Builder b) {
    IncidentSearchAttributes.ALL.forEach(
        k -> b.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    return b;
  }

  /** Registers the shell's search attributes on an environment of the test's own. */
  public static TestWorkflowEnvironment searchAttributes(TestWorkflowEnvironment env) {
    IncidentSearchAttributes.ALL.forEach(
        k -> env.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    return env;
  }

  /** The shell with the registry's runbooks, and the activities given, on the worker (not started). */
  public static Worker register(Worker worker, Object... activities) {
    Runbooks.registerWorkflows(worker);
    if (activities.length > 0) {
      worker.registerActivitiesImplementations(activities);
    }
    return worker;
  }

  /** {@link #register}, then starts the environment. */
  public static void start(TestWorkflowEnvironment env, Worker worker, Object... activities) {
    register(worker, activities);
    env.start();
  }

  /** Replays a history against today's shell and runbooks; throws on non-determinism. */
  public static void replay(WorkflowExecutionHistory history) throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      WorkflowReplayer.replayWorkflowExecution(history, register(env.newWorker("replay")));
    }
  }

  /** Replays a history stored as a test resource (e.g. {@code histories/approved-termination.json}). */
  public static void replayResource(String resource) throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      WorkflowReplayer.replayWorkflowExecutionFromResource(resource, register(env.newWorker("replay")));
    }
  }
}
