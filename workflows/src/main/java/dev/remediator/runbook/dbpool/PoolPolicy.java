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
    Duration poolIncreaseRevertAfter) {

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
          Duration.ofHours(2)),
      List.of(
          "idleInTransactionReportAfter",
          "idleInTransactionTerminateAfter",
          "longRunningQueryAfter",
          "maxSessionsPerTermination",
          "terminateSessions",
          "terminateLeaksAtWarning",
          "poolIncrease",
          "poolIncreaseFactor",
          "poolIncreaseRevertAfter"),
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
    if (p.terminateSessions() == null) {
      problems.add(new PolicySection.Problem("terminateSessions", "must be one of auto, approve, dry_run, off"));
    }
    return problems;
  }
}
