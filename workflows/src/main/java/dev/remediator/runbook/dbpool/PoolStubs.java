package dev.remediator.runbook.dbpool;

import static dev.remediator.incident.ActivityStubs.heartbeating;
import static dev.remediator.incident.ActivityStubs.localOptions;
import static dev.remediator.incident.ActivityStubs.options;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * The pool runbook's own activity stubs ({@link DatabaseActivities}, {@link PoolSizeActivities}), made with the one
 * options factory {@link dev.remediator.incident.ActivityStubs}; the shared contracts' stubs are {@code
 * runbook.SharedStubs}'. Workflow code only.
 */
final class PoolStubs {
  /**
   * Snapshots: one read-only statement under the connector's statement timeout, retried a few times (53300 and
   * missing privileges are not retried).
   */
  static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(30);

  static final int SNAPSHOT_ATTEMPTS = 3;

  /**
   * Terminations heartbeat after each session (progress survives a worker crash as heartbeat details), so a dead
   * worker is noticed after the heartbeat timeout while a slow backend exit may take longer than one statement.
   */
  static final Duration TERMINATION_TIMEOUT = Duration.ofMinutes(5);

  static final Duration TERMINATION_DEADLINE = Duration.ofMinutes(12);

  static final int TERMINATION_ATTEMPTS = 3;

  /** Reading or changing the pool env vars: one get and at most one patch (re-read on a conflict), as a restart. */
  static final Duration POOL_SIZE_TIMEOUT = Duration.ofSeconds(60);

  static final int POOL_SIZE_ATTEMPTS = 3;

  /**
   * Reverting a pool increase matters more than anything else (a temporary increase left in place holds database
   * slots for good): 20 attempts, 5 s doubling to 5 min apart, for up to an hour of API-server trouble.
   */
  static final RetryOptions REVERT_RETRIES =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(5))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofMinutes(5))
          .setMaximumAttempts(20)
          .build();

  static final Duration REVERT_DEADLINE = Duration.ofHours(1);

  /**
   * The check for similar issues at close: best effort, so at most 2 attempts; each may take the policy's budget
   * plus this margin (connections opened late and closed, the result's serialization).
   */
  static final Duration SIMILAR_SCAN_MARGIN = Duration.ofSeconds(10);

  static final int SIMILAR_SCAN_ATTEMPTS = 2;

  private PoolStubs() {}

  static DatabaseActivities scanner(String summary, PoolPolicy own) {
    return Workflow.newActivityStub(DatabaseActivities.class,
        options(summary, own.similarScanBudget().plus(SIMILAR_SCAN_MARGIN), SIMILAR_SCAN_ATTEMPTS));
  }

  static DatabaseActivities database(String summary) {
    return Workflow.newActivityStub(
        DatabaseActivities.class, options(summary, SNAPSHOT_TIMEOUT, SNAPSHOT_ATTEMPTS));
  }

  /** The snapshot as a local activity: in the workflow task that asks for it (a sample while the database is down). */
  static DatabaseActivities databaseLocally(String summary) {
    return Workflow.newLocalActivityStub(
        DatabaseActivities.class, localOptions(summary, SNAPSHOT_TIMEOUT, SNAPSHOT_ATTEMPTS));
  }

  static DatabaseActivities terminator(String summary) {
    return Workflow.newActivityStub(
        DatabaseActivities.class,
        heartbeating(summary, TERMINATION_TIMEOUT, TERMINATION_DEADLINE, TERMINATION_ATTEMPTS));
  }

  static PoolSizeActivities poolSize(String summary) {
    return Workflow.newActivityStub(
        PoolSizeActivities.class, options(summary, POOL_SIZE_TIMEOUT, POOL_SIZE_ATTEMPTS));
  }

  static PoolSizeActivities restorer() {
    return Workflow.newActivityStub(
        PoolSizeActivities.class,
        ActivityOptions.newBuilder()
            .setSummary("Revert temporary pool increase")
            .setStartToCloseTimeout(POOL_SIZE_TIMEOUT)
            .setScheduleToCloseTimeout(REVERT_DEADLINE)
            .setRetryOptions(REVERT_RETRIES)
            .build());
  }
}
