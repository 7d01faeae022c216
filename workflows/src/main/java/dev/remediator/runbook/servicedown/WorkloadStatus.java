package dev.remediator.runbook.servicedown;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.RolloutStatus;
import java.util.List;

/**
 * The Deployment as {@code kubectl} shows it, bounded (at most 20 pods, 20 events, the requested revisions).
 *
 * @param currentRevision the Deployment's {@code deployment.kubernetes.io/revision}, 0 when unknown
 * @param rollout the rollout judged like {@code kubectl rollout status}
 * @param observedAt when the activity looked (RFC 3339), for ages
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkloadStatus(
    String deployment,
    int desired,
    int updated,
    int ready,
    int available,
    boolean paused,
    long currentRevision,
    RolloutStatus rollout,
    List<Condition> conditions,
    List<PodState> pods,
    List<Event> events,
    List<Revision> history,
    String observedAt) {

  public WorkloadStatus {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
    pods = pods == null ? List.of() : List.copyOf(pods);
    events = events == null ? List.of() : List.copyOf(events);
    history = history == null ? List.of() : List.copyOf(history);
  }

  /** A Deployment condition (Available, Progressing, ReplicaFailure). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Condition(String type, String status, String reason, String message) {}

  /**
   * One pod of the Deployment.
   *
   * @param revision the revision of the ReplicaSet that owns it, 0 when unknown
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PodState(
      String name, String phase, boolean ready, long revision, String createdAt, List<ContainerState> containers) {
    public PodState {
      containers = containers == null ? List.of() : List.copyOf(containers);
    }
  }

  /**
   * One container of a pod.
   *
   * @param waitingReason e.g. CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError; null when running
   * @param lastTerminationReason e.g. OOMKilled, Error; null when it never terminated
   * @param lastExitCode exit code of the last termination, null when none
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ContainerState(
      String name,
      boolean ready,
      int restarts,
      String waitingReason,
      String waitingMessage,
      String lastTerminationReason,
      Integer lastExitCode) {}

  /** An event of the Deployment, its ReplicaSets or pods (BackOff, Unhealthy, FailedScheduling, ...). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Event(String type, String reason, String object, String message, int count, String lastSeen) {}

  /**
   * One revision (ReplicaSet) of the Deployment.
   *
   * @param ageSeconds age at {@link WorkloadStatus#observedAt()}
   * @param changes what changed in the pod template against the revision before (image, env, resources), e.g.
   *     {@code image auth-service: registry/auth:2.4.1 -> registry/auth:2.5.0}
   * @param routine true when it differs from the revision before only by a rollout restart or pool-size env
   *     values: it runs the same code and configuration, so it is not the change that broke anything (false in
   *     results from before this field)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Revision(
      long revision,
      String replicaSet,
      String createdAt,
      long ageSeconds,
      String changeCause,
      List<String> images,
      int replicas,
      int readyReplicas,
      List<String> changes,
      boolean routine) {
    public Revision {
      images = images == null ? List.of() : List.copyOf(images);
      changes = changes == null ? List.of() : List.copyOf(changes);
    }

    public Revision(
        long revision,
        String replicaSet,
        String createdAt,
        long ageSeconds,
        String changeCause,
        List<String> images,
        int replicas,
        int readyReplicas,
        List<String> changes) {
      this(revision, replicaSet, createdAt, ageSeconds, changeCause, images, replicas, readyReplicas, changes, false);
    }
  }
}
