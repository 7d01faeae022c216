package dev.remediator.incident;

import dev.remediator.runbook.dbpool.PoolSettings;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Duration;
import java.util.List;

/**
 * The target's workload in Kubernetes, acting only on the configured namespace/deployment of the target (anything
 * else is refused before any call). Behaves like {@code kubectl}. 401/403 and 404 fail non-retryably with a message
 * naming the missing RBAC verb or object; timeouts and 5xx are retried.
 */
@ActivityInterface
public interface KubernetesActivities {
  /** Failure type: a template change refused because a rollout is in progress or the deployment is paused. */
  String ROLLOUT_IN_PROGRESS = "KubernetesRolloutInProgress";

  /**
   * {@code kubectl rollout restart}: sets the pod-template annotation {@code kubectl.kubernetes.io/restartedAt}.
   * Refused (not failed) while a rollout is in progress or within {@code cooldown} of the last restart.
   *
   * @param requestId idempotency key: a retry of the same request does not restart twice
   */
  @ActivityMethod
  RestartResult rollingRestart(Target target, String requestId, Duration cooldown);

  /**
   * {@code kubectl rollout status}: waits (heartbeating) until the rollout completes, fails its progress
   * deadline, or {@code timeout} passes; returns the final state.
   */
  @ActivityMethod
  RolloutStatus awaitRollout(Target target, Duration timeout);

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

  /** Error-pattern counts and samples from the deployment's pods over {@code since}. */
  @ActivityMethod
  LogSummary errorLogs(Target target, Duration since);

  /** Rollout history, newest first, at most {@code limit} revisions. */
  @ActivityMethod
  List<RolloutRevision> recentChanges(Target target, int limit);
}
