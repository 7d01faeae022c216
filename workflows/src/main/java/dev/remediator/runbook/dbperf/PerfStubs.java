package dev.remediator.runbook.dbperf;

import static dev.remediator.incident.ActivityStubs.heartbeating;
import static dev.remediator.incident.ActivityStubs.options;

import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * The Database Performance runbook's activity stubs ({@link PerformanceActivities}), made with the one options
 * factory {@link dev.remediator.incident.ActivityStubs}. Workflow code only.
 */
final class PerfStubs {
  /**
   * The diagnosis pass: a few read-only statements on one connection, each under the connector's statement timeout
   * (10 s by default); a minute covers them, two attempts a blip (refused connections and missing privileges are not
   * retried).
   */
  static final Duration DIAGNOSE_TIMEOUT = Duration.ofSeconds(60);

  static final int DIAGNOSE_ATTEMPTS = 2;

  /** A sample: one statement; three attempts, as the pool runbook's snapshot. */
  static final Duration SAMPLE_TIMEOUT = Duration.ofSeconds(30);

  static final int SAMPLE_ATTEMPTS = 3;

  /**
   * Cancels and terminations heartbeat after each blocker (the outcomes so far are the heartbeat details, so a retry
   * signals no blocker twice); a backend may take a while to exit.
   */
  static final Duration SIGNAL_TIMEOUT = Duration.ofMinutes(2);

  static final Duration SIGNAL_DEADLINE = Duration.ofMinutes(5);

  static final int SIGNAL_ATTEMPTS = 3;

  /** On top of each table's ANALYZE statement timeout: connecting, the staleness check, the lock timeout. */
  static final Duration ANALYZE_MARGIN = Duration.ofMinutes(1);

  /** An ANALYZE that timed out is not retried at once (the activity reports TIMED_OUT itself); a worker crash is. */
  static final int ANALYZE_ATTEMPTS = 2;

  /**
   * The check for similar issues at close: best effort, so at most 2 attempts; each may take the policy's budget
   * plus this margin (connections opened late and closed, the result's serialization).
   */
  static final Duration SIMILAR_SCAN_MARGIN = Duration.ofSeconds(10);

  static final int SIMILAR_SCAN_ATTEMPTS = 2;

  private PerfStubs() {}

  static PerformanceActivities scanner(String summary, PerformancePolicy own) {
    return Workflow.newActivityStub(PerformanceActivities.class,
        options(summary, own.similarScanBudget().plus(SIMILAR_SCAN_MARGIN), SIMILAR_SCAN_ATTEMPTS));
  }

  static PerformanceActivities reader(String summary) {
    return Workflow.newActivityStub(
        PerformanceActivities.class, options(summary, DIAGNOSE_TIMEOUT, DIAGNOSE_ATTEMPTS));
  }

  static PerformanceActivities sampler(String summary) {
    return Workflow.newActivityStub(PerformanceActivities.class, options(summary, SAMPLE_TIMEOUT, SAMPLE_ATTEMPTS));
  }

  static PerformanceActivities signaller(String summary) {
    return Workflow.newActivityStub(
        PerformanceActivities.class, heartbeating(summary, SIGNAL_TIMEOUT, SIGNAL_DEADLINE, SIGNAL_ATTEMPTS));
  }

  /** Each table's ANALYZE may take the policy's {@code analyzeTimeout}; they run one after the other. */
  static PerformanceActivities analyzer(String summary, Duration analyzeTimeout, int tables) {
    Duration timeout = analyzeTimeout.multipliedBy(Math.max(1, tables)).plus(ANALYZE_MARGIN);
    return Workflow.newActivityStub(PerformanceActivities.class, options(summary, timeout, ANALYZE_ATTEMPTS));
  }
}
