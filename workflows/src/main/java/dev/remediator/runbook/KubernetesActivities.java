package dev.remediator.runbook;

import dev.remediator.incident.LogSummary;
import dev.remediator.incident.RestartResult;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.incident.Target;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Duration;
import java.util.List;

/**
 * The rollout contract both runbooks share (restart, rollout status, logs, rollout history): the target's workload
 * in Kubernetes, acting only on the configured namespace/deployment of the target (anything else is refused before
 * any call). Behaves like {@code kubectl}. 401/403 and 404 fail non-retryably with a message naming the missing
 * RBAC verb or object; timeouts and 5xx are retried. A runbook's own changes to the deployment are in its own
 * contract, in its package.
 */
@ActivityInterface
public interface KubernetesActivities {
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

  /** Error-pattern counts and samples from the deployment's pods over {@code since}. */
  @ActivityMethod
  LogSummary errorLogs(Target target, Duration since);

  /** Rollout history, newest first, at most {@code limit} revisions. */
  @ActivityMethod
  List<RolloutRevision> recentChanges(Target target, int limit);
}
