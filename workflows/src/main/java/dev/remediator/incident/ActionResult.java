package dev.remediator.incident;

/** What became of one planned action. */
public enum ActionResult {
  /** It ran and changed something. */
  EXECUTED,
  /** Recorded only: the policy says dry run. */
  DRY_RUN,
  /** A rule refused it at execution time (sessions changed, cooldown, rollout in progress). */
  REFUSED,
  /** It ran and failed. */
  FAILED,
  /** Not run: rejected, no decision in time, the alerts resolved, or recovered before it. */
  SKIPPED,
  /** A temporary pool increase was restored. */
  REVERTED
}
