package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.KubeCalls.DEPLOYMENTS;
import static dev.remediator.kubernetes.KubeCalls.PODS;
import static dev.remediator.kubernetes.KubeCalls.POD_LOGS;
import static dev.remediator.kubernetes.KubeCalls.REPLICA_SETS;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Target;
import dev.remediator.runbook.servicedown.CrashLogs;
import dev.remediator.runbook.servicedown.PodOwner;
import dev.remediator.runbook.servicedown.RelatedIncident;
import dev.remediator.runbook.servicedown.RollbackResult;
import dev.remediator.runbook.servicedown.WorkloadActivities;
import dev.remediator.runbook.servicedown.WorkloadStatus;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.activity.Activity;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.failure.ApplicationFailure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@link WorkloadActivities} with the fabric8 client. Every method first resolves the target from configuration
 * (refusing unconfigured targets and targets without {@code kubernetes.deployment} before any call), then reads
 * only that namespace's Deployment, the ReplicaSets it owns, their pods and events, and changes only the
 * Deployment (the rollback, one JSON Patch).
 */
public class WorkloadActivitiesImpl implements WorkloadActivities {
  /** Deployment annotation: the request ID of the last rollback Remediator made (idempotency key). */
  public static final String ROLLBACK_REQUEST = "remediator.dev/rollback-request";
  /** Deployment annotation: that rollback, {@code from->to} revisions. */
  public static final String ROLLBACK_REVISIONS = "remediator.dev/rollback-revisions";

  static final String EVENTS = "events";
  /** ReplicaSet annotation the controller sets when it reuses a ReplicaSet and renumbers it (the old numbers). */
  static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
  static final String CONTROLLER_MANAGER = "kube-controller-manager";
  static final int MAX_PODS = 20;
  static final int MAX_EVENTS = 20;
  static final int MAX_EVENT_MESSAGE = 240;
  static final int MAX_LOG_BYTES = 256 * 1024;
  static final int MAX_LOG_LINES = 2000;

  /** Annotations {@code kubectl rollout undo} leaves as they are on the Deployment (rollback.go). */
  static final Set<String> ANNOTATIONS_TO_SKIP = Set.of(
      "kubectl.kubernetes.io/last-applied-configuration",
      KubernetesActivitiesImpl.REVISION,
      "deployment.kubernetes.io/revision-history",
      "deployment.kubernetes.io/desired-replicas",
      "deployment.kubernetes.io/max-replicas",
      "deprecated.deployment.rollback.to");

  /** How long a rollback waits for the controller to observe it, to read the revision it gave it. */
  static final Duration OBSERVE_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration OBSERVE_POLL = Duration.ofMillis(200);

  private final TargetDirectory targets;
  private final Supplier<KubernetesClient> client;
  private final Duration observeTimeout;

  public WorkloadActivitiesImpl(TargetDirectory targets, Supplier<KubernetesClient> client) {
    this(targets, client, OBSERVE_TIMEOUT);
  }

  /**
   * @param observeTimeout how long a rollback waits for the controller to observe it (zero: look once; for a
   *     cluster without a controller)
   */
  public WorkloadActivitiesImpl(TargetDirectory targets, Supplier<KubernetesClient> client, Duration observeTimeout) {
    this.targets = targets;
    this.client = client;
    this.observeTimeout = observeTimeout;
  }

  private record Workload(String namespace, String deployment, List<String> poolEnv) {
    String name() {
      return namespace + "/" + deployment;
    }
  }

