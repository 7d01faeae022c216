package dev.remediator.incident;

import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@code Workflow.await} and {@code sleep} whose timers carry a summary, so the Temporal UI says what each timer is
 * (approval timeout, verify interval, escalation acknowledgement, revert). No timer if the condition already holds;
 * the timer is cancelled when the condition ends the wait. Runs recorded before this ({@link #legacy}) wait with the
 * SDK's own {@code Workflow.await}, whose commands they hold. One per workflow run.
 */
public final class Waits {
  private boolean legacy;

  /** Set once, at the start of the run, from the run's version marker. */
  void legacy(boolean legacy) {
    this.legacy = legacy;
  }

  /** Waits until the condition holds (true) or the timeout passes (false). */
  public boolean until(String summary, Duration timeout, Supplier<Boolean> condition) {
    if (legacy) {
      return Workflow.await(timeout, condition);
    }
    if (condition.get()) {
      return true;
    }
    @SuppressWarnings("unchecked")
    Promise<Void>[] timer = new Promise[1];
    CancellationScope scope =
        Workflow.newCancellationScope(
            () -> timer[0] = Workflow.newTimer(timeout, TimerOptions.newBuilder().setSummary(summary).build()));
    scope.run();
    Workflow.await(() -> timer[0].isCompleted() || condition.get());
    if (!timer[0].isCompleted()) {
      // The cancelled timer fails with CanceledFailure; handled here, the SDK does not warn of it as never accessed.
      timer[0].exceptionally(cancelled -> null);
      scope.cancel();
      return true;
    }
    return condition.get();
  }

  /** Sleeps, with the timer's summary. */
  public void sleep(String summary, Duration duration) {
    if (legacy) {
      Workflow.sleep(duration);
      return;
    }
    if (duration.isZero() || duration.isNegative()) {
      return;
    }
    Workflow.newTimer(duration, TimerOptions.newBuilder().setSummary(summary).build()).get();
  }

  /**
   * Verification's samples: one every {@code interval} until {@code needed} in a row are good, giving up once that
   * cannot happen within {@code 2 × needed} samples. True if it happened.
   */
  public boolean consecutive(int needed, Duration interval, java.util.function.BooleanSupplier sample) {
    int budget = needed * 2;
    int good = 0;
    for (int i = 0; i < budget && good < needed && good + (budget - i) >= needed; i++) {
      if (i > 0) {
        sleep("Verify: next sample", interval);
      }
      good = sample.getAsBoolean() ? good + 1 : 0;
    }
    return good >= needed;
  }

  public static Duration remaining(long untilMillis) {
    return Duration.ofMillis(Math.max(0, untilMillis - Workflow.currentTimeMillis()));
  }
}
