package dev.remediator.incident;

import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * The one activity-options factory: every activity has explicit timeouts, a bounded retry policy and a summary so
 * the Temporal UI timeline reads like the runbook. Each runbook makes its own stubs from it in its own package
 * ({@code runbook/<name>/}, the shared contracts' in {@code runbook/}); the shell's own stub, notifications, is
 * here. Workflow code only.
 *
 * <p>Timeouts and retry policies go into each ActivityTaskScheduled event. Replay does not compare them, but a
 * running incident picks up a changed value from its next activity on: change them on purpose only.
 */
public final class ActivityStubs {
  /**
   * The first retry comes 2 s after a failed attempt, doubling, at most 30 s apart: long enough for an API server,
   * a database or a webhook to come back from a blip (a leader election, a restart), short enough that a failed
   * attempt costs an incident seconds, not minutes.
   */
  static final Duration FIRST_RETRY = Duration.ofSeconds(2);

  static final Duration MAX_RETRY_INTERVAL = Duration.ofSeconds(30);

  /** What all attempts of one activity may take beyond their start-to-close timeouts: the backoffs between them. */
  static final Duration BACKOFF_ALLOWANCE = Duration.ofSeconds(60);

  /**
   * A long activity (a termination, a rollout wait) heartbeats at least this often, so a dead worker is noticed
   * after this long instead of after the attempt's whole start-to-close timeout.
   */
  public static final Duration HEARTBEAT = Duration.ofSeconds(30);

  /** Notifications: one HTTP request per channel; a second attempt, then the escalation goes on without it. */
  static final Duration NOTIFY_TIMEOUT = Duration.ofSeconds(60);

  static final int NOTIFY_ATTEMPTS = 2;

  private ActivityStubs() {}

  public static NotificationActivities notifications(String summary) {
    return Workflow.newActivityStub(NotificationActivities.class, options(summary, NOTIFY_TIMEOUT, NOTIFY_ATTEMPTS));
  }

  /** Bounded retries: {@link #FIRST_RETRY}, doubling, at most {@link #MAX_RETRY_INTERVAL} apart. */
  public static RetryOptions retries(int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(FIRST_RETRY)
        .setBackoffCoefficient(2)
        .setMaximumInterval(MAX_RETRY_INTERVAL)
        .setMaximumAttempts(attempts)
        .build();
  }

  /**
   * Options with a UI summary, start-to-close per attempt, bounded attempts ({@link #retries}) and a
   * schedule-to-close for all of them ({@link #BACKOFF_ALLOWANCE} on top).
   */
  public static ActivityOptions options(String summary, Duration startToClose, int attempts) {
    return ActivityOptions.newBuilder()
        .setSummary(summary)
        .setStartToCloseTimeout(startToClose)
        .setScheduleToCloseTimeout(allAttempts(startToClose, attempts))
        .setRetryOptions(retries(attempts))
        .build();
  }

  /**
   * {@link #options} for a local activity: it runs in the workflow task that schedules it (no activity task, no
   * further workflow task for its result), with the same timeouts and bounded attempts.
   */
  public static LocalActivityOptions localOptions(String summary, Duration startToClose, int attempts) {
    return LocalActivityOptions.newBuilder()
        .setSummary(summary)
        .setStartToCloseTimeout(startToClose)
        .setScheduleToCloseTimeout(allAttempts(startToClose, attempts))
        .setRetryOptions(retries(attempts))
        .build();
  }

  /** What all attempts may take: each its start-to-close, plus {@link #BACKOFF_ALLOWANCE} for the waits between. */
  private static Duration allAttempts(Duration startToClose, int attempts) {
    return startToClose.multipliedBy(attempts).plus(BACKOFF_ALLOWANCE);
  }

  /** Options for an activity that heartbeats ({@link #HEARTBEAT}) while it works for up to {@code startToClose}. */
  public static ActivityOptions heartbeating(
      String summary, Duration startToClose, Duration scheduleToClose, int attempts) {
    return ActivityOptions.newBuilder()
        .setSummary(summary)
        .setStartToCloseTimeout(startToClose)
        .setScheduleToCloseTimeout(scheduleToClose)
        .setHeartbeatTimeout(HEARTBEAT)
        .setRetryOptions(retries(attempts))
        .build();
  }
}
