package dev.remediator.runbook.servicedown;

import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Duration;

/**
 * The Service Down runbook's view of the target's Deployment, acting only on the configured
 * {@code kubernetes.deployment} of a configured target (anything else is refused before any call). Behaves like
 * {@code kubectl}. 401/403 and 404 fail non-retryably with a message naming the missing RBAC verb or object;
 * timeouts and 5xx are retried. Rolling restarts and rollout waits are {@code KubernetesActivities}'; the look-up
 * of the pool incident is {@link IncidentLookupActivities}'.
 */
@ActivityInterface
public interface WorkloadActivities {

  /**
   * {@code kubectl get deployment,pods,events} and {@code kubectl rollout history}: replicas and conditions, the
   * Deployment's pods (phase, readiness, restarts, waiting reasons, last terminations), its pods' and
   * ReplicaSets' events of the last {@code eventsSince}, and its revisions, newest first (at most
   * {@code historyLimit}), each with what changed in the pod template against the one before.
   */
  @ActivityMethod
  WorkloadStatus inspect(Target target, Duration eventsSince, int historyLimit);

  /**
   * {@code kubectl logs --previous} of the Deployment's crashed containers (restarted or waiting in
   * CrashLoopBackOff), at most {@code maxContainers}: error-pattern counts and a few redacted samples.
   */
  @ActivityMethod
  CrashLogs crashLogs(Target target, int maxContainers);

  /** The Deployment that owns a pod, through its ReplicaSet's {@code ownerReferences}. */
  @ActivityMethod
  PodOwner resolvePod(Target target, String pod);

  /**
   * {@code kubectl rollout undo --to-revision=N}: puts revision N's pod template (its {@code pod-template-hash}
   * label removed) onto the Deployment with one JSON Patch carrying the resourceVersion read. N is the revision
   * before the bad change: the newest revision that is more than a rollout restart or a pool-size change of the one
   * before it (revisions made since by restarts or pool-size changes repeat the bad template). The result carries
   * the revision the controller gave the Deployment once it observed the patch (it renumbers the reused
   * ReplicaSet), waited for a few seconds. Refused (not failed) when the Deployment is paused, when its
   * current revision is no longer {@code badRevision} or the controller has not observed its spec yet (another
   * rollout is in progress), or when the previous revision is unknown. Idempotent: when the template already
   * matches revision N (a retry, or someone else rolled back), nothing is patched and the result
   * says so.
   *
   * @param badRevision the revision the diagnosis found bad: the identity check of the plan
   * @param requestId idempotency key, recorded on the Deployment
   */
  @ActivityMethod
  RollbackResult rollback(Target target, long badRevision, String requestId);

  /**
   * Post-incident, read-only: the Deployments of the other configured Service Down targets (not the incident's
   * Deployment), each listed with what matched: one of {@code change}'s images in its pod template, or a newest
   * revision that became newest within {@code change.window()} of {@code change.changedAt()}. Bounded by the
   * policy's {@code similarScanBudget} (the whole scan) and {@code similarScanConcurrency}; a Deployment that is
   * Forbidden, missing or does not answer in time is {@code UNCHECKED} with the reason. Never changes anything.
   */
  // A type name of its own: each runbook's activities declare this method, and one worker serves them all.
  @ActivityMethod(name = "SimilarWorkloads")
  SimilarIssues similarElsewhere(Target incidentTarget, RunbookPolicy policy, SameChange change);
}
