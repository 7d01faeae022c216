package dev.remediator.incident;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps a test's signal off the instant one of the workflow's timers fires, on the SDK's time-skipping test server
 * only. That server fails the workflow task that cancels a timer which fired while the task ran ({@code
 * INVALID_ARGUMENT: invalid history builder state for action}, temporalio/sdk-java#2606) and the incident then never
 * gets another task; the real server accepts the cancellation. A signal that wakes a wait cancels that wait's timer,
 * so a signal sent within a few seconds of a timer's due time is sent just after it instead. Seen in CI as "every
 * alert resolved, but the incident did not close": a stream slept to the exact second a sample was due.
 */
public final class TimerCollisions {
  /** How close to a due timer a signal may not go: a replayed workflow task on 2 loaded cores can take this long. */
  private static final Duration MARGIN = Duration.ofSeconds(3);

  private TimerCollisions() {}

  /** Lets any timer of the workflow due within the margin fire first (virtual time: free on the test server). */
  public static void stepOver(TestWorkflowEnvironment env, WorkflowClient client, String workflowId) {
    for (int i = 0; i < 10; i++) {
      Long due = earliestDue(client, workflowId);
      long now = env.currentTimeMillis();
      if (due == null || due - now > MARGIN.toMillis() || due - now < -MARGIN.toMillis()) {
        return;
      }
      env.sleep(Duration.ofMillis(Math.max(0, due - now) + MARGIN.toMillis()));
    }
  }

  /** The due time of the workflow's earliest running timer, or null. */
  private static Long earliestDue(WorkflowClient client, String workflowId) {
    Map<Long, Long> running = new HashMap<>();
    for (HistoryEvent e : client.fetchHistory(workflowId).getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED) {
        var timeout = e.getTimerStartedEventAttributes().getStartToFireTimeout();
        running.put(e.getEventId(), e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000
            + timeout.getSeconds() * 1000 + timeout.getNanos() / 1_000_000);
      } else if (e.getEventType() == EventType.EVENT_TYPE_TIMER_FIRED) {
        running.remove(e.getTimerFiredEventAttributes().getStartedEventId());
      } else if (e.getEventType() == EventType.EVENT_TYPE_TIMER_CANCELED) {
        running.remove(e.getTimerCanceledEventAttributes().getStartedEventId());
      }
    }
    return running.values().stream().min(Long::compare).orElse(null);
  }
}
