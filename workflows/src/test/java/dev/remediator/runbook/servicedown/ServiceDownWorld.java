package dev.remediator.runbook.servicedown;

import dev.remediator.incident.LogSummary;
import dev.remediator.incident.Notification;
import dev.remediator.incident.NotificationActivities;
import dev.remediator.incident.NotificationResult;
import dev.remediator.incident.ProbeResult;
import dev.remediator.incident.RestartResult;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.incident.ServiceHealth;
import dev.remediator.incident.Target;
import dev.remediator.runbook.KubernetesActivities;
import dev.remediator.runbook.ProbeActivities;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted Deployment for the Service Down workflow tests: it fails the way a scenario says (a bad rollout, a
 * crash loop, out of memory, an image that cannot be pulled, pods that cannot be scheduled, a database that is
 * down) and reacts to a rollback or a restart the way the scenario says (recovers, or keeps crashing). The
 * activities' real behaviour against an API server is WorkloadActivitiesImplTest's; here only the workflow's
 * decisions are under test.
 */
final class ServiceDownWorld implements WorkloadActivities, IncidentLookupActivities, KubernetesActivities,
    ProbeActivities, NotificationActivities {

  enum Scenario { BAD_ROLLOUT, CRASH_LOOP, OUT_OF_MEMORY, IMAGE_PULL, UNSCHEDULABLE, DATABASE_DOWN, HEALTHY }

  final Scenario scenario;
  /** Whether the fix (rollback or restart) brings the Deployment back. */
  boolean fixHelps = true;
  /** The pool incident of the same target is open. */
  volatile boolean poolIncidentOpen;
  /** A rollback request is refused with this reason (e.g. a rollout in progress). */
  String refuseRollback;
  /** The Deployment that owns any pod an alert names. */
  String podOwner = "auth-service";
  /** The bad rollout's pods are still being created (Pending, no crash yet), as when the alert fires early. */
  volatile boolean podsStarting;
  /** Age of the newest revision. */
  long newestAgeSeconds = 600;

  volatile boolean fixed;
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<Notification> notifications = new CopyOnWriteArrayList<>();
  final List<String> rollbackRequests = new CopyOnWriteArrayList<>();

  ServiceDownWorld(Scenario scenario) {
    this.scenario = scenario;
  }

  private boolean healthy() {
    return scenario == Scenario.HEALTHY || fixed;
  }

  /** What the check for similar issues was asked to look for, each call. */
  final List<SameChange> similarChecks = new CopyOnWriteArrayList<>();
  /** The other Deployments' findings the check answers with (none configured: empty). */
  volatile List<dev.remediator.incident.SimilarIssues.Elsewhere> elsewhere = List.of();

  @Override
  public dev.remediator.incident.SimilarIssues similarElsewhere(
      Target incidentTarget, dev.remediator.incident.RunbookPolicy policy, SameChange change) {
    similarChecks.add(change);
    return new dev.remediator.incident.SimilarIssues(change.describe(), elsewhere, 30, null);
  }

  @Override
  public synchronized WorkloadStatus inspect(Target target, Duration eventsSince, int historyLimit) {
    calls.add("inspect");
    Workloads w = fixed && scenario == Scenario.BAD_ROLLOUT ? afterRollback() : Workloads.twoRevisions(newestAgeSeconds);
    if (scenario == Scenario.CRASH_LOOP) {
      w = Workloads.twoRevisions(3 * 24 * 3600);
    }
    if (!healthy() && podsStarting) {
      // Every old pod is gone (a release with maxUnavailable 100 %), the new ones are still being created.
      return w.waiting("auth-service-7d9f8c6b5-a", 2, "ContainerCreating")
          .waiting("auth-service-7d9f8c6b5-b", 2, "ContainerCreating")
          .waiting("auth-service-7d9f8c6b5-c", 2, "ContainerCreating").build();
    }
    if (healthy()) {
      w.healthy("auth-service-a", w.currentRevision).healthy("auth-service-b", w.currentRevision)
          .healthy("auth-service-c", w.currentRevision);
    } else {
      switch (scenario) {
        case BAD_ROLLOUT, DATABASE_DOWN -> w.crashing("auth-service-7d9f8c6b5-a", 2, "Error", 1)
            .crashing("auth-service-7d9f8c6b5-b", 2, "Error", 1).healthy("auth-service-5d8f7b9c4-c", 1);
        case CRASH_LOOP -> w.crashing("auth-service-7d9f8c6b5-a", 2, "Error", 1)
            .crashing("auth-service-7d9f8c6b5-b", 2, "Error", 1).crashing("auth-service-7d9f8c6b5-c", 2, "Error", 1);
        case OUT_OF_MEMORY -> w.crashing("auth-service-7d9f8c6b5-a", 2, "OOMKilled", 137)
            .healthy("auth-service-5d8f7b9c4-c", 1);
        case IMAGE_PULL -> w.waiting("auth-service-7d9f8c6b5-a", 2, "ImagePullBackOff")
            .healthy("auth-service-5d8f7b9c4-c", 1);
        case UNSCHEDULABLE -> {
          w.ready = 1;
          w.pod("auth-service-7d9f8c6b5-a", 2, "Pending",
                  new WorkloadStatus.ContainerState("auth-service", false, 0, null, null, null, null))
              .event("FailedScheduling", "Pod/auth-service-7d9f8c6b5-a", "0/3 nodes are available: 3 Insufficient"
                  + " memory.")
              .healthy("auth-service-5d8f7b9c4-c", 1);
        }
        default -> {}
      }
    }
    List<WorkloadStatus.Revision> history = new ArrayList<>(w.history);
    w.history.clear();
    w.history.addAll(history.subList(0, Math.min(historyLimit, history.size())));
    return w.build();
  }

  /** The controller after a rollback: revision 1's template is revision 3 now, healthy. */
  private static Workloads afterRollback() {
    Workloads w = new Workloads();
    w.currentRevision = 3;
    w.history.add(new WorkloadStatus.Revision(3, "auth-service-5d8f7b9c4", "2026-11-26T20:00:00Z", 30, null,
        List.of(Workloads.GOOD), 3, 3, List.of("image auth-service: " + Workloads.BAD + " -> " + Workloads.GOOD)));
    w.history.add(new WorkloadStatus.Revision(2, "auth-service-7d9f8c6b5", "2026-11-29T20:00:00Z", 700, null,
        List.of(Workloads.BAD), 0, 0, List.of("image auth-service: " + Workloads.GOOD + " -> " + Workloads.BAD)));
    return w;
  }

  @Override
  public CrashLogs crashLogs(Target target, int maxContainers) {
    calls.add("crashLogs");
    return switch (scenario) {
      case DATABASE_DOWN -> new CrashLogs(2, 40, Map.of(CrashLogs.DATABASE, 6, CrashLogs.CRASH, 2),
          List.of("auth-service-7d9f8c6b5-a/auth-service: FATAL could not connect to server: Connection refused"));
      case OUT_OF_MEMORY -> new CrashLogs(1, 20, Map.of(CrashLogs.OUT_OF_MEMORY, 1),
          List.of("auth-service-7d9f8c6b5-a/auth-service: java.lang.OutOfMemoryError: Java heap space"));
      default -> new CrashLogs(2, 40, Map.of(CrashLogs.CRASH, 2),
          List.of("auth-service-7d9f8c6b5-a/auth-service: Exception in thread \"main\" java.lang.NullPointerException"));
    };
  }

  @Override
  public PodOwner resolvePod(Target target, String pod) {
    calls.add("resolvePod " + pod);
    boolean ours = "auth-service".equals(podOwner);
    return new PodOwner(pod, podOwner + "-7d9f8c6b5", podOwner, ours,
        ours ? null : "pod " + pod + " belongs to deployment " + podOwner + ", not to the target's auth-service");
  }

  @Override
  public synchronized RollbackResult rollback(Target target, long badRevision, String requestId) {
    calls.add("rollback " + badRevision);
    rollbackRequests.add(requestId);
    if (refuseRollback != null) {
      return new RollbackResult(false, false, badRevision, 0, List.of(), refuseRollback);
    }
    fixed = fixHelps;
    // The controller reuses revision 1's ReplicaSet and renumbers it: the Deployment is at revision 3 afterwards.
    return new RollbackResult(true, true, badRevision, 1,
        List.of("image auth-service: " + Workloads.BAD + " -> " + Workloads.GOOD), null, badRevision + 1);
  }

  @Override
  public RelatedIncident relatedIncident(String incidentId) {
    calls.add("relatedIncident " + incidentId);
    return new RelatedIncident(incidentId, poolIncidentOpen, poolIncidentOpen ? "RUNNING" : "NOT_FOUND");
  }

  @Override
  public synchronized RestartResult rollingRestart(Target target, String requestId, Duration cooldown) {
    calls.add("rollingRestart");
    fixed = fixHelps;
    return new RestartResult(true, "2026-11-29T20:30:00Z", null);
  }

  @Override
  public RolloutStatus awaitRollout(Target target, Duration timeout) {
    calls.add("awaitRollout");
    return fixed
        ? new RolloutStatus(true, false, 3, 3, 3, "deployment \"auth-service\" successfully rolled out")
        : new RolloutStatus(false, true, 3, 3, 0, "deployment \"auth-service\" exceeded its progress deadline");
  }

  @Override
  public ServiceHealth probe(Target target) {
    boolean ok = healthy() || scenario == Scenario.UNSCHEDULABLE;
    return new ServiceHealth(new ProbeResult("http://auth-service/health", ok, ok ? 200 : 503, 3, null),
        new ProbeResult("http://auth-service/ready", ok, ok ? 200 : 503, 3, null));
  }

  @Override
  public NotificationResult send(Notification notification) {
    notifications.add(notification);
    return new NotificationResult(notification.channels().stream()
        .map(c -> new NotificationResult.Delivery(c, true, 200, null)).toList());
  }

  // Not used by this runbook.

  @Override
  public LogSummary errorLogs(Target target, Duration since) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<RolloutRevision> recentChanges(Target target, int limit) {
    throw new UnsupportedOperationException();
  }
}
