package dev.remediator.activities;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Target;
import io.temporal.failure.ApplicationFailure;

/**
 * The activities' view of configuration: a workflow names a target, the directory answers with its full
 * configuration, or refuses — before any call — a target that is not configured.
 */
public final class TargetDirectory {
  public static final String UNKNOWN_TARGET = "UnknownTarget";

  private final RemediatorConfig config;

  public TargetDirectory(RemediatorConfig config) {
    this.config = config;
  }

  public TargetConfig require(Target target) {
    if (target == null) {
      throw ApplicationFailure.newNonRetryableFailure("no target given", UNKNOWN_TARGET);
    }
    return config
        .target(target.id())
        .orElseThrow(
            () ->
                ApplicationFailure.newNonRetryableFailure(
                    "target " + target.id() + " is not configured; refusing to act on it", UNKNOWN_TARGET));
  }

  public RemediatorConfig config() {
    return config;
  }
}
