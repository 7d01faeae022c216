package dev.remediator.incident;

import dev.remediator.runbook.dbpool.DatabaseActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * The incident workflow's activity stubs, in one place to audit: every activity has explicit timeouts, a bounded
 * retry policy, and a summary so the Temporal UI timeline reads like the runbook. Workflow code only.
 */
public final class ActivityStubs {

  private ActivityStubs() {}

  /** Snapshots: one statement each, retried a few times (53300 and missing privileges are not retried). */
  public static DatabaseActivities database(String summary) {
    return Workflow.newActivityStub(DatabaseActivities.class, options(summary, Duration.ofSeconds(30), 3));
  }

  /**
   * Terminations heartbeat after each session (progress survives a worker crash as heartbeat details), so a dead
   * worker is noticed after the heartbeat timeout while a slow backend exit may take longer than one statement.
   */
  public static DatabaseActivities terminator(String summary) {
    return Workflow.newActivityStub(
        DatabaseActivities.class,
        ActivityOptions.newBuilder()
            .setSummary(summary)
            .setStartToCloseTimeout(Duration.ofMinutes(5))
            .setScheduleToCloseTimeout(Duration.ofMinutes(12))
            .setHeartbeatTimeout(Duration.ofSeconds(30))
            .setRetryOptions(retries(3))
            .build());
  }

  public static ProbeActivities probes() {
    return Workflow.newActivityStub(
        ProbeActivities.class, options("Check /health and /ready", Duration.ofSeconds(20), 2));
  }

  public static KubernetesActivities kubernetes(String summary) {
    return Workflow.newActivityStub(KubernetesActivities.class, options(summary, Duration.ofSeconds(60), 3));
  }

  /** Waiting for a rollout: as long as the policy's rollout timeout plus a minute, heartbeating while it polls. */
  public static KubernetesActivities rollout(String summary, Duration rolloutTimeout) {
    Duration timeout = rolloutTimeout.plusMinutes(1);
    return Workflow.newActivityStub(
        KubernetesActivities.class,
        ActivityOptions.newBuilder()
            .setSummary(summary)
            .setStartToCloseTimeout(timeout)
            .setScheduleToCloseTimeout(timeout.multipliedBy(2))
            .setHeartbeatTimeout(Duration.ofSeconds(30))
            .setRetryOptions(retries(2))
            .build());
  }

  /** Reverting a pool increase matters more than anything else: more attempts, longer backoff. */
  public static KubernetesActivities restorer() {
    return Workflow.newActivityStub(
        KubernetesActivities.class,
        ActivityOptions.newBuilder()
            .setSummary("Revert temporary pool increase")
            .setStartToCloseTimeout(Duration.ofSeconds(60))
            .setScheduleToCloseTimeout(Duration.ofHours(1))
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(5))
                    .setBackoffCoefficient(2)
                    .setMaximumInterval(Duration.ofMinutes(5))
                    .setMaximumAttempts(20)
                    .build())
            .build());
  }

  public static NotificationActivities notifications(String summary) {
    return Workflow.newActivityStub(NotificationActivities.class, options(summary, Duration.ofSeconds(60), 2));
  }

  /** Bounded retries: 2 s initial, doubling, at most 30 s apart. */
  public static RetryOptions retries(int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(2))
        .setBackoffCoefficient(2)
        .setMaximumInterval(Duration.ofSeconds(30))
        .setMaximumAttempts(attempts)
        .build();
  }

  /** Options with a UI summary, start-to-close per attempt, bounded attempts and a schedule-to-close for all. */
  public static ActivityOptions options(String summary, Duration startToClose, int attempts) {
    return ActivityOptions.newBuilder()
        .setSummary(summary)
        .setStartToCloseTimeout(startToClose)
        .setScheduleToCloseTimeout(startToClose.multipliedBy(attempts).plusSeconds(60))
        .setRetryOptions(retries(attempts))
        .build();
  }
}
