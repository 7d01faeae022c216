package dev.remediator.kubernetes;

import dev.remediator.incident.RolloutStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/** A deployment's rollout judged exactly as {@code kubectl rollout status} judges it (same order, same words). */
final class Rollouts {
  /** The Progressing condition's reason once {@code progressDeadlineSeconds} has passed without progress. */
  static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  private Rollouts() {}

  static RolloutStatus judge(Deployment d) {
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

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }
}
