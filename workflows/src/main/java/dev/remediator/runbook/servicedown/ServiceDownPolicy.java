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
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ServiceDownPolicy(ActionMode rollback, Duration badRolloutAge) {

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
            p.badRolloutAge() == null ? SECTION.defaults().badRolloutAge() : p.badRolloutAge()))
        .orElse(new ServiceDownPolicy(policy.rollingRestart(), SECTION.defaults().badRolloutAge()));
  }

  private static List<PolicySection.Problem> problems(ServiceDownPolicy p) {
    List<PolicySection.Problem> problems = new ArrayList<>();
    if (p.rollback() == null) {
      problems.add(new PolicySection.Problem("rollback", "must be one of auto, approve, dry_run, off"));
    }
    if (p.badRolloutAge() == null || p.badRolloutAge().isNegative() || p.badRolloutAge().isZero()) {
      problems.add(new PolicySection.Problem("badRolloutAge", "must be a positive duration, e.g. 2h"));
    }
    return problems;
  }
}
