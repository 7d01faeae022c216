package dev.remediator.worker;

import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import io.temporal.worker.tuning.PollerBehaviorAutoscaling;

/**
 * The worker's memory and thread budget. Each incident kept in the workflow cache holds its state and a thread while
 * it waits; one that is not cached is replayed from its history when a signal or timer wakes it (milliseconds for an
 * incident's history). The defaults are sized for 1,000 open incidents that mostly wait (for a decision, an
 * acknowledgement, a quiet period, a revert): a small cache, a few dozen threads, a bounded number of activities at
 * once; the SDK's defaults (600 cached, 600 workflow threads, 200 + 200 task slots) are sized for busy workflows.
 *
 * <p>An alert storm is the other extreme: 1,000 incidents open at once, each running its assessment and diagnosis
 * (a dozen workflow tasks and activity attempts, every one a poll away). Two fixed pollers per queue capped the worker
 * at a few tasks a second on {@code temporal server start-dev} (the storm bench: first tasks 13+ min after the
 * delivery). Pollers now scale with what the server hands out ({@link PollerBehaviorAutoscaling}: one long poll per
 * queue when idle, up to {@code workflowPollers} / {@code activityPollers} while polls return tasks), the sticky queue
 * and the task queue each on their own (the SDK balances them by the sticky backlog the server reports), so the
 * incidents a cached run holds (sticky) and the new ones (the task queue, FIFO) are both polled. Slots bound the work
 * in flight; an idle worker holds no poller beyond one per queue. The sticky queue's schedule-to-start timeout stays
 * the SDK's 5 s: within it the cached run saves a replay; past it the task goes back to the task queue, where any
 * worker takes it (a dead worker's incidents wait no longer than that).
 *
 * @param workflowCacheSize incidents kept in memory between workflow tasks; 0: none, and no sticky execution (every
 *     workflow task comes from the task queue with the incident's history and replays it)
 * @param maxWorkflowThreads threads running workflow code, cached incidents included (at least the cache size)
 * @param maxConcurrentWorkflowTasks workflow tasks executed at once
 * @param maxConcurrentActivities activities executed at once (each may wait on a database, Kubernetes, a channel)
 * @param workflowPollers at most this many long polls for workflow tasks at once, per queue (autoscaled from one)
 * @param activityPollers at most this many long polls for activity tasks at once (autoscaled from one)
 */
public record WorkerTuning(
    int workflowCacheSize,
    int maxWorkflowThreads,
    int maxConcurrentWorkflowTasks,
    int maxConcurrentActivities,
    int workflowPollers,
    int activityPollers) {

  /** Threads: the cache plus a thread for each workflow task in flight, so a task never evicts a cached incident. */
  public static final WorkerTuning DEFAULT = new WorkerTuning(32, 48, 16, 32, 8, 8);

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
        // The SDK reads a cache size of 0 as "its default" (600): 0 here is no sticky execution and a cache of one.
        .setWorkflowCacheSize(Math.max(1, workflowCacheSize))
        .setMaxWorkflowThreadCount(maxWorkflowThreads)
        .validateAndBuildWithDefaults();
  }

  WorkerOptions.Builder workerOptions() {
    WorkerOptions.Builder options = WorkerOptions.newBuilder();
    if (workflowCacheSize == 0) {
      // No sticky execution: every workflow task comes from the task queue with the incident's whole history.
      options.setStickyQueueScheduleToStartTimeout(java.time.Duration.ZERO);
    }
    return options
        .setMaxConcurrentWorkflowTaskExecutionSize(maxConcurrentWorkflowTasks)
        .setMaxConcurrentActivityExecutionSize(maxConcurrentActivities)
        .setWorkflowTaskPollersBehavior(new PollerBehaviorAutoscaling(1, workflowPollers, 1))
        .setActivityTaskPollersBehavior(new PollerBehaviorAutoscaling(1, activityPollers, 1));
  }
}
