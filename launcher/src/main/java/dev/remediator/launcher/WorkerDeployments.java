package dev.remediator.launcher;

import com.google.protobuf.Timestamp;
import dev.remediator.starter.IncidentListing;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.starter.TemporalDiagnostics;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.grpc.Status;
import io.temporal.api.deployment.v1.RoutingConfig;
import io.temporal.api.deployment.v1.WorkerDeploymentInfo.WorkerDeploymentVersionSummary;
import io.temporal.api.deployment.v1.WorkerDeploymentVersion;
import io.temporal.api.deployment.v1.WorkerDeploymentVersionInfo;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.enums.v1.VersionDrainageStatus;
import io.temporal.api.enums.v1.WorkerDeploymentVersionStatus;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkerDeploymentRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkerDeploymentVersionRequest;
import io.temporal.api.workflowservice.v1.SetWorkerDeploymentCurrentVersionRequest;
import io.temporal.api.workflowservice.v1.SetWorkerDeploymentRampingVersionRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The incidents' Worker Deployment as Temporal keeps it, and the two routing changes an operator makes: promote a
 * build (all new incidents, or a ramp of them) and roll back to the build that was current before. Thin wrappers over
 * the WorkflowService deployment calls ({@code DescribeWorkerDeployment}, {@code DescribeWorkerDeploymentVersion},
 * {@code SetWorkerDeploymentCurrentVersion}, {@code SetWorkerDeploymentRampingVersion}); each refuses, with the
 * reason, what would strand incidents: routing to a build no worker polls, a rollback with no previous build.
 */
public final class WorkerDeployments {
  /** A worker that polled longer ago than this is taken for gone (an idle one polls again within about a minute). */
  public static final Duration POLLER_GONE_AFTER = Duration.ofSeconds(70);

  private final IncidentStubs temporal;
  private final Duration deadline;

  public WorkerDeployments(IncidentStubs temporal, Duration deadline) {
    this.temporal = temporal;
    this.deadline = deadline;
  }

