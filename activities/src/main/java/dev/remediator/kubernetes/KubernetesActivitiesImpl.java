package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.Deployments.annotations;
import static dev.remediator.kubernetes.Deployments.bounded;
import static dev.remediator.kubernetes.Deployments.invalid;
import static dev.remediator.kubernetes.Deployments.nonNull;
import static dev.remediator.kubernetes.Deployments.parseTime;
import static dev.remediator.kubernetes.Deployments.putAnnotations;
import static dev.remediator.kubernetes.Deployments.putTemplateAnnotation;
import static dev.remediator.kubernetes.Deployments.rfc3339;
import static dev.remediator.kubernetes.Deployments.templateAnnotations;
import static dev.remediator.kubernetes.Deployments.withConflictRetry;
import static dev.remediator.kubernetes.KubeCalls.PODS;
import static dev.remediator.kubernetes.KubeCalls.POD_LOGS;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.Durations;
import dev.remediator.incident.LogSummary;
import dev.remediator.incident.RestartResult;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.incident.Target;
import dev.remediator.kubernetes.Deployments.Managed;
import dev.remediator.runbook.KubernetesActivities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link KubernetesActivities} (the rollout contract both runbooks share) with the fabric8 client. Every method
 * first resolves the target's Deployment ({@link Deployments#workload}), then touches only that namespace's
 * deployment, its ReplicaSets and the pods of the configured selector.
 */
public class KubernetesActivitiesImpl implements KubernetesActivities {
  /** The pod-template annotation {@code kubectl rollout restart} sets. */
  public static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
  /** Deployment annotation: the request ID of the last restart Remediator made (idempotency key). */
  public static final String RESTART_REQUEST = "remediator.dev/restart-request";
  /** Deployment annotation: the {@link #RESTARTED_AT} value that restart set. */
  public static final String RESTART_REQUESTED_AT = "remediator.dev/restart-requested-at";

  static final int MAX_PODS = 10;
  static final int MAX_LOG_BYTES_PER_POD = 256 * 1024;
  static final int MAX_LOG_LINES_PER_POD = 5000;
  static final int MAX_REVISIONS = 20;

  private final Deployments deployments;
  private final Duration pollInterval;

  /** With a client the caller owns (and closes). */
  public KubernetesActivitiesImpl(TargetDirectory targets, KubernetesClient client) {
    this(targets, () -> client, Duration.ofSeconds(2));
  }

  /**
   * @param client supplies the client on first use (e.g. {@link KubernetesClients#lazyFromEnvironment()}), so a
   *     worker without Kubernetes targets never builds one
   * @param pollInterval how often {@link #awaitRollout} looks at the deployment (and heartbeats)
   */
  public KubernetesActivitiesImpl(
      TargetDirectory targets, Supplier<KubernetesClient> client, Duration pollInterval) {
    this.deployments = new Deployments(targets, client);
    this.pollInterval = pollInterval;
  }

  // ---- restart ------------------------------------------------------------------------------------------------

