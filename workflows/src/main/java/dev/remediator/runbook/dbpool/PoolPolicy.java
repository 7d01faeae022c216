package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.ActionMode;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.PolicySection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The connection-pool runbook's own policy ({@code policy.runbooks.dbpool}). Every key is also accepted directly
 * under {@code policy} (where configuration files write them, and where inputs recorded before the section carried
 * them); the thresholds {@code warningUtilization}/{@code criticalUtilization} stay in the shared policy.
 *
 * @param idleInTransactionReportAfter sessions idle in transaction longer than this are reported (default 30 s)
 * @param idleInTransactionTerminateAfter sessions idle in transaction longer than this may be terminated (10 min)
 * @param longRunningQueryAfter queries running longer than this are reported (default 1 min)
 * @param maxSessionsPerTermination cap on sessions terminated by one action (default 50)
 * @param terminateSessions policy for terminating idle-in-transaction sessions (default APPROVE)
 * @param terminateLeaksAtWarning plan the termination of leaked sessions (LEAK, idle in transaction past
 *     {@code idleInTransactionTerminateAfter}) at warning too, in {@code terminateSessions}' mode (default true;
 *     null in inputs recorded before it existed: true)
 * @param poolIncrease policy for a temporary pool-size increase (default APPROVE)
 * @param poolIncreaseFactor proposed pool size = current × factor, capped by capacity (default 1.5)
 * @param poolIncreaseRevertAfter a temporary pool increase is reverted this long after recovery (default 2 h)
 * @param similarScanBudget at close, the check for similar issues in the other targets' pools takes at most this
 *     long as a whole; a target that has not answered by then is listed as unchecked (default 20 s; absent in
 *     inputs recorded before it: the default)
 * @param similarScanConcurrency how many other targets that check reads at once (default 4; absent: the default)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PoolPolicy(
    Duration idleInTransactionReportAfter,
    Duration idleInTransactionTerminateAfter,
    Duration longRunningQueryAfter,
    int maxSessionsPerTermination,
    ActionMode terminateSessions,
    Boolean terminateLeaksAtWarning,
    ActionMode poolIncrease,
    double poolIncreaseFactor,
    Duration poolIncreaseRevertAfter,
    Duration similarScanBudget,
    Integer similarScanConcurrency) {

  static final Duration SIMILAR_SCAN_BUDGET = Duration.ofSeconds(20);
  static final int SIMILAR_SCAN_CONCURRENCY = 4;

  public PoolPolicy {
    similarScanBudget = similarScanBudget == null ? SIMILAR_SCAN_BUDGET : similarScanBudget;
    similarScanConcurrency = similarScanConcurrency == null ? SIMILAR_SCAN_CONCURRENCY : similarScanConcurrency;
  }

  /** The keys before the check for similar issues: its bounds at their defaults. */
  public PoolPolicy(Duration idleInTransactionReportAfter, Duration idleInTransactionTerminateAfter,
      Duration longRunningQueryAfter, int maxSessionsPerTermination, ActionMode terminateSessions,
      Boolean terminateLeaksAtWarning, ActionMode poolIncrease, double poolIncreaseFactor,
      Duration poolIncreaseRevertAfter) {
    this(idleInTransactionReportAfter, idleInTransactionTerminateAfter, longRunningQueryAfter,
        maxSessionsPerTermination, terminateSessions, terminateLeaksAtWarning, poolIncrease, poolIncreaseFactor,
        poolIncreaseRevertAfter, null, null);
  }

  /** Its keys, defaults and checks; every key directly under policy still counts (configuration and old inputs). */
  public static final PolicySection<PoolPolicy> SECTION = new PolicySection<>(
      PoolPolicy.class,
      new PoolPolicy(
          Duration.ofSeconds(30),
          Duration.ofMinutes(10),
          Duration.ofMinutes(1),
          50,
          ActionMode.APPROVE,
          true,
          ActionMode.APPROVE,
          1.5,
          Duration.ofHours(2),
          SIMILAR_SCAN_BUDGET,
          SIMILAR_SCAN_CONCURRENCY),
      List.of(
          "idleInTransactionReportAfter",
          "idleInTransactionTerminateAfter",
          "longRunningQueryAfter",
          "maxSessionsPerTermination",
          "terminateSessions",
          "terminateLeaksAtWarning",
          "poolIncrease",
          "poolIncreaseFactor",
          "poolIncreaseRevertAfter",
          "similarScanBudget",
          "similarScanConcurrency"),
      PoolPolicy::problems);

  /**
   * The policy of an incident (or of an activity's input): its section, else the keys an input recorded before the
   * section carried directly under policy; the defaults when it has neither.
   */
  public static PoolPolicy of(RunbookPolicy policy) {
    return SECTION.read(DbPoolRunbook.NAME, policy).orElse(SECTION.defaults());
  }

  /** Leaked sessions get a termination plan at warning too (unless the key is false). */
  public boolean plansLeaksAtWarning() {
    return !Boolean.FALSE.equals(terminateLeaksAtWarning) && terminateSessions != ActionMode.OFF;
  }

  private static List<PolicySection.Problem> problems(PoolPolicy p) {
    List<PolicySection.Problem> problems = new ArrayList<>();
    if (p.maxSessionsPerTermination() < 1) {
      problems.add(new PolicySection.Problem("maxSessionsPerTermination", "must be at least 1"));
    }
    if (p.similarScanBudget().isNegative() || p.similarScanBudget().isZero()) {
      problems.add(new PolicySection.Problem("similarScanBudget", "must be positive"));
    }
    if (p.similarScanConcurrency() < 1) {
      problems.add(new PolicySection.Problem("similarScanConcurrency", "must be at least 1"));
    }
    if (p.terminateSessions() == null) {
      problems.add(new PolicySection.Problem("terminateSessions", "must be one of auto, approve, dry_run, off"));
    }
    return problems;
  }
}
