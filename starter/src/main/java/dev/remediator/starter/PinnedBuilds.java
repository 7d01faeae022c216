package dev.remediator.starter;

import io.temporal.api.common.v1.Payload;
import io.temporal.api.deployment.v1.WorkerDeploymentVersion;
import io.temporal.api.enums.v1.VersioningBehavior;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionVersioningInfo;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Which incidents wait for their build: an incident pinned by Worker Versioning to a build none of whose workers
 * polls its task queue lately waits for that build (its tasks go to no other build), while workers of other builds
 * poll. Nothing waits while no worker at all polls (Temporal just restarted: the workers reconnect). One
 * {@code DescribeTaskQueue} of a task queue answers for every incident on it: {@code show} asks it for one incident,
 * {@code incidents} once per task queue for all of them.
 */
public final class PinnedBuilds {
  /** A stopped worker's long polls stay listed for minutes; an idle live worker polls again within about a minute. */
  public static final Duration POLLER_GONE_AFTER = Duration.ofSeconds(70);

  private final List<PollerInfo> recent;

  private PinnedBuilds(List<PollerInfo> pollers, Instant now) {
    Instant gone = now.minus(POLLER_GONE_AFTER);
    this.recent = pollers.stream()
        .filter(p -> !p.hasLastAccessTime() || Instant.ofEpochSecond(p.getLastAccessTime().getSeconds(),
            p.getLastAccessTime().getNanos()).isAfter(gone))
        .toList();
  }

  /** The workflow pollers of {@code taskQueue}, as Temporal lists them now (one {@code DescribeTaskQueue}). */
  public static PinnedBuilds ofTaskQueue(IncidentStubs temporal, String taskQueue, Duration deadline) {
    return new PinnedBuilds(new TemporalDiagnostics(temporal).workflowPollerInfos(taskQueue, deadline),
        Instant.now());
  }

  /**
   * A listed workflow's versioning: the list's versioning info where the server fills it in, else (what
   * {@code temporal server start-dev} 1.32 lists) Temporal's own search attributes {@code TemporalWorkerDeployment},
   * {@code TemporalWorkerDeploymentVersion} ("deployment:build") and {@code TemporalWorkflowVersioningBehavior}
   * ("Pinned", "AutoUpgrade"). Empty when unversioned.
   */
  public static WorkflowExecutionVersioningInfo versioning(WorkflowExecutionInfo info) {
    if (info.hasVersioningInfo()) {
      return info.getVersioningInfo();
    }
    var fields = info.getSearchAttributes().getIndexedFieldsMap();
    String deployment = keyword(fields.get("TemporalWorkerDeployment"));
    String version = keyword(fields.get("TemporalWorkerDeploymentVersion"));
    if (deployment == null || version == null || !version.startsWith(deployment + ":")) {
      return WorkflowExecutionVersioningInfo.getDefaultInstance();
    }
    String behavior = keyword(fields.get("TemporalWorkflowVersioningBehavior"));
    return WorkflowExecutionVersioningInfo.newBuilder()
        .setDeploymentVersion(WorkerDeploymentVersion.newBuilder().setDeploymentName(deployment)
            .setBuildId(version.substring(deployment.length() + 1)))
        .setBehavior("Pinned".equals(behavior) ? VersioningBehavior.VERSIONING_BEHAVIOR_PINNED
            : "AutoUpgrade".equals(behavior) ? VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE
            : VersioningBehavior.VERSIONING_BEHAVIOR_UNSPECIFIED)
        .build();
  }

  private static String keyword(Payload p) {
    if (p == null) {
      return null;
    }
    try {
      String s = DefaultDataConverter.STANDARD_INSTANCE.fromPayload(p, String.class, String.class);
      return s == null || s.isEmpty() ? null : s;
    } catch (RuntimeException e) {
      return null; // not a keyword: not what this reads
    }
  }

  /** The build a workflow runs on (its pinned one, or where it ran last), null when unversioned or not yet run. */
  public static String build(WorkflowExecutionVersioningInfo v) {
    String build = v.getDeploymentVersion().getBuildId();
    return build.isEmpty() ? null : build;
  }

  /** True when the workflow is pinned to a build (not auto-upgrading, not unversioned). */
  public static boolean pinned(WorkflowExecutionVersioningInfo v) {
    return v.getBehavior() == VersioningBehavior.VERSIONING_BEHAVIOR_PINNED && build(v) != null;
  }

  /**
   * The build an open incident waits for: it is {@link #pinned} and no recent poller declares that build of its
   * deployment while some worker polls the task queue; null otherwise.
   */
  public String waitingFor(WorkflowExecutionVersioningInfo v) {
    if (!pinned(v) || recent.isEmpty()) {
      return null;
    }
    String deployment = v.getDeploymentVersion().getDeploymentName();
    String build = build(v);
    boolean polled = recent.stream().anyMatch(p -> p.getDeploymentOptions().getDeploymentName().equals(deployment)
        && p.getDeploymentOptions().getBuildId().equals(build));
    return polled ? null : build;
  }
}
