package dev.remediator.incident;

import dev.remediator.incident.TimelineEntry.Kind;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The incident's stages without action: watching (samples with back-off while the target is unreachable; a plan
 * offered again, bounded, while a declined plan's problem persists), staying open after recovery until every alert
 * resolves (a relapse check each sample), and the quiet period after every alert resolved without a verified
 * recovery. Each returns the shell's next {@link Stage}; the shell enters phases and continues as new when
 * history grows. Workflow code, one per run.
 */
final class Watch {
  static final int MAX_AUTOMATIC_REPLANS = 2;
  private static final Duration MAX_SAMPLE_INTERVAL = Duration.ofMinutes(1);
  /**
   * Workflow change: while the target is unreachable, the wait between samples is a quarter of the outage's age
   * ({@link #outageInterval}) instead of doubling per failed sample of this incident up to a minute.
   */
  static final String BACKOFF_WITH_OUTAGE_AGE = "backoff-with-outage-age";
  /**
   * The longest wait between samples of an unreachable target. 1,000 incidents waiting on one dead database then
   * sample about 1.1 to 1.5 times a second in all; a recovery shows up within 15 minutes at worst, and at once when it comes as
   * the alert's resolution (which wakes the wait).
   */
  static final Duration MAX_OUTAGE_INTERVAL = Duration.ofMinutes(15);
  /**
   * Workflow change: while the target is unreachable, the wait is also at least {@link #SHARED_SAMPLE_SPACING} per
   * target the worker saw wait on the same endpoint ({@link IncidentState#unreachableWaiting}), and, when several
   * wait, drawn between half and all of it, so their samples spread out instead of arriving together.
   */
  static final String BACKOFF_SHARED_PER_ENDPOINT = "backoff-shared-per-endpoint";
  /**
   * An endpoint that does not answer is sampled about 1.3 times a second in all (each wait is drawn between half and
   * all of the spacing times the waiters), however many incidents wait on it (up to {@link #MAX_OUTAGE_INTERVAL}
   * each): 1,000 incidents on one dead database wait 7.5–15 minutes between samples from the start, where a quarter
   * of the outage's age alone gave them a sample every 20 s at first.
   */
  static final Duration SHARED_SAMPLE_SPACING = Duration.ofSeconds(1);

  private final IncidentState state;
  private final RunbookPolicy policy;
  private final Timeline timeline;
  private final RunbookSteps runbook;
  private final ApprovalGate gate;
  private final Waits waits;
  private final Consumer<IncidentPhase> enter;
  private final Runnable continueAsNewIfSuggested;
  private boolean legacy;
  private boolean plansAtWarning;
  private boolean raisedSinceRecovery;
  /** Whether this run backs off with the outage's age: asked once per run, when the target is first unreachable. */
  private Boolean backoffWithOutageAge;
  /** Whether it also shares the endpoint's samples with the others waiting on it (asked with the one above). */
  private boolean sharedPerEndpoint;
  /** Spreads the waits of incidents sharing an endpoint (deterministic: the workflow's seeded random). */
  private java.util.Random spread;

  Watch(IncidentState state, RunbookPolicy policy, Timeline timeline, RunbookSteps runbook, ApprovalGate gate,
      Waits waits, Consumer<IncidentPhase> enter, Runnable continueAsNewIfSuggested) {
    this.state = state;
    this.policy = policy;
    this.timeline = timeline;
    this.runbook = runbook;
    this.gate = gate;
    this.waits = waits;
    this.enter = enter;
    this.continueAsNewIfSuggested = continueAsNewIfSuggested;
  }

  /** Set once, at the start of the run: runs recorded before the alert model close at the end of the quiet period. */
  void legacy(boolean legacy) {
    this.legacy = legacy;
  }

  /** Set once, at the start of the run: runs recorded before it never planned below critical on their own. */
  void plansAtWarning(boolean plans) {
    this.plansAtWarning = plans;
  }

  /** An alert raised the severity or fired again: after recovery, that is a relapse. */
  void alertRaised() {
    raisedSinceRecovery = true;
  }

  /** Every alert resolved: the quiet period (runs recorded before the alert model closed at once). */
  Stage resolved() {
    return legacy ? Stage.DONE : Stage.QUIET;
  }

  /**
   * Watching without acting: a warning-only incident (until it recovers, resolves or turns critical), or a critical
   * one after a plan was refused, rejected or timed out (escalation may be running). A problem that is still there
   * gets a new plan, a bounded number of times; a person can ask for one at any time ({@code replan}).
   */
  Stage untilActionable() {
    enter.accept(IncidentPhase.WATCHING);
    boolean warningOnly = !runbook.remediationWanted() && !state.escalated();
    int good = 0;
    Duration interval = policy.verifyInterval();
    while (true) {
      if (state.resolved) {
        return resolved();
      }
      if (gate.takeReplanRequest()) {
        return Stage.REMEDIATE;
      }
      if (warningOnly && runbook.remediationWanted()) {
        timeline.note(Kind.ALERT, "Severity is now critical: remediation starts");
        return Stage.REMEDIATE;
      }
      continueAsNewIfSuggested.run();
      good = runbook.sample() ? good + 1 : 0;
      if (good >= policy.verifySamples()) {
        timeline.note(Kind.VERIFY, "Recovered without action: " + runbook.measurement());
        state.recoveredAtMillis = Workflow.currentTimeMillis();
        return Stage.RECOVERED;
      }
      if (runbook.causeBecameActionable()) {
        timeline.note(Kind.DIAGNOSIS, "The cause is one the runbook acts on now: a new plan");
        return Stage.REMEDIATE;
      }
      if (planAtWarningDue()) {
        return Stage.REMEDIATE_AT_WARNING;
      }
      if (automaticReplanDue(warningOnly)) {
        state.automaticReplans++;
        timeline.note(Kind.VERIFY,
            "The problem is still there after plan " + state.plan.planId() + ": a new plan (automatic, "
            + state.automaticReplans + " of " + MAX_AUTOMATIC_REPLANS + ")");
        return Stage.REMEDIATE;
      }
      interval = runbook.targetUnreachable() ? whileUnreachable(interval) : policy.verifyInterval();
      waits.until("Watch: next sample", interval,
          // Wakes when the runbook wants to act, not on any critical alert: a runbook may decline a critical one
          // (e.g. while another incident handles the cause), and waking on it would sample without pause.
          () -> state.resolved || gate.replanRequested() || (warningOnly && runbook.remediationWanted()));
    }
  }