  private Workload workload(Target target) {
    TargetConfig config = targets.require(target);
    TargetConfig.Kubernetes k = config.kubernetes();
    if (k == null || k.deployment() == null || k.deployment().isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "target " + target.id() + " has no kubernetes.deployment configured; refusing to act on the cluster",
          KubernetesActivitiesImpl.NOT_CONFIGURED);
    }
    return new Workload(config.namespace(), k.deployment(), k.poolEnvOrDefault());
  }

  // ---- inspect ------------------------------------------------------------------------------------------------

  @Override
  public WorkloadStatus inspect(Target target, Duration eventsSince, int historyLimit) {
    Workload w = workload(target);
    if (eventsSince == null || eventsSince.isNegative() || eventsSince.isZero()) {
      throw invalid("inspect needs a positive events window, got " + eventsSince);
    }
    if (historyLimit < 1) {
      throw invalid("inspect needs a history limit of at least 1, got " + historyLimit);
    }
    Instant now = Instant.now();
    Deployment d = deployment(w);
    List<ReplicaSet> sets = replicaSets(w, d);
    Map<String, Long> revisionOf = new HashMap<>();
    sets.forEach(rs -> revisionOf.put(rs.getMetadata().getName(), revision(rs.getMetadata().getAnnotations())));
    List<Pod> pods = pods(w, d, revisionOf.keySet());

    List<WorkloadStatus.PodState> podStates = pods.stream()
        .map(p -> podState(p, revisionOf))
        .sorted(Comparator.comparingLong(WorkloadStatus.PodState::revision).reversed()
            .thenComparing(WorkloadStatus.PodState::name))
        .limit(MAX_PODS)
        .toList();

    Set<String> podNames = pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    List<WorkloadStatus.Event> events = events(w, podNames, revisionOf.keySet(), now.minus(eventsSince));

    List<ReplicaSet> byRevision = sets.stream()
        .sorted(Comparator.comparingLong((ReplicaSet rs) -> revision(rs.getMetadata().getAnnotations())).reversed())
        .toList();
    List<WorkloadStatus.Revision> history = new ArrayList<>();
    for (int i = 0; i < byRevision.size() && history.size() < historyLimit; i++) {
      ReplicaSet rs = byRevision.get(i);
      ReplicaSet before = i + 1 < byRevision.size() ? byRevision.get(i + 1) : null;
      history.add(revisionOf(rs, before, now, w.poolEnv()));
    }

    var s = d.getStatus();
    List<WorkloadStatus.Condition> conditions = s == null || s.getConditions() == null ? List.of()
        : s.getConditions().stream()
            .map(c -> new WorkloadStatus.Condition(c.getType(), c.getStatus(), c.getReason(), cap(c.getMessage())))
            .toList();
    return new WorkloadStatus(
        w.deployment(),
        d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas(),
        s == null ? 0 : nz(s.getUpdatedReplicas()),
        s == null ? 0 : nz(s.getReadyReplicas()),
        s == null ? 0 : nz(s.getAvailableReplicas()),
        Boolean.TRUE.equals(d.getSpec().getPaused()),
        revision(d.getMetadata().getAnnotations()),
        Rollouts.judge(d),
        conditions,
        podStates,
        events,
        history,
        KubernetesActivitiesImpl.rfc3339(now));
  }

  private static WorkloadStatus.PodState podState(Pod p, Map<String, Long> revisionOf) {
    String rs = owner(p.getMetadata().getOwnerReferences(), "ReplicaSet");
    List<WorkloadStatus.ContainerState> containers = new ArrayList<>();
    List<ContainerStatus> statuses = p.getStatus() == null || p.getStatus().getContainerStatuses() == null
        ? List.of() : p.getStatus().getContainerStatuses();
    for (ContainerStatus c : statuses) {
      String waiting = null;
      String waitingMessage = null;
      if (c.getState() != null && c.getState().getWaiting() != null) {
        waiting = c.getState().getWaiting().getReason();
        waitingMessage = cap(c.getState().getWaiting().getMessage());
      }
      String lastReason = null;
      Integer lastExit = null;
      if (c.getLastState() != null && c.getLastState().getTerminated() != null) {
        lastReason = c.getLastState().getTerminated().getReason();
        lastExit = c.getLastState().getTerminated().getExitCode();
      }
      containers.add(new WorkloadStatus.ContainerState(
          c.getName(), Boolean.TRUE.equals(c.getReady()), nz(c.getRestartCount()), waiting, waitingMessage,
          lastReason, lastExit));
    }
    boolean ready = p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return new WorkloadStatus.PodState(
        p.getMetadata().getName(),
        p.getStatus() == null ? null : p.getStatus().getPhase(),
        ready,
        rs == null ? 0 : revisionOf.getOrDefault(rs, 0L),
        p.getMetadata().getCreationTimestamp(),
        containers);
  }

  private List<WorkloadStatus.Event> events(Workload w, Set<String> pods, Set<String> sets, Instant since) {
    List<Event> all = KubeCalls.call("list", EVENTS, w.namespace(), null,
        () -> kube().v1().events().inNamespace(w.namespace()).list().getItems());
    record Seen(Event event, Instant at) {}
    List<Seen> mine = new ArrayList<>();
    for (Event e : all) {
      ObjectReference o = e.getInvolvedObject();
      if (o == null || o.getName() == null) {
        continue;
      }
      boolean ours = ("Pod".equals(o.getKind()) && pods.contains(o.getName()))
          || ("ReplicaSet".equals(o.getKind()) && sets.contains(o.getName()))
          || ("Deployment".equals(o.getKind()) && w.deployment().equals(o.getName()));
      Instant at = lastSeen(e);
      if (ours && at != null && !at.isBefore(since)) {
        mine.add(new Seen(e, at));
      }
    }
    return mine.stream()
        .sorted(Comparator.comparing(Seen::at).reversed()
            .thenComparing(s -> Objects.toString(s.event().getMetadata().getName(), "")))
        .limit(MAX_EVENTS)
        .map(s -> new WorkloadStatus.Event(
            s.event().getType(),
            s.event().getReason(),
            s.event().getInvolvedObject().getKind() + "/" + s.event().getInvolvedObject().getName(),
            cap(s.event().getMessage()),
            s.event().getCount() == null ? 1 : s.event().getCount(),
            KubernetesActivitiesImpl.rfc3339(s.at())))
        .toList();
  }

  private static Instant lastSeen(Event e) {
    Instant at = parse(e.getLastTimestamp());
    if (at == null && e.getEventTime() != null) {
      at = parse(e.getEventTime().getTime());
    }
    return at == null ? parse(e.getFirstTimestamp()) : at;
  }

  private static WorkloadStatus.Revision revisionOf(
      ReplicaSet rs, ReplicaSet before, Instant now, List<String> poolEnv) {
    Map<String, String> annotations = nonNull(rs.getMetadata().getAnnotations());
    Instant created = becameNewest(rs);
    List<String> images = rs.getSpec() == null || rs.getSpec().getTemplate() == null
        || rs.getSpec().getTemplate().getSpec() == null
        ? List.of()
        : rs.getSpec().getTemplate().getSpec().getContainers().stream().map(c -> c.getImage()).toList();
    List<String> changes = before == null ? List.of()
        : TemplateDiff.changes(before.getSpec().getTemplate(), rs.getSpec().getTemplate());
    return new WorkloadStatus.Revision(
        revision(annotations),
        rs.getMetadata().getName(),
        rs.getMetadata().getCreationTimestamp(),
        created == null ? -1 : Math.max(0, Duration.between(created, now).getSeconds()),
        annotations.get(KubernetesActivitiesImpl.CHANGE_CAUSE),
        images,
        rs.getSpec() == null ? 0 : nz(rs.getSpec().getReplicas()),
        rs.getStatus() == null ? 0 : nz(rs.getStatus().getReadyReplicas()),
        changes,
        before != null && TemplateDiff.routine(before.getSpec().getTemplate(), rs.getSpec().getTemplate(), poolEnv));
  }

  /**
   * When the ReplicaSet last became the Deployment's newest revision. Its creation, unless the controller reused it
   * (a rollback: it carries {@code deployment.kubernetes.io/revision-history} and a new number): then the
   * controller's last write to it (the renumbering and the scale-ups after it), from its managed fields.
   */
  private static Instant becameNewest(ReplicaSet rs) {
    Instant created = parse(rs.getMetadata().getCreationTimestamp());
    if (!nonNull(rs.getMetadata().getAnnotations()).containsKey(REVISION_HISTORY)
        || rs.getMetadata().getManagedFields() == null) {
      return created;
    }
    Instant last = rs.getMetadata().getManagedFields().stream()
        .filter(f -> CONTROLLER_MANAGER.equals(f.getManager()) && "Update".equals(f.getOperation())
            && (f.getSubresource() == null || f.getSubresource().isEmpty()))
        .map(f -> parse(f.getTime()))
        .filter(Objects::nonNull)
        .max(Comparator.naturalOrder())
        .orElse(null);
    return last == null || (created != null && last.isBefore(created)) ? created : last;
  }

  // ---- previous logs ------------------------------------------------------------------------------------------

  @Override
  public CrashLogs crashLogs(Target target, int maxContainers) {
    Workload w = workload(target);
    if (maxContainers < 1) {
      throw invalid("crashLogs needs at least 1 container, got " + maxContainers);
    }
    Deployment d = deployment(w);
    Map<String, Long> revisionOf = new HashMap<>();
    replicaSets(w, d).forEach(rs -> revisionOf.put(rs.getMetadata().getName(), revision(rs.getMetadata().getAnnotations())));
    List<Pod> pods = pods(w, d, revisionOf.keySet()).stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();
    CrashLogScan scan = new CrashLogScan();
    int read = 0;
    List<String> unavailable = new ArrayList<>();
    for (Pod p : pods) {
      List<ContainerStatus> statuses = p.getStatus() == null || p.getStatus().getContainerStatuses() == null
          ? List.of() : p.getStatus().getContainerStatuses();
      for (ContainerStatus c : statuses) {
        boolean crashed = nz(c.getRestartCount()) > 0 || (c.getState() != null && c.getState().getWaiting() != null
            && "CrashLoopBackOff".equals(c.getState().getWaiting().getReason()));
        if (!crashed || read >= maxContainers) {
          continue;
        }
        if (!unavailable.isEmpty() && Objects.equals(unavailable.get(0), nodeOf(p))) {
          continue; // its node served no logs a moment ago
        }
        String text;
        try {
          text = previousLog(w, p.getMetadata().getName(), c.getName());
        } catch (LogsUnavailable e) {
          if (unavailable.isEmpty()) {
            unavailable.add(nodeOf(p));
            unavailable.add(e.getMessage());
          }
          continue;
        }
        if (text != null) {
          scan.scan(p.getMetadata().getName() + "/" + c.getName(), text);
          read++;
        }
      }
    }
    return scan.summary(read, unavailable.isEmpty() ? null : unavailable.get(1));
  }

  private static String nodeOf(Pod p) {
    return p.getSpec() == null ? null : p.getSpec().getNodeName();
  }

  /** The API server could not reach the pod's kubelet for its logs (a node without one, e.g. KWOK's). */
  private static final class LogsUnavailable extends RuntimeException {
    LogsUnavailable(String message) {
      super(message, null, false, false);
    }
  }

  /** API server messages for a node whose kubelet cannot be reached: no log will come from it, retry or not. */
  static final List<String> NO_KUBELET = List.of("no preferred addresses found", "error dialing backend");

  private String previousLog(Workload w, String pod, String container) {
    try {
      String text = kube().pods().inNamespace(w.namespace()).withName(pod).inContainer(container)
          .withReadyWaitTimeout(0)
          .terminated()
          .tailingLines(MAX_LOG_LINES)
          .getLog();
      return KubernetesActivitiesImpl.bounded(text == null ? "" : text, MAX_LOG_BYTES);
    } catch (KubernetesClientException e) {
      // 404: the pod went away; 400: no previous container ("previous terminated container ... not found").
      if (e.getCode() == 404 || e.getCode() == 400) {
        return null;
      }
      String message = e.getStatus() == null || e.getStatus().getMessage() == null ? "" : e.getStatus().getMessage();
      if (e.getCode() == 500 && NO_KUBELET.stream().anyMatch(message::contains)) {
        throw new LogsUnavailable("logs unavailable: the API server cannot reach pod " + pod + "'s kubelet (HTTP 500: "
            + cap(message) + ")");
      }
      throw KubeCalls.failure(e, "get", POD_LOGS, w.namespace(), pod);
    }
  }

  // ---- pod owner ----------------------------------------------------------------------------------------------

  @Override
  public PodOwner resolvePod(Target target, String pod) {
    Workload w = workload(target);
    if (pod == null || pod.isBlank()) {
      throw invalid("resolvePod needs a pod name");
    }
    Pod p = KubeCalls.call("get", PODS, w.namespace(), pod,
        () -> kube().pods().inNamespace(w.namespace()).withName(pod).get());
    if (p == null) {
      return new PodOwner(pod, null, null, false, "pod " + w.namespace() + "/" + pod + " no longer exists");
    }
    String rsName = owner(p.getMetadata().getOwnerReferences(), "ReplicaSet");
    if (rsName == null) {
      return new PodOwner(pod, null, null, false, "pod " + pod + " is not owned by a ReplicaSet");
    }
    ReplicaSet rs = KubeCalls.call("get", REPLICA_SETS, w.namespace(), rsName,
        () -> kube().apps().replicaSets().inNamespace(w.namespace()).withName(rsName).get());
    if (rs == null) {
      return new PodOwner(pod, rsName, null, false, "ReplicaSet " + rsName + " of pod " + pod + " no longer exists");
    }
    String deployment = owner(rs.getMetadata().getOwnerReferences(), "Deployment");
    if (deployment == null) {
      return new PodOwner(pod, rsName, null, false, "ReplicaSet " + rsName + " is not owned by a Deployment");
    }
    boolean ours = deployment.equals(w.deployment());
    return new PodOwner(pod, rsName, deployment, ours, ours ? null
        : "pod " + pod + " belongs to deployment " + deployment + ", not to the target's " + w.deployment());
  }

  // ---- rollback -----------------------------------------------------------------------------------------------

  @Override
  public RollbackResult rollback(Target target, long badRevision, String requestId) {
    Workload w = workload(target);
    if (requestId == null || requestId.isBlank()) {
      throw invalid("rollback needs a requestId (idempotency key)");
    }
    if (badRevision < 1) {
      throw invalid("rollback needs the revision found bad (at least 1), got " + badRevision);
    }
    return withConflictRetry(() -> {
      Deployment d = deployment(w);
      Map<String, String> annotations = nonNull(d.getMetadata().getAnnotations());
      if (requestId.equals(annotations.get(ROLLBACK_REQUEST))) {
        long[] fromTo = fromTo(annotations.get(ROLLBACK_REVISIONS));
        return new RollbackResult(true, false, fromTo[0], fromTo[1], List.of(), null,
            revisionAfter(w, generation(d)));
      }
      if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
        return refused(badRevision, "deployment " + w.name() + " is paused; kubectl cannot roll back a paused"
            + " deployment (kubectl rollout resume first)");
      }
      long observed = d.getStatus() == null || d.getStatus().getObservedGeneration() == null
          ? 0 : d.getStatus().getObservedGeneration();
      if (generation(d) > observed) {
        return refused(badRevision, "a rollout of deployment " + w.name()
            + " is in progress: its latest change is not yet observed by the controller");
      }
      long current = revision(annotations);
      if (current != badRevision) {
        return refused(badRevision, "deployment " + w.name() + " is at revision " + current
            + ", not at revision " + badRevision + " found bad: another rollout happened since the diagnosis");
      }
      // The bad change is the newest revision that is more than a restart or a pool-size change of the one before
      // (an on-call engineer's `rollout restart` of the bad rollout repeats the bad template); the target is the
      // revision before it, as `kubectl rollout undo --to-revision=N` would take it.
      List<ReplicaSet> history = replicaSets(w, d).stream()
          .filter(rs -> rs.getSpec() != null && rs.getSpec().getTemplate() != null)
          .filter(rs -> revision(rs.getMetadata().getAnnotations()) > 0)
          .filter(rs -> revision(rs.getMetadata().getAnnotations()) <= badRevision)
          .sorted(Comparator.comparingLong((ReplicaSet rs) -> revision(rs.getMetadata().getAnnotations())).reversed())
          .toList();
      int changed = 0;
      while (changed + 1 < history.size() && TemplateDiff.routine(history.get(changed + 1).getSpec().getTemplate(),
          history.get(changed).getSpec().getTemplate(), w.poolEnv())) {
        changed++;
      }
      long changedRevision = history.isEmpty() ? badRevision
          : revision(history.get(changed).getMetadata().getAnnotations());
      ReplicaSet previous = changed + 1 < history.size() ? history.get(changed + 1) : null;
      if (previous == null || history.get(0).getMetadata() == null
          || revision(history.get(0).getMetadata().getAnnotations()) != badRevision) {
        return refused(badRevision, "the revision before " + changedRevision + " of deployment " + w.name()
            + " is unknown (no ReplicaSet with a lower revision is left: rollout history empty or"
            + " revisionHistoryLimit 0" + (changedRevision < badRevision ? "; revisions after " + changedRevision
                + " are restarts or pool-size changes of it" : "") + ")");
      }
      long to = revision(previous.getMetadata().getAnnotations());
      List<String> changes = TemplateDiff.changes(d.getSpec().getTemplate(), previous.getSpec().getTemplate());
      if (TemplateDiff.equalIgnoringHash(d.getSpec().getTemplate(), previous.getSpec().getTemplate())) {
        return new RollbackResult(true, false, badRevision, to, List.of(), null, current);
      }
      // kubectl's annotations: the Deployment's skip-listed ones as they are, the ReplicaSet's others (its
      // change-cause); Remediator's own annotations are kept, plus this request's.
      Map<String, String> next = new TreeMap<>();
      annotations.forEach((k, v) -> {
        if (ANNOTATIONS_TO_SKIP.contains(k) || k.startsWith("remediator.dev/")) {
          next.put(k, v);
        }
      });
      nonNull(previous.getMetadata().getAnnotations()).forEach((k, v) -> {
        if (!ANNOTATIONS_TO_SKIP.contains(k)) {
          next.put(k, v);
        }
      });
      next.put(ROLLBACK_REQUEST, requestId);
      next.put(ROLLBACK_REVISIONS, badRevision + "->" + to);
      JsonPatch patch = new JsonPatch()
          .resourceVersion(d.getMetadata().getResourceVersion())
          .replace("/spec/template", TemplateDiff.withoutHash(previous.getSpec().getTemplate()))
          .add("/metadata/annotations", next);
      Deployment patched = KubeCalls.call("patch", DEPLOYMENTS, w.namespace(), w.deployment(),
          () -> kube().apps().deployments().inNamespace(w.namespace()).withName(w.deployment())
              .patch(PatchContext.of(PatchType.JSON), patch.toJson()));
      long revisionAfter = revisionAfter(w, patched == null ? generation(d) + 1 : generation(patched));
      return new RollbackResult(true, true, badRevision, to, changes, null, revisionAfter);
    });
  }

  /**
   * The Deployment's revision once the controller observed {@code generation}: it renumbers the ReplicaSet a
   * rollback reuses, so the revision after is not the one whose template came back. 0 when not observed within
   * {@link #observeTimeout} (the rollout wait follows anyway).
   */
  private long revisionAfter(Workload w, long generation) {
    long deadline = System.nanoTime() + observeTimeout.toNanos();
    while (true) {
      Deployment d = deployment(w);
      long observed = d.getStatus() == null || d.getStatus().getObservedGeneration() == null
          ? 0 : d.getStatus().getObservedGeneration();
      if (observed >= generation) {
        return revision(d.getMetadata().getAnnotations());
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return 0;
      }
      try {
        Thread.sleep(Math.min(Duration.ofNanos(left).toMillis() + 1, OBSERVE_POLL.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      }
    }
  }

  private static long generation(Deployment d) {
    return d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
  }

  private static RollbackResult refused(long from, String reason) {
    return new RollbackResult(false, false, from, 0, List.of(), reason);
  }

  private static long[] fromTo(String value) {
    try {
      String[] parts = value.split("->");
      return new long[] {Long.parseLong(parts[0].trim()), Long.parseLong(parts[1].trim())};
    } catch (RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  // ---- related incident ---------------------------------------------------------------------------------------

  @Override
  public RelatedIncident relatedIncident(String incidentId) {
    if (incidentId == null || incidentId.isBlank()) {
      throw invalid("relatedIncident needs an incident ID");
    }
    WorkflowClient workflows = Activity.getExecutionContext().getWorkflowClient();
    try {
      DescribeWorkflowExecutionResponse r = workflows.getWorkflowServiceStubs().blockingStub()
          .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(workflows.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(incidentId))
              .build());
      WorkflowExecutionStatus status = r.getWorkflowExecutionInfo().getStatus();
      return new RelatedIncident(incidentId, status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
          status.name().replace("WORKFLOW_EXECUTION_STATUS_", ""));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return new RelatedIncident(incidentId, false, "NOT_FOUND");
      }
      throw e;
    }
  }

  // ---- shared -------------------------------------------------------------------------------------------------

  private KubernetesClient kube() {
    return client.get();
  }

  private Deployment deployment(Workload w) {
    Deployment d = KubeCalls.call("get", DEPLOYMENTS, w.namespace(), w.deployment(),
        () -> kube().apps().deployments().inNamespace(w.namespace()).withName(w.deployment()).get());
    if (d == null) {
      throw KubeCalls.notFound(DEPLOYMENTS, w.namespace(), w.deployment());
    }
    return d;
  }

  private static String selector(Deployment d) {
    Map<String, String> match = d.getSpec().getSelector() == null ? null : d.getSpec().getSelector().getMatchLabels();
    return new TreeMap<>(nonNull(match)).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  /** The ReplicaSets the Deployment owns (ownerReferences, by uid when both carry one). */
  private List<ReplicaSet> replicaSets(Workload w, Deployment d) {
    String selector = selector(d);
    List<ReplicaSet> sets = KubeCalls.call("list", REPLICA_SETS, w.namespace(), null,
        () -> kube().apps().replicaSets().inNamespace(w.namespace())
            .list(new ListOptionsBuilder().withLabelSelector(selector).build()).getItems());
    String uid = d.getMetadata().getUid();
    return sets.stream().filter(rs -> {
      List<OwnerReference> owners = rs.getMetadata().getOwnerReferences();
      return owners != null && owners.stream().anyMatch(o -> "Deployment".equals(o.getKind())
          && d.getMetadata().getName().equals(o.getName())
          && (uid == null || o.getUid() == null || uid.equals(o.getUid())));
    }).toList();
  }

  /** The pods owned by one of the Deployment's ReplicaSets. */
  private List<Pod> pods(Workload w, Deployment d, Set<String> sets) {
    String selector = selector(d);
    List<Pod> pods = KubeCalls.call("list", PODS, w.namespace(), null,
        () -> kube().pods().inNamespace(w.namespace())
            .list(new ListOptionsBuilder().withLabelSelector(selector).build()).getItems());
    return pods.stream().filter(p -> sets.contains(owner(p.getMetadata().getOwnerReferences(), "ReplicaSet")))
        .toList();
  }

  private static String owner(List<OwnerReference> owners, String kind) {
    if (owners == null) {
      return null;
    }
    return owners.stream().filter(o -> kind.equals(o.getKind())).map(OwnerReference::getName).findFirst()
        .orElse(null);
  }

  static long revision(Map<String, String> annotations) {
    try {
      return Long.parseLong(nonNull(annotations).getOrDefault(KubernetesActivitiesImpl.REVISION, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Instant parse(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String cap(String message) {
    if (message == null) {
      return null;
    }
    String r = Redaction.redact(message.strip());
    return r.length() <= MAX_EVENT_MESSAGE ? r : r.substring(0, MAX_EVENT_MESSAGE - 1) + "…";
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  private static <K, V> Map<K, V> nonNull(Map<K, V> m) {
    return m == null ? new LinkedHashMap<>() : m;
  }

  private static <T> T withConflictRetry(Supplier<T> attempt) {
    for (int i = 1; ; i++) {
      try {
        return attempt.get();
      } catch (ApplicationFailure f) {
        if (!KubeCalls.CONFLICT.equals(f.getType()) || i >= 3) {
          throw f;
        }
      }
    }
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, KubernetesActivitiesImpl.INVALID_REQUEST);
  }
}