  @Override
  public RestartResult rollingRestart(Target target, String requestId, Duration cooldown) {
    Managed w = deployments.workload(target);
    if (requestId == null || requestId.isBlank()) {
      throw invalid("rollingRestart needs a requestId (idempotency key)");
    }
    if (cooldown == null || cooldown.isNegative()) {
      throw invalid("rollingRestart needs a cooldown of zero or more, got " + cooldown);
    }
    return withConflictRetry(
        () -> {
          Deployment d = deployments.get(w);
          Map<String, String> annotations = annotations(d);
          if (requestId.equals(annotations.get(RESTART_REQUEST))) {
            String at = annotations.getOrDefault(RESTART_REQUESTED_AT, templateAnnotations(d).get(RESTARTED_AT));
            return new RestartResult(true, at, null);
          }
          String name = w.namespace() + "/" + w.deployment();
          if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            return refused("deployment " + name + " is paused; a restart would not roll out (kubectl rollout resume"
                + " first)");
          }
          RolloutStatus rollout = Rollouts.judge(d);
          if (rollout.failed()) {
            return refused("the last rollout of deployment " + name + " failed (" + rollout.message()
                + "); a restart would not help — escalate");
          }
          String inProgress = Rollouts.inProgress(d);
          if (inProgress != null) {
            return refused("a rollout of deployment " + name + " is in progress: " + inProgress);
          }
          Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
          String last = templateAnnotations(d).get(RESTARTED_AT);
          Instant lastAt = parseTime(last);
          if (lastAt != null && lastAt.plus(cooldown).isAfter(now)) {
            return refused("deployment " + name + " was restarted at " + last + ", "
                + elapsed(Duration.between(lastAt, now)) + " ago; the cooldown is " + Durations.format(cooldown) + ", next restart allowed after "
                + rfc3339(lastAt.plus(cooldown)));
          }
          String restartedAt = rfc3339(now);
          JsonPatch patch = new JsonPatch().resourceVersion(d.getMetadata().getResourceVersion());
          putTemplateAnnotation(d, patch, RESTARTED_AT, restartedAt);
          Map<String, String> mine = new LinkedHashMap<>();
          mine.put(RESTART_REQUEST, requestId);
          mine.put(RESTART_REQUESTED_AT, restartedAt);
          putAnnotations(d, patch, mine);
          deployments.patch(w, patch);
          return new RestartResult(true, restartedAt, null);
        });
  }

  private static RestartResult refused(String reason) {
    return new RestartResult(false, null, reason);
  }


  /** Like Go's Duration.String for whole seconds: {@code 5m1s}, {@code 2h0m3s}, {@code 45s}. */
  static String elapsed(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m" + s % 60 + "s";
    }
    return s / 3600 + "h" + s % 3600 / 60 + "m" + s % 60 + "s";
  }

  // ---- rollout status -----------------------------------------------------------------------------------------

  @Override
  public RolloutStatus awaitRollout(Target target, Duration timeout) {
    Managed w = deployments.workload(target);
    if (timeout == null || timeout.isNegative()) {
      throw invalid("awaitRollout needs a timeout of zero or more, got " + timeout);
    }
    ActivityExecutionContext activity = Activity.getExecutionContext();
    // A retried attempt (e.g. after the first worker died) keeps the first attempt's deadline.
    long deadline =
        activity.getHeartbeatDetails(Long.class).orElseGet(() -> System.currentTimeMillis() + timeout.toMillis());
    while (true) {
      RolloutStatus status = Rollouts.judge(deployments.get(w));
      if (status.complete() || status.failed()) {
        return status;
      }
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return new RolloutStatus(
            false, false, status.desiredReplicas(), status.updatedReplicas(), status.availableReplicas(),
            "timed out after " + Durations.format(timeout) + ": " + status.message());
      }
      activity.heartbeat(deadline); // throws when the workflow cancelled the activity or it timed out
      try {
        Thread.sleep(Math.min(left, pollInterval.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplicationFailure.newFailureWithCause("interrupted while waiting for the rollout", "Interrupted", e);
      }
    }
  }

  // ---- logs ---------------------------------------------------------------------------------------------------

  @Override
  public LogSummary errorLogs(Target target, Duration since) {
    Managed w = deployments.workload(target);
    if (since == null || since.isNegative() || since.isZero()) {
      throw invalid("errorLogs needs a positive window, got " + since);
    }
    String selector = w.podSelector();
    if (selector == null || selector.isBlank()) {
      selector = Deployments.selector(deployments.get(w));
    }
    String labelSelector = selector;
    List<Pod> pods = KubeCalls.call("list", PODS, w.namespace(), null,
        () -> kube().pods().inNamespace(w.namespace())
            .list(new ListOptionsBuilder().withLabelSelector(labelSelector).build())
            .getItems());
    List<Pod> sorted = pods.stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .limit(MAX_PODS)
        .toList();
    int sinceSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (since.toMillis() + 999) / 1000));
    LogScan scan = new LogScan();
    int read = 0;
    String unavailable = null;
    for (Pod pod : sorted) {
      String text;
      try {
        text = podLog(w, pod, sinceSeconds);
      } catch (KubernetesClientException e) { // podLog lets only "kubelet unreachable" through
        // The API server cannot reach this pod's kubelet: the others may still answer; a retry would not.
        unavailable = "logs unavailable: the API server cannot reach pod " + pod.getMetadata().getName()
            + "'s kubelet (HTTP 500: " + e.getStatus().getMessage() + ")";
        continue;
      }
      if (text != null) {
        scan.scan(pod.getMetadata().getName(), text);
        read++;
      }
    }
    if (read == 0 && unavailable != null) {
      throw ApplicationFailure.newNonRetryableFailure(unavailable, KubeCalls.LOGS_UNAVAILABLE);
    }
    return scan.summary(read);
  }

  /**
   * At most {@link #MAX_LOG_BYTES_PER_POD} of one pod's log; null when the pod has no log to read (gone, not started).
   * Throws the client's exception as it is when the API server cannot reach the pod's kubelet.
   */
  private String podLog(Managed w, Pod pod, int sinceSeconds) {
    String name = pod.getMetadata().getName();
    List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
    String container = containers.stream().anyMatch(c -> w.container().equals(c.getName()))
        ? w.container()
        : containers.size() == 1 ? containers.get(0).getName() : w.container();
    try {
      // limitBytes makes the API server stop at the cap; the text is cut again here in case a server ignores it.
      String text = kube().pods().inNamespace(w.namespace()).withName(name).inContainer(container)
          .withReadyWaitTimeout(0)
          .limitBytes(MAX_LOG_BYTES_PER_POD)
          .sinceSeconds(sinceSeconds)
          .tailingLines(MAX_LOG_LINES_PER_POD)
          .getLog();
      return bounded(text == null ? "" : text, MAX_LOG_BYTES_PER_POD);
    } catch (KubernetesClientException e) {
      // 404: the pod went away meanwhile (rollouts replace pods); 400: its container has not started yet
      // ("is waiting to start"). Neither is a reason to lose the other pods' logs.
      if (e.getCode() == 404 || e.getCode() == 400) {
        return null;
      }
      if (KubeCalls.kubeletUnreachable(e)) {
        throw e; // errorLogs goes on with the other pods
      }
      throw KubeCalls.failure(e, "get", POD_LOGS, w.namespace(), name);
    }
  }


  // ---- history ------------------------------------------------------------------------------------------------

  @Override
  public List<RolloutRevision> recentChanges(Target target, int limit) {
    Managed w = deployments.workload(target);
    if (limit < 1) {
      throw invalid("recentChanges needs a limit of at least 1, got " + limit);
    }
    Deployment d = deployments.get(w);
    return deployments.replicaSets(w, d).stream()
        .map(KubernetesActivitiesImpl::revision)
        .sorted(Comparator.comparingLong(RolloutRevision::revision).reversed()
            .thenComparing(RolloutRevision::createdAt, Comparator.nullsLast(Comparator.reverseOrder())))
        .limit(Math.min(limit, MAX_REVISIONS))
        .toList();
  }

  private static RolloutRevision revision(ReplicaSet rs) {
    Map<String, String> annotations = nonNull(rs.getMetadata().getAnnotations());
    List<String> images = rs.getSpec() == null || rs.getSpec().getTemplate() == null
        ? List.of()
        : rs.getSpec().getTemplate().getSpec().getContainers().stream().map(Container::getImage).toList();
    int replicas = rs.getSpec() == null || rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    return new RolloutRevision(Deployments.revision(annotations), rs.getMetadata().getCreationTimestamp(),
        annotations.get(Deployments.CHANGE_CAUSE), images, replicas);
  }

  private KubernetesClient kube() {
    return deployments.kube();
  }
}