  /** Below critical, the runbook acts on its own finding (leaked sessions): unless declined, a bounded number of times. */
  private boolean planAtWarningDue() {
    return plansAtWarning && !state.planDeclined && state.warningPlans < MAX_AUTOMATIC_REPLANS
        && !runbook.remediationWanted() && !runbook.planAtWarning().isEmpty();
  }

  private boolean automaticReplanDue(boolean warningOnly) {
    return !legacy && !warningOnly && state.planDeclined && !state.escalated() && runbook.remediationWanted()
        && runbook.problemPersists() && state.automaticReplans < MAX_AUTOMATIC_REPLANS;
  }

  /**
   * Recovered: stays open until every alert is resolved, sampling for a relapse (every verify interval during the
   * quiet period, then less often). Runs recorded before the alert model closed at the end of the quiet period.
   */
  Stage afterRecovery() {
    enter.accept(IncidentPhase.RECOVERED);
    long quietUntil = state.recoveredAtMillis + policy.quietPeriod().toMillis();
    raisedSinceRecovery = false;
    Duration interval = policy.verifyInterval();
    while (!state.resolved) {
      boolean quiet = Workflow.currentTimeMillis() < quietUntil;
      if (legacy && !quiet) {
        break;
      }
      continueAsNewIfSuggested.run();
      interval = quiet ? policy.verifyInterval()
          : runbook.targetUnreachable() ? whileUnreachable(interval) : backOff(interval);
      Duration wait = legacy || quiet ? min(interval, Waits.remaining(quietUntil)) : interval;
      waits.until("Recovered: next relapse check", wait, () -> state.resolved || raisedSinceRecovery);
      if (state.resolved) {
        break;
      }
      if (raisedSinceRecovery || runbook.relapsed()) {
        timeline.note(Kind.ALERT,
            "Relapse: " + (raisedSinceRecovery ? "a more severe alert fires" : runbook.measurement()));
        state.recoveredAtMillis = 0;
        raisedSinceRecovery = false;
        return Stage.REMEDIATE;
      }
    }
    return Stage.DONE;
  }

  /** Every alert resolved before recovery was verified: a quiet period in case one fires again, then close. */
  Stage quietPeriod() {
    enter.accept(IncidentPhase.RESOLVED);
    boolean firingAgain = waits.until("Quiet period after every alert resolved",
        Waits.remaining(state.allResolvedAtMillis + policy.quietPeriod().toMillis()), () -> !state.resolved);
    if (!firingAgain) {
      return Stage.DONE;
    }
    return runbook.remediationWanted() ? Stage.REMEDIATE : Stage.WATCH;
  }

  private Duration whileUnreachable(Duration interval) {
    if (backoffWithOutageAge == null) {
      backoffWithOutageAge =
          Workflow.getVersion(BACKOFF_WITH_OUTAGE_AGE, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
      sharedPerEndpoint = backoffWithOutageAge
          && Workflow.getVersion(BACKOFF_SHARED_PER_ENDPOINT, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
    }
    return backoffWithOutageAge ? outageInterval() : backOff(interval);
  }

  /**
   * A quarter of the outage's age ({@link IncidentState#unreachableSinceMillis}, as the worker reports it for the
   * endpoint: an incident opened an hour into an outage waits long at once), or {@link #SHARED_SAMPLE_SPACING} per
   * target waiting on the endpoint if that is longer; at least the verify interval, at most
   * {@link #MAX_OUTAGE_INTERVAL}. The number of samples grows with the logarithm of the outage's length, and an
   * endpoint's samples in all stay about 1.3 a second. Shared by several, the wait is drawn between half and all of
   * that, so the incidents' samples spread over the interval.
   */
  Duration outageInterval() {
    long since = state.unreachableSinceMillis;
    long age = since == 0 ? 0 : Math.max(0, Workflow.currentTimeMillis() - since);
    Duration wait = Duration.ofMillis(age / 4);
    int waiting = sharedPerEndpoint ? state.unreachableWaiting : 0;
    wait = max(wait, SHARED_SAMPLE_SPACING.multipliedBy(waiting));
    Duration floor = policy.verifyInterval();
    wait = min(max(wait, floor), max(MAX_OUTAGE_INTERVAL, floor));
    if (waiting > 1) {
      if (spread == null) {
        spread = Workflow.newRandom();
      }
      wait = max(floor, Duration.ofMillis((long) (wait.toMillis() * (0.5 + spread.nextDouble() / 2))));
    }
    return wait;
  }

  /** Doubles the wait between samples, up to 8 × the verify interval or a minute, whichever is less. */
  private Duration backOff(Duration interval) {
    Duration cap = min(policy.verifyInterval().multipliedBy(8), MAX_SAMPLE_INTERVAL);
    return min(interval.multipliedBy(2), cap.compareTo(policy.verifyInterval()) < 0 ? policy.verifyInterval() : cap);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
