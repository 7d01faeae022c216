package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.ActionMode;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.PolicySection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Database Performance runbook's own policy ({@code policy.runbooks.dbperf}; {@code docs/runbooks/
 * database-performance.md}). New keys must be nullable or defaulted in {@link #of}: recorded inputs lack them.
 *
 * @param lockWaitAfter a session waiting on a lock longer than this is a lock wait (default 30 s)
 * @param longRunningAfter a statement or transaction running longer than this is long-running (default 5 min)
 * @param cancelBlockers policy for cancelling a root blocker's statement (default APPROVE)
 * @param terminateBlockers policy for terminating a root blocker whose cancel did not clear the waits (APPROVE)
 * @param cancelGrace how long the waits may persist after a cancel before a termination is planned (15 s)
 * @param maxBlockersPerAction cap on sessions one cancel or terminate action signals (default 3)
 * @param analyzeTables policy for ANALYZE of tables with stale statistics (default APPROVE)
 * @param analyzeTimeout statement timeout of each ANALYZE (default 2 min); its lock timeout is 5 s
 * @param maxTablesPerAnalyze cap on tables one ANALYZE action covers (default 5)
 * @param staleModifiedShare statistics are stale when rows modified since the last analyze exceed this share of
 *     live rows (default 0.2, PostgreSQL's autovacuum_analyze_scale_factor is 0.1)
 * @param staleMinRows … and at least this many rows were modified (default 1000)
 * @param deadTupleShare dead tuples past this share of live tuples are a build-up (default 0.2)
 * @param deadTupleMinRows … and at least this many (default 10000)
 * @param topStatements how many statements each top list keeps (default 5)
 * @param recoveredSamples consecutive healthy samples that verify a recovery (default 3)
 * @param similarScanBudget at close, the check of the other configured databases on the same server takes at most
 *     this long as a whole; a database that has not answered by then is listed as unchecked (default 20 s; absent in
 *     inputs recorded before it: the default)
 * @param similarScanConcurrency how many of those databases that check reads at once (default 4; absent: the default)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PerformancePolicy(
    Duration lockWaitAfter,
    Duration longRunningAfter,
    ActionMode cancelBlockers,
    ActionMode terminateBlockers,
    Duration cancelGrace,
    int maxBlockersPerAction,
    ActionMode analyzeTables,
    Duration analyzeTimeout,
    int maxTablesPerAnalyze,
    double staleModifiedShare,
    long staleMinRows,
    double deadTupleShare,
    long deadTupleMinRows,
    int topStatements,
    int recoveredSamples,
    Duration similarScanBudget,
    Integer similarScanConcurrency) {

  static final Duration SIMILAR_SCAN_BUDGET = Duration.ofSeconds(20);
  static final int SIMILAR_SCAN_CONCURRENCY = 4;

  public PerformancePolicy {
    similarScanBudget = similarScanBudget == null ? SIMILAR_SCAN_BUDGET : similarScanBudget;
    similarScanConcurrency = similarScanConcurrency == null ? SIMILAR_SCAN_CONCURRENCY : similarScanConcurrency;
  }

  /** The keys before the check for similar issues: its bounds at their defaults. */
  public PerformancePolicy(Duration lockWaitAfter, Duration longRunningAfter, ActionMode cancelBlockers,
      ActionMode terminateBlockers, Duration cancelGrace, int maxBlockersPerAction, ActionMode analyzeTables,
      Duration analyzeTimeout, int maxTablesPerAnalyze, double staleModifiedShare, long staleMinRows,
      double deadTupleShare, long deadTupleMinRows, int topStatements, int recoveredSamples) {
    this(lockWaitAfter, longRunningAfter, cancelBlockers, terminateBlockers, cancelGrace, maxBlockersPerAction,
        analyzeTables, analyzeTimeout, maxTablesPerAnalyze, staleModifiedShare, staleMinRows, deadTupleShare,
        deadTupleMinRows, topStatements, recoveredSamples, null, null);
  }

  /** Its keys, defaults and checks. The runbook is new: no key was ever directly under policy. */
  public static final PolicySection<PerformancePolicy> SECTION = new PolicySection<>(
      PerformancePolicy.class,
      new PerformancePolicy(
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          ActionMode.APPROVE,
          ActionMode.APPROVE,
          Duration.ofSeconds(15),
          3,
          ActionMode.APPROVE,
          Duration.ofMinutes(2),
          5,
          0.2,
          1000,
          0.2,
          10000,
          5,
          3,
          SIMILAR_SCAN_BUDGET,
          SIMILAR_SCAN_CONCURRENCY),
      List.of(),
      PerformancePolicy::problems);

  /** The policy of an incident (or of an activity's input): its section, else the defaults. */
  public static PerformancePolicy of(RunbookPolicy policy) {
    return SECTION.read(DbPerfRunbook.NAME, policy).orElse(SECTION.defaults());
  }

  private static List<PolicySection.Problem> problems(PerformancePolicy p) {
    List<PolicySection.Problem> problems = new ArrayList<>();
    positive(problems, "lockWaitAfter", p.lockWaitAfter());
    positive(problems, "longRunningAfter", p.longRunningAfter());
    positive(problems, "cancelGrace", p.cancelGrace());
    positive(problems, "analyzeTimeout", p.analyzeTimeout());
    positive(problems, "similarScanBudget", p.similarScanBudget());
    if (p.similarScanConcurrency() < 1) {
      problems.add(new PolicySection.Problem("similarScanConcurrency", "must be at least 1"));
    }
    mode(problems, "cancelBlockers", p.cancelBlockers());
    mode(problems, "terminateBlockers", p.terminateBlockers());
    mode(problems, "analyzeTables", p.analyzeTables());
    if (p.maxBlockersPerAction() < 1) {
      problems.add(new PolicySection.Problem("maxBlockersPerAction", "must be at least 1"));
    }
    if (p.maxTablesPerAnalyze() < 1) {
      problems.add(new PolicySection.Problem("maxTablesPerAnalyze", "must be at least 1"));
    }
    if (!(p.staleModifiedShare() > 0) || !(p.deadTupleShare() > 0)) {
      problems.add(new PolicySection.Problem("staleModifiedShare/deadTupleShare", "must be above 0, e.g. 0.2"));
    }
    if (p.topStatements() < 1 || p.recoveredSamples() < 1) {
      problems.add(new PolicySection.Problem("topStatements/recoveredSamples", "must be at least 1"));
    }
    return problems;
  }

  private static void positive(List<PolicySection.Problem> problems, String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      problems.add(new PolicySection.Problem(key, "must be a positive duration, e.g. 30s"));
    }
  }

  private static void mode(List<PolicySection.Problem> problems, String key, ActionMode m) {
    if (m == null) {
      problems.add(new PolicySection.Problem(key, "must be one of auto, approve, dry_run, off"));
    }
  }
}
