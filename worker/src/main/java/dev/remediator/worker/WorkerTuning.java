package dev.remediator.worker;

import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;

/**
 * The worker's memory and thread budget. Each incident kept in the workflow cache holds its state and a thread while
 * it waits; one that is not cached is replayed from its history when a signal or timer wakes it (milliseconds for an
 * incident's history). The defaults are sized for 1,000 open incidents that mostly wait (for a decision, an
 * acknowledgement, a quiet period, a revert): a small cache, a few dozen threads, a bounded number of activities at
 * once; the SDK's defaults (600 cached, 600 workflow threads, 200 + 200 task slots) are sized for busy workflows.
 *
 * @param workflowCacheSize incidents kept in memory between workflow tasks
 * @param maxWorkflowThreads threads running workflow code, cached incidents included (at least the cache size)
 * @param maxConcurrentWorkflowTasks workflow tasks executed at once
 * @param maxConcurrentActivities activities executed at once (each may wait on a database, Kubernetes, a channel)
 * @param workflowPollers concurrent long polls for workflow tasks
 * @param activityPollers concurrent long polls for activity tasks
 */
public record WorkerTuning(
    int workflowCacheSize,
    int maxWorkflowThreads,
    int maxConcurrentWorkflowTasks,
    int maxConcurrentActivities,
    int workflowPollers,
    int activityPollers) {

  public static final WorkerTuning DEFAULT = new WorkerTuning(32, 40, 8, 16, 2, 2);

  public WorkerTuning {
    if (workflowCacheSize < 0 || maxWorkflowThreads < 1 || maxConcurrentWorkflowTasks < 1
        || maxConcurrentActivities < 1 || workflowPollers < 1 || activityPollers < 1) {
      throw new IllegalArgumentException("worker tuning: sizes must be positive (the cache may be 0): " + this);
    }
    if (maxWorkflowThreads < workflowCacheSize) {
      throw new IllegalArgumentException("worker tuning: maxWorkflowThreads (" + maxWorkflowThreads
          + ") must be at least workflowCacheSize (" + workflowCacheSize + ")");
    }
  }

  WorkerFactoryOptions factoryOptions() {
    return WorkerFactoryOptions.newBuilder()
        .setWorkflowCacheSize(workflowCacheSize)
        .setMaxWorkflowThreadCount(maxWorkflowThreads)
        .validateAndBuildWithDefaults();
  }

  WorkerOptions.Builder workerOptions() {
    return WorkerOptions.newBuilder()
        .setMaxConcurrentWorkflowTaskExecutionSize(maxConcurrentWorkflowTasks)
        .setMaxConcurrentActivityExecutionSize(maxConcurrentActivities)
        .setMaxConcurrentWorkflowTaskPollers(workflowPollers)
        .setMaxConcurrentActivityTaskPollers(activityPollers);
  }
}
