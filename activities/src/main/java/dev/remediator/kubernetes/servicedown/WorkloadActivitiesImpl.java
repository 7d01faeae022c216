package dev.remediator.kubernetes.servicedown;

import static dev.remediator.kubernetes.Deployments.invalid;
import static dev.remediator.kubernetes.Deployments.nonNull;
import static dev.remediator.kubernetes.Deployments.parseTime;
import static dev.remediator.kubernetes.Deployments.revision;
import static dev.remediator.kubernetes.Deployments.rfc3339;
import static dev.remediator.kubernetes.Deployments.selector;
import static dev.remediator.kubernetes.Deployments.withConflictRetry;
import static dev.remediator.kubernetes.KubeCalls.PODS;
import static dev.remediator.kubernetes.KubeCalls.POD_LOGS;
import static dev.remediator.kubernetes.KubeCalls.REPLICA_SETS;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import dev.remediator.runbook.servicedown.SameChange;
import dev.remediator.kubernetes.Deployments;
import dev.remediator.kubernetes.Deployments.Managed;
import dev.remediator.kubernetes.JsonPatch;
import dev.remediator.kubernetes.KubeCalls;
import dev.remediator.kubernetes.Redaction;
import dev.remediator.kubernetes.Rollouts;
import dev.remediator.runbook.servicedown.CrashLogs;
import dev.remediator.runbook.servicedown.PodOwner;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * {@link WorkloadActivities} (the Service Down runbook's) with the fabric8 client. Every method first resolves the
 * target's Deployment ({@link Deployments#workload}), then reads
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
  public static final int MAX_LOG_LINES = 2000;

  /** Annotations {@code kubectl rollout undo} leaves as they are on the Deployment (rollback.go). */
  static final Set<String> ANNOTATIONS_TO_SKIP = Set.of(
      "kubectl.kubernetes.io/last-applied-configuration",
      Deployments.REVISION,
      "deployment.kubernetes.io/revision-history",
      "deployment.kubernetes.io/desired-replicas",
      "deployment.kubernetes.io/max-replicas",
      "deprecated.deployment.rollback.to");

  /** How long a rollback waits for the controller to observe it, to read the revision it gave it. */
  static final Duration OBSERVE_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration OBSERVE_POLL = Duration.ofMillis(200);

  private final Deployments deployments;
  private final TargetDirectory targets;
  private final Duration observeTimeout;

  public WorkloadActivitiesImpl(TargetDirectory targets, Supplier<KubernetesClient> client) {
    this(targets, client, OBSERVE_TIMEOUT);
  }

  /**
   * @param observeTimeout how long a rollback waits for the controller to observe it (zero: look once; for a
   *     cluster without a controller)
   */
  public WorkloadActivitiesImpl(TargetDirectory targets, Supplier<KubernetesClient> client, Duration observeTimeout) {
    this.deployments = new Deployments(targets, client);
    this.targets = targets;
    this.observeTimeout = observeTimeout;
  }

  // ---- inspect ------------------------------------------------------------------------------------------------

  @Override
  public WorkloadStatus inspect(Target target, Duration eventsSince, int historyLimit) {
    Managed w = deployments.workload(target);
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

    Map<String, String> podUids = new HashMap<>();
    pods.forEach(p -> podUids.put(p.getMetadata().getName(), Objects.toString(p.getMetadata().getUid(), "")));
    Map<String, String> setUids = new HashMap<>();
    sets.forEach(rs -> setUids.put(rs.getMetadata().getName(), Objects.toString(rs.getMetadata().getUid(), "")));
    List<WorkloadStatus.Event> events = events(w, Objects.toString(d.getMetadata().getUid(), ""), podUids, setUids,
        now.minus(eventsSince));

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
        rfc3339(now));
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

  /**
   * The events about the Deployment, its ReplicaSets and their pods (name → uid). An event names its object's uid
   * too: one about an earlier object of the same name (a Deployment deleted and created again, and with it
   * ReplicaSets of the same name; events outlive them by an hour) is not about this one.
   */
  private List<WorkloadStatus.Event> events(
      Managed w, String deploymentUid, Map<String, String> pods, Map<String, String> sets, Instant since) {
    List<Event> all = KubeCalls.call("list", EVENTS, w.namespace(), null,
        () -> kube().v1().events().inNamespace(w.namespace()).list().getItems());
    record Seen(Event event, Instant at) {}
    List<Seen> mine = new ArrayList<>();
    for (Event e : all) {
      ObjectReference o = e.getInvolvedObject();
      if (o == null || o.getName() == null) {
        continue;
      }
      boolean ours = ("Pod".equals(o.getKind()) && sameObject(o, pods.get(o.getName())))
          || ("ReplicaSet".equals(o.getKind()) && sameObject(o, sets.get(o.getName())))
          || ("Deployment".equals(o.getKind()) && w.deployment().equals(o.getName())
              && sameObject(o, deploymentUid));
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
            count(s.event()),
            rfc3339(s.at())))
        .toList();
  }

  /** The event's object is the one of that uid (null: no such name); a uid missing on either side matches. */
  private static boolean sameObject(ObjectReference o, String uid) {
    return uid != null && (uid.isEmpty() || o.getUid() == null || o.getUid().isEmpty() || uid.equals(o.getUid()));
  }

  /**
   * How often it happened. Events written through events.k8s.io/v1 (the scheduler's, the newer controllers') carry a
   * repeat as {@code series.count}, with no core/v1 {@code count}; older recorders the other way round.
   */
  private static int count(Event e) {
    if (e.getSeries() != null && e.getSeries().getCount() != null && e.getSeries().getCount() > 0) {
      return e.getSeries().getCount();
    }
    return e.getCount() == null || e.getCount() < 1 ? 1 : e.getCount();
  }

  /** When it last happened: a series' last observation, else {@code lastTimestamp}, {@code eventTime}, first. */
  private static Instant lastSeen(Event e) {
    if (e.getSeries() != null && e.getSeries().getLastObservedTime() != null) {
      Instant series = parseTime(e.getSeries().getLastObservedTime().getTime());
      if (series != null) {
        return series;
      }
    }
    Instant at = parseTime(e.getLastTimestamp());
    if (at == null && e.getEventTime() != null) {
      at = parseTime(e.getEventTime().getTime());
    }
    return at == null ? parseTime(e.getFirstTimestamp()) : at;
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
        annotations.get(Deployments.CHANGE_CAUSE),
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
  static Instant becameNewest(ReplicaSet rs) {
    Instant created = parseTime(rs.getMetadata().getCreationTimestamp());
    if (!nonNull(rs.getMetadata().getAnnotations()).containsKey(REVISION_HISTORY)
        || rs.getMetadata().getManagedFields() == null) {
      return created;
    }
    Instant last = rs.getMetadata().getManagedFields().stream()
        .filter(f -> CONTROLLER_MANAGER.equals(f.getManager()) && "Update".equals(f.getOperation())
            && (f.getSubresource() == null || f.getSubresource().isEmpty()))
        .map(f -> parseTime(f.getTime()))
        .filter(Objects::nonNull)
        .max(Comparator.naturalOrder())
        .orElse(null);
    return last == null || (created != null && last.isBefore(created)) ? created : last;
  }

  // ---- similar issues elsewhere ------------------------------------------------------------------------------

  /** Read-only, bounded: see {@link SimilarWorkloadScan}. Refuses an incident target without a Deployment. */
  @Override
  public SimilarIssues similarElsewhere(Target incidentTarget, RunbookPolicy policy, SameChange change) {
    if (change == null || change.window() == null) {
      throw invalid("the check for similar issues needs the incident's change and its window");
    }
    return SimilarWorkloadScan.run(targets.config(), deployments, incidentTarget, policy, change);
  }

  // ---- previous logs ------------------------------------------------------------------------------------------

  @Override
  public CrashLogs crashLogs(Target target, int maxContainers) {
    Managed w = deployments.workload(target);
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

  private String previousLog(Managed w, String pod, String container) {
    try {
      String text = kube().pods().inNamespace(w.namespace()).withName(pod).inContainer(container)
          .withReadyWaitTimeout(0)
          .terminated()
          .tailingLines(MAX_LOG_LINES)
          .getLog();
      return Deployments.bounded(text == null ? "" : text, MAX_LOG_BYTES);
    } catch (KubernetesClientException e) {
      // 404: the pod went away; 400: no previous container ("previous terminated container ... not found").
      if (e.getCode() == 404 || e.getCode() == 400) {
        return null;
      }
      if (KubeCalls.kubeletUnreachable(e)) {
        throw new LogsUnavailable("logs unavailable: the API server cannot reach pod " + pod + "'s kubelet (HTTP 500: "
            + cap(e.getStatus().getMessage()) + ")");
      }
      throw KubeCalls.failure(e, "get", POD_LOGS, w.namespace(), pod);
    }
  }

  // ---- pod owner ----------------------------------------------------------------------------------------------

  @Override
  public PodOwner resolvePod(Target target, String pod) {
    Managed w = deployments.workload(target);
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
    Managed w = deployments.workload(target);
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
      Deployment patched = deployments.patch(w, patch);
      long revisionAfter = revisionAfter(w, patched == null ? generation(d) + 1 : generation(patched));
      return new RollbackResult(true, true, badRevision, to, changes, null, revisionAfter);
    });
  }

  /**
   * The Deployment's revision once the controller observed {@code generation}: it renumbers the ReplicaSet a
   * rollback reuses, so the revision after is not the one whose template came back. 0 when not observed within
   * {@link #observeTimeout} (the rollout wait follows anyway).
   */
  private long revisionAfter(Managed w, long generation) {
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

  // ---- shared -------------------------------------------------------------------------------------------------

  private KubernetesClient kube() {
    return deployments.kube();
  }

  private Deployment deployment(Managed w) {
    return deployments.get(w);
  }

  private List<ReplicaSet> replicaSets(Managed w, Deployment d) {
    return deployments.replicaSets(w, d);
  }

  /** The pods owned by one of the Deployment's ReplicaSets. */
  private List<Pod> pods(Managed w, Deployment d, Set<String> sets) {
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
}
