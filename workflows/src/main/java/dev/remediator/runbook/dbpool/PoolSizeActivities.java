package dev.remediator.runbook.dbpool;

import dev.remediator.incident.Target;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * The pool runbook's side of the target's Deployment: its pool env vars, read and changed like {@code kubectl set
 * env}, acting only on the configured namespace/deployment/container of the target and only on the pool env vars
 * named in its configuration (anything else is refused before any call). 401/403 and 404 fail non-retryably with a
 * message naming the missing RBAC verb or object; timeouts and 5xx are retried.
 */
@ActivityInterface
public interface PoolSizeActivities {
  /** Failure type: a template change refused because a rollout is in progress or the deployment is paused. */
  String ROLLOUT_IN_PROGRESS = "KubernetesRolloutInProgress";

  /** The pool env vars named in config and the replica count. */
  @ActivityMethod
  PoolSettings poolSettings(Target target);

  /**
   * {@code kubectl set env}: sets the given pool env vars on the configured container and returns the values they
   * had before (absent → null), so {@link #restorePoolSettings} restores exactly them. Refused (non-retryable,
   * {@link #ROLLOUT_IN_PROGRESS}) while another rollout is in progress or the deployment is paused: the change would
   * merge into that rollout.
   */
  @ActivityMethod
  PoolSettings setPoolSettings(Target target, List<PoolSettings.EnvValue> values);

  /**
   * Restores env vars to {@code previous} (absent ones are removed) — only those that still hold what {@link
   * #setPoolSettings} set; one changed by someone else since is left alone and named in {@link
   * PoolSettings#notRestored()}. Idempotent.
   */
  @ActivityMethod
  PoolSettings restorePoolSettings(Target target, PoolSettings previous);
}
