package dev.remediator.runbook.servicedown;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.ActionMode;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.PolicySection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Service Down runbook's own policy ({@code policy.runbooks.servicedown}); a restart follows the shared
 * {@code rollingRestart}.
 *
 * @param rollback policy for rolling a bad rollout back (default APPROVE)
 * @param badRolloutAge a newest revision younger than this can be a bad rollout (default 2 h)
 * @param similarScanBudget at close, the check of the other Deployments for the same image or the same recent
 *     change takes at most this long (default 20 s; absent in inputs recorded before it: the default)
 * @param similarScanConcurrency how many Deployments that check reads at once (default 4)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ServiceDownPolicy(
    ActionMode rollback, Duration badRolloutAge, Duration similarScanBudget, Integer similarScanConcurrency) {

  static final Duration SIMILAR_SCAN_BUDGET = Duration.ofSeconds(20);
  static final int SIMILAR_SCAN_CONCURRENCY = 4;

  public ServiceDownPolicy {
    similarScanBudget = similarScanBudget == null ? SIMILAR_SCAN_BUDGET : similarScanBudget;
    similarScanConcurrency = similarScanConcurrency == null ? SIMILAR_SCAN_CONCURRENCY : similarScanConcurrency;
  }

  /** The keys before the check for similar issues: its bounds at their defaults. */
  public ServiceDownPolicy(ActionMode rollback, Duration badRolloutAge) {
    this(rollback, badRolloutAge, null, null);
  }

  /** Its keys, defaults and checks; {@code rollback} and {@code badRolloutAge} directly under policy still count. */
  public static final PolicySection<ServiceDownPolicy> SECTION = new PolicySection<>(
      ServiceDownPolicy.class,
      new ServiceDownPolicy(ActionMode.APPROVE, Duration.ofHours(2)),
      List.of("rollback", "badRolloutAge"),
      ServiceDownPolicy::problems);

  /**
   * The policy of an incident: its input's section; inputs recorded before the runbook had one (and before the
   * rollback had a mode of its own) let the restart's mode stand for the rollback's.
   */
  public static ServiceDownPolicy of(RunbookPolicy policy) {
    return SECTION.read(ServiceDownRunbook.NAME, policy)
        .map(p -> new ServiceDownPolicy(p.rollback() == null ? policy.rollingRestart() : p.rollback(),
            p.badRolloutAge() == null ? SECTION.defaults().badRolloutAge() : p.badRolloutAge(),
            p.similarScanBudget(), p.similarScanConcurrency()))
        .orElse(new ServiceDownPolicy(policy.rollingRestart(), SECTION.defaults().badRolloutAge()));
  }

  private static List<PolicySection.Problem> problems(ServiceDownPolicy p) {
    List<PolicySection.Problem> problems = new ArrayList<>();
    if (p.rollback() == null) {
      problems.add(new PolicySection.Problem("rollback", "must be one of auto, approve, dry_run, off"));
    }
    if (p.similarScanBudget().isNegative() || p.similarScanBudget().isZero()) {
      problems.add(new PolicySection.Problem("similarScanBudget", "must be positive"));
    }
    if (p.similarScanConcurrency() < 1) {
      problems.add(new PolicySection.Problem("similarScanConcurrency", "must be at least 1"));
    }
    if (p.badRolloutAge() == null || p.badRolloutAge().isNegative() || p.badRolloutAge().isZero()) {
      problems.add(new PolicySection.Problem("badRolloutAge", "must be a positive duration, e.g. 2h"));
    }
    return problems;
  }
}
