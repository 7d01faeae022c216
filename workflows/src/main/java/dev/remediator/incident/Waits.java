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
 * a long timer is cancelled when the condition ends the wait, a short one left to fire ({@link #LEAVE_SHORT_TIMERS}).
 * Runs recorded before this ({@link #legacy}) wait with the SDK's own {@code Workflow.await}, whose commands they
 * hold. One per workflow run.
 */
public final class Waits {
  /**
   * Change ID: a timer shorter than {@link #SHORT} is not cancelled when the condition ends its wait; it fires
   * unheeded. Cancelling a timer that fires while the workflow task that cancels it runs is a race the real server
   * settles, but Temporal's in-memory test server (the embedded stack of {@code demo} and the smoke) rejects that
   * task ("invalid history builder state for action", in its processCancelTimer) and the incident stalls: a verify
   * interval of 1 s and a resolved alert met it in 2 of 3 runs of EmbeddedServerSmokeIT. A short timer costs one
   * task when it fires; a long one (approval, acknowledgement, quiet period) is still cancelled.
   */
  static final String LEAVE_SHORT_TIMERS = "waits-leave-short-timers";

  /** Timers shorter than this are left to fire once their wait has ended. */
  static final Duration SHORT = Duration.ofMinutes(1);

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
      if (timeout.compareTo(SHORT) >= 0
          || Workflow.getVersion(LEAVE_SHORT_TIMERS, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
        // The cancelled timer fails with CanceledFailure; handled here, the SDK does not warn of it as never read.
        timer[0].exceptionally(cancelled -> null);
        scope.cancel();
      }
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
