package dev.remediator.kubernetes;

import dev.remediator.incident.RolloutStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/** A deployment's rollout judged exactly as {@code kubectl rollout status} judges it (same order, same words). */
public final class Rollouts {
  /** The Progressing condition's reason once {@code progressDeadlineSeconds} has passed without progress. */
  static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  /** The Progressing condition's reason while the controller hands over to the newest ReplicaSet. */
  static final String REPLICA_SET_UPDATED = "ReplicaSetUpdated";

  private Rollouts() {}

  public static RolloutStatus judge(Deployment d) {
    String name = d.getMetadata().getName();
    int desired = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
    int updated = nz(s.getUpdatedReplicas());
    int available = nz(s.getAvailableReplicas());
    int replicas = nz(s.getReplicas());
    long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    long observed = s.getObservedGeneration() == null ? 0 : s.getObservedGeneration();
    if (generation > observed) {
      return new RolloutStatus(
          false, false, desired, updated, available, "Waiting for deployment spec update to be observed...");
    }
    if (s.getConditions() != null) {
      for (DeploymentCondition c : s.getConditions()) {
        if ("Progressing".equals(c.getType()) && PROGRESS_DEADLINE_EXCEEDED.equals(c.getReason())) {
          return new RolloutStatus(
              false, true, desired, updated, available,
              "deployment \"" + name + "\" exceeded its progress deadline");
        }
      }
    }
    String waiting = "Waiting for deployment \"" + name + "\" rollout to finish: ";
    if (updated < desired) {
      return new RolloutStatus(
          false, false, desired, updated, available,
          waiting + updated + " out of " + desired + " new replicas have been updated...");
    }
    if (replicas > updated) {
      return new RolloutStatus(
          false, false, desired, updated, available,
          waiting + (replicas - updated) + " old replicas are pending termination...");
    }
    if (available < updated) {
      return new RolloutStatus(
          false, false, desired, updated, available,
          waiting + available + " of " + updated + " updated replicas are available...");
    }
    return new RolloutStatus(
        true, false, desired, updated, available, "deployment \"" + name + "\" successfully rolled out");
  }

  /**
   * Why a rollout of the Deployment is still in progress ({@link #judge}'s words), or null when the controller has
   * finished it: it observed the generation, every replica is of the newest ReplicaSet and the Progressing
   * condition no longer says {@code ReplicaSetUpdated}. A finished rollout whose pods became unavailable since
   * (a crash loop without a template change) keeps {@code Progressing=True/NewReplicaSetAvailable}: not in progress,
   * although {@code kubectl rollout status} would wait on it. Without a Progressing condition (a controller that
   * writes none) unavailable updated replicas count as in progress, as kubectl counts them.
   */
  public static String inProgress(Deployment d) {
    RolloutStatus status = judge(d);
    int desired = status.desiredReplicas();
    DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
    long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    long observed = s.getObservedGeneration() == null ? 0 : s.getObservedGeneration();
    int updated = nz(s.getUpdatedReplicas());
    if (generation > observed || updated < desired || nz(s.getReplicas()) > updated) {
      return status.message();
    }
    DeploymentCondition progressing = s.getConditions() == null ? null : s.getConditions().stream()
        .filter(c -> "Progressing".equals(c.getType())).findFirst().orElse(null);
    if (progressing == null) {
      return status.complete() ? null : status.message();
    }
    if (REPLICA_SET_UPDATED.equals(progressing.getReason())) {
      return status.complete()
          ? "the deployment controller still reports it progressing (" + REPLICA_SET_UPDATED + ")"
          : status.message();
    }
    return null;
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }
}
