package dev.remediator.runbook.dbpool;

import dev.remediator.incident.Reports;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.SimilarIssues.Elsewhere;
import dev.remediator.incident.SimilarIssues.Finding;
import dev.remediator.incident.Target;
import java.util.ArrayList;
import java.util.List;

/**
 * The pool runbook's pattern, the one place that says what it is: the application's sessions idle in transaction
 * past {@code idleInTransactionTerminateAfter} (a leak: what a termination plan lists), or pool utilization at the
 * warning threshold or above. Planning uses it for the incident's own target, the check for similar issues at close
 * for the others. Pure: workflow and activity code both call it.
 */
public final class PoolPattern {
  private PoolPattern() {}

  /**
   * The application's sessions idle in transaction past the termination threshold, as the snapshot marked them
   * terminable (the target database, the application's roles/names, never superusers, monitoring or us); all of
   * them, uncapped.
   */
  public static List<SessionInfo> leaked(PoolPolicy p, ConnectionSnapshot snapshot) {
    if (snapshot == null) {
      return List.of();
    }
    double threshold = p.idleInTransactionTerminateAfter().toMillis() / 1000.0;
    return snapshot.idleInTransactionSessions().stream()
        .filter(SessionInfo::terminable)
        .filter(x -> x.stateSeconds() >= threshold)
        .toList();
  }

  /** What the check for similar issues looks for, in words, under this policy. */
  public static String describe(RunbookPolicy policy) {
    return "sessions idle in transaction > " + idle(PoolPolicy.of(policy)) + ", or pool utilization ≥ "
        + Reports.percent(policy.warningUtilization());
  }

  /** What another target's snapshot shows, measured against the incident's policy. */
  public static Elsewhere finding(Target other, ConnectionSnapshot s, RunbookPolicy policy) {
    PoolPolicy own = PoolPolicy.of(policy);
    int leaked = leaked(own, s).size();
    String count = (s.omittedSessions() > 0 ? "≥" : "") + leaked;
    List<String> matched = new ArrayList<>();
    if (leaked > 0) {
      matched.add(count + (leaked == 1 ? " session" : " sessions") + " idle in transaction > " + idle(own));
    }
    if (s.utilization() >= policy.warningUtilization()) {
      matched.add("utilization " + s.utilizationPercent());
    }
    if (matched.isEmpty()) {
      return new Elsewhere(other, Finding.CLEAN, "utilization " + s.utilizationPercent() + ", no session idle in"
          + " transaction > " + idle(own));
    }
    return new Elsewhere(other, Finding.SAME_PATTERN, String.join(", ", matched));
  }

  /** The scan could not run: nothing known of the other targets. */
  static SimilarIssues notRun(RunbookPolicy policy, String why) {
    return SimilarIssues.notRun(describe(policy), why);
  }

  private static String idle(PoolPolicy p) {
    return Reports.duration(p.idleInTransactionTerminateAfter());
  }
}
