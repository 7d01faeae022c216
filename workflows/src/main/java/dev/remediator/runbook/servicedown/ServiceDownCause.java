package dev.remediator.runbook.servicedown;

/** The Service Down runbook's causes (docs/runbooks/service-down.md, "Decide the Cause"). */
public enum ServiceDownCause {
  /** Failures began with the newest revision, young enough, and the previous one was healthy: roll back. */
  BAD_ROLLOUT,
  /** Containers crash (CrashLoopBackOff) and nothing else explains it: one rolling restart. */
  CRASH_LOOP,
  /** A container was OOMKilled or its log says it ran out of memory: escalate to development. */
  OUT_OF_MEMORY,
  /** ImagePullBackOff, ErrImagePull, InvalidImageName, CreateContainerConfigError, ...: escalate. */
  IMAGE_OR_CONFIG,
  /** Pods Pending with FailedScheduling: escalate to platform. */
  UNSCHEDULABLE,
  /** The logs show database connection errors, or the pool incident of the same service is open: act on nothing. */
  DEPENDENCY_DOWN,
  /** The Deployment looks healthy, or nothing stands out. */
  UNKNOWN;

  /** Whether the runbook acts on it (roll back, restart) or only escalates with the evidence. */
  public boolean actionable() {
    return this == BAD_ROLLOUT || this == CRASH_LOOP;
  }

  /** Who the runbook sends it to (its escalation section), as the policy's ladder names its tiers. */
  public String tier() {
    return switch (this) {
      case OUT_OF_MEMORY, IMAGE_OR_CONFIG, BAD_ROLLOUT, CRASH_LOOP -> "development";
      case UNSCHEDULABLE, UNKNOWN -> "platform";
      case DEPENDENCY_DOWN -> "database";
    };
  }

  /** {@link #tier()} in words: "development team". */
  public String team() {
    return tier() + " team";
  }

  /** Lower case words, for timelines: {@code bad rollout}. */
  public String words() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }
}