  private WorkflowServiceBlockingStub blocking() {
    return temporal.workflowClient().getWorkflowServiceStubs().blockingStub()
        .withDeadlineAfter(deadline.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private String namespace() {
    return temporal.workflowClient().getOptions().getNamespace();
  }

  /** A routing change refused, with the reason an operator reads. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** The deployment does not exist (no versioned worker ever polled it). */
  public static final class UnknownDeployment extends RuntimeException {
    public UnknownDeployment(String message) {
      super(message, null, false, false);
    }
  }

  /** Where a build stands in the deployment's routing. */
  public enum Role {
    CURRENT,
    RAMPING,
    DRAINING,
    DRAINED,
    INACTIVE
  }

  /**
   * One build of the deployment.
   *
   * @param openIncidents running incidents on this build (by {@code TemporalWorkerDeploymentVersion}); -1 unknown
   * @param pollers workers of this build that polled the incidents' task queue lately
   * @param drainage Temporal's drainage status (DRAINING, DRAINED) or null when the build never stopped being active
   * @param drainageCheckedAt when Temporal last counted its pinned incidents (drainage is refreshed periodically)
   * @param routedAwayAt when new incidents last stopped going to it (it stopped being current or ramping), null if
   *     they never went to it
   * @param canShutDown true when its workers may be stopped: not current or ramping and no open incident pinned to it
   */
  public record Version(
      String buildId,
      Role role,
      long openIncidents,
      int pollers,
      String drainage,
      Instant drainageCheckedAt,
      Instant createdAt,
      Instant routedAwayAt,
      boolean canShutDown,
      String shutDownReason) {}

  /** The deployment: its routing and every build, newest first. */
  public record Deployment(
      String name, String currentBuildId, String rampingBuildId, float rampPercentage, List<Version> versions) {}

  /** What a routing change did. */
  public record Change(String deployment, String action, String buildId, String previousBuildId,
      Float rampPercentage, long millis) {}

  /** The deployment with each build's role, open incidents, pollers and whether it can be shut down. */
  public Deployment describe(String deploymentName, String taskQueue) {
    io.temporal.api.workflowservice.v1.DescribeWorkerDeploymentResponse info;
    try {
      info = blocking().describeWorkerDeployment(DescribeWorkerDeploymentRequest.newBuilder()
          .setNamespace(namespace()).setDeploymentName(deploymentName).build());
    } catch (RuntimeException e) {
      if (TemporalDiagnostics.grpcStatus(e).filter(c -> c == Status.Code.NOT_FOUND).isPresent()) {
        throw new UnknownDeployment("no Worker Deployment " + deploymentName + " in namespace "
            + namespace() + ": no versioned worker has polled it yet (remediator worker --deployment-name "
            + deploymentName + "); unversioned workers are not part of one");
      }
      throw e;
    }
    return describe(info.getWorkerDeploymentInfo(), taskQueue);
  }

  private Deployment describe(io.temporal.api.deployment.v1.WorkerDeploymentInfo info, String taskQueue) {
    RoutingConfig routing = info.getRoutingConfig();
    String current = routing.hasCurrentDeploymentVersion() ? routing.getCurrentDeploymentVersion().getBuildId() : null;
    String ramping = routing.hasRampingDeploymentVersion() ? routing.getRampingDeploymentVersion().getBuildId() : null;
    List<Poller> pollers = pollers(taskQueue);
    List<Version> versions = new ArrayList<>();
    for (WorkerDeploymentVersionSummary s : info.getVersionSummariesList()) {
      String buildId = s.getDeploymentVersion().getBuildId();
      WorkerDeploymentVersionInfo v = versionInfo(info.getName(), buildId);
      Role role = buildId.equals(current) ? Role.CURRENT : buildId.equals(ramping) ? Role.RAMPING
          : role(s.getStatus());
      long open = openIncidents(info.getName(), buildId);
      int polling = (int) pollers.stream().filter(p -> buildId.equals(p.buildId())).count();
      String drainage = s.getDrainageStatus() == VersionDrainageStatus.VERSION_DRAINAGE_STATUS_UNSPECIFIED
          ? null : s.getDrainageStatus().name().replace("VERSION_DRAINAGE_STATUS_", "");
      Instant checked = v != null && v.hasDrainageInfo() && v.getDrainageInfo().hasLastCheckedTime()
          ? instant(v.getDrainageInfo().getLastCheckedTime()) : null;
      // Only a build that was current or ramping has drainage; when its routing last changed it stopped being so.
      Instant routedAway = drainage != null && v != null && v.hasRoutingChangedTime()
          ? instant(v.getRoutingChangedTime()) : null;
      String why;
      if (role == Role.CURRENT || role == Role.RAMPING) {
        why = "no: it is " + role.name().toLowerCase() + " (new incidents start on it)";
      } else if (open > 0) {
        why = "no: " + open + " open incident(s) pinned to it";
      } else if (open < 0) {
        why = "unknown: its open incidents cannot be counted";
      } else if (role == Role.INACTIVE) {
        why = "yes: never routed to, nothing pinned to it";
      } else {
        why = "yes: drained, no open incident pinned to it";
      }
      versions.add(new Version(buildId, role, open, polling, drainage, checked,
          s.hasCreateTime() ? instant(s.getCreateTime()) : null, routedAway, why.startsWith("yes"), why));
    }
    versions.sort(Comparator.comparing(Version::createdAt, Comparator.nullsLast(Comparator.reverseOrder())));
    return new Deployment(info.getName(), current, ramping, routing.getRampingVersionPercentage(), versions);
  }

  /**
   * Routes new incidents to {@code buildId}: all of them, or {@code rampPercent} of them (the rest stay on the current
   * build). Refused when no worker of that build polls the task queue now, or it is not a build of the deployment.
   */
  public Change promote(String deploymentName, String taskQueue, String buildId, Float rampPercent) {
    Deployment d = describe(deploymentName, taskQueue);
    Version target = d.versions().stream().filter(v -> v.buildId().equals(buildId)).findFirst()
        .orElseThrow(() -> new Refused("no worker of build " + buildId + " has ever polled deployment "
            + deploymentName + " (builds: " + builds(d) + "): start one with --deployment-name " + deploymentName
            + " --build-id " + buildId + ", then promote it"));
    if (target.pollers() == 0) {
      throw new Refused("no worker of build " + buildId + " polls task queue " + taskQueue + " now: new incidents"
          + " routed to it would wait for one; start its workers first");
    }
    if (rampPercent == null && buildId.equals(d.currentBuildId()) && d.rampingBuildId() == null) {
      throw new Refused("build " + buildId + " is already current in deployment " + deploymentName);
    }
    long t0 = System.nanoTime();
    if (rampPercent != null) {
      if (buildId.equals(d.currentBuildId())) {
        throw new Refused("build " + buildId + " is current: a ramp is for a build that is not current yet");
      }
      blocking().setWorkerDeploymentRampingVersion(SetWorkerDeploymentRampingVersionRequest
          .newBuilder().setNamespace(namespace()).setDeploymentName(deploymentName).setBuildId(buildId)
          .setPercentage(rampPercent).setIdentity(identity()).build());
      return new Change(deploymentName, "ramp", buildId, d.currentBuildId(), rampPercent, millisSince(t0));
    }
    var answer = blocking().setWorkerDeploymentCurrentVersion(
        SetWorkerDeploymentCurrentVersionRequest.newBuilder().setNamespace(namespace())
            .setDeploymentName(deploymentName).setBuildId(buildId).setIdentity(identity()).build());
    String previous = answer.hasPreviousDeploymentVersion()
        ? emptyToNull(answer.getPreviousDeploymentVersion().getBuildId()) : d.currentBuildId();
    return new Change(deploymentName, "promote", buildId, previous, null, millisSince(t0));
  }

  /**
   * Undoes the last routing change: a ramp in progress is stopped (new incidents all go to the current build again);
   * otherwise the build new incidents went to before the current one (the one most recently routed away from: it is
   * DRAINING or DRAINED) becomes current again. Incidents already pinned to
   * the build rolled back from stay on it and finish there. Refused with no previous build, or none of its workers
   * polling.
   */
  public Change rollback(String deploymentName, String taskQueue) {
    Deployment d = describe(deploymentName, taskQueue);
    long t0 = System.nanoTime();
    if (d.rampingBuildId() != null) {
      blocking().setWorkerDeploymentRampingVersion(SetWorkerDeploymentRampingVersionRequest
          .newBuilder().setNamespace(namespace()).setDeploymentName(deploymentName).setBuildId("")
          .setPercentage(0).setIdentity(identity()).build());
      return new Change(deploymentName, "ramp stopped", d.currentBuildId(), d.rampingBuildId(), 0f, millisSince(t0));
    }
    if (d.currentBuildId() == null) {
      throw new Refused("deployment " + deploymentName + " has no current build: nothing to roll back");
    }
    Optional<Version> previous = d.versions().stream()
        .filter(v -> !v.buildId().equals(d.currentBuildId()) && v.routedAwayAt() != null)
        .max(Comparator.comparing(Version::routedAwayAt));
    if (previous.isEmpty()) {
      throw new Refused("no previous build to roll back to: " + d.currentBuildId() + " is the first build of"
          + " deployment " + deploymentName + " that was ever current");
    }
    Version to = previous.get();
    if (to.pollers() == 0) {
      throw new Refused("the previous build " + to.buildId() + " has no worker polling task queue " + taskQueue
          + ": start its workers (--build-id " + to.buildId() + "), then roll back");
    }
    blocking().setWorkerDeploymentCurrentVersion(SetWorkerDeploymentCurrentVersionRequest
        .newBuilder().setNamespace(namespace()).setDeploymentName(deploymentName)
        .setBuildId(to.buildId()).setIdentity(identity()).build());
    return new Change(deploymentName, "rollback", to.buildId(), d.currentBuildId(), null, millisSince(t0));
  }

  /** The search-attribute value Temporal gives the incidents a build runs (pinned or not): {@code name:buildId}. */
  public static String versionValue(String deploymentName, String buildId) {
    return deploymentName + ":" + buildId;
  }

  /** Running incidents whose last workflow task ran on this build. -1 when the visibility store cannot count them. */
  long openIncidents(String deploymentName, String buildId) {
    try {
      return blocking().countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder()
          .setNamespace(namespace())
          .setQuery(IncidentListing.OPEN_INCIDENTS_QUERY + " AND TemporalWorkerDeploymentVersion=\""
              + versionValue(deploymentName, buildId) + "\"")
          .build()).getCount();
    } catch (RuntimeException e) {
      if (TemporalDiagnostics.grpcStatus(e).filter(c -> c == Status.Code.INVALID_ARGUMENT
          || c == Status.Code.UNIMPLEMENTED).isPresent()) {
        return -1;
      }
      throw e;
    }
  }

  private WorkerDeploymentVersionInfo versionInfo(String deploymentName, String buildId) {
    try {
      return blocking().describeWorkerDeploymentVersion(DescribeWorkerDeploymentVersionRequest
          .newBuilder().setNamespace(namespace())
          .setDeploymentVersion(WorkerDeploymentVersion.newBuilder().setDeploymentName(deploymentName)
              .setBuildId(buildId))
          .build()).getWorkerDeploymentVersionInfo();
    } catch (RuntimeException e) {
      if (TemporalDiagnostics.grpcStatus(e).filter(c -> c == Status.Code.NOT_FOUND).isPresent()) {
        return null; // deleted between the two calls
      }
      throw e;
    }
  }

  /** A poller of the task queue with the build it declared. */
  record Poller(String identity, String deployment, String buildId, Instant lastAccess) {}

  private List<Poller> pollers(String taskQueue) {
    var response = blocking().describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
        .setNamespace(namespace()).setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
        .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW).build());
    Instant gone = Instant.now().minus(POLLER_GONE_AFTER);
    List<Poller> pollers = new ArrayList<>();
    for (PollerInfo p : response.getPollersList()) {
      Instant last = p.hasLastAccessTime() ? instant(p.getLastAccessTime()) : null;
      if (p.hasDeploymentOptions() && (last == null || last.isAfter(gone))) {
        pollers.add(new Poller(p.getIdentity(), p.getDeploymentOptions().getDeploymentName(),
            p.getDeploymentOptions().getBuildId(), last));
      }
    }
    return pollers;
  }

  private static Role role(WorkerDeploymentVersionStatus status) {
    return switch (status) {
      case WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT -> Role.CURRENT;
      case WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING -> Role.RAMPING;
      case WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING -> Role.DRAINING;
      case WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED -> Role.DRAINED;
      default -> Role.INACTIVE;
    };
  }

  private static String builds(Deployment d) {
    return d.versions().isEmpty() ? "none" : String.join(", ", d.versions().stream().map(Version::buildId).toList());
  }

  private static String identity() {
    return "remediator versions@" + ProcessHandle.current().pid();
  }

  private static long millisSince(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** Null for an unset timestamp (the server writes the epoch). */
  private static Instant instant(Timestamp t) {
    return t.getSeconds() == 0 && t.getNanos() == 0 ? null : Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
