package dev.remediator.starter;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What Temporal says about itself and its workers, and what a failed call's gRPC status says. */
public final class TemporalDiagnostics {
  private final IncidentStubs temporal;

  public TemporalDiagnostics(IncidentStubs temporal) {
    this.temporal = temporal;
  }

  /** Is Temporal reachable? A cheap {@code GetSystemInfo} with a deadline. */
  public boolean temporalReachable(Duration deadline) {
    try {
      temporal.blocking(deadline).getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** A worker polling a task queue, as Temporal saw it lately. */
  public record Poller(String identity, Instant lastAccess) {}

  /** The workflow pollers Temporal has seen on {@code taskQueue} lately (a stopped worker stays listed a while). */
  public List<Poller> workflowPollers(String taskQueue, Duration deadline) {
    DescribeTaskQueueResponse response =
        temporal
            .blocking(deadline)
            .describeTaskQueue(
                DescribeTaskQueueRequest.newBuilder()
                    .setNamespace(temporal.namespace())
                    .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
                    .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
                    .build());
    List<Poller> pollers = new ArrayList<>();
    for (PollerInfo p : response.getPollersList()) {
      pollers.add(new Poller(p.getIdentity(), p.hasLastAccessTime()
          ? Instant.ofEpochSecond(p.getLastAccessTime().getSeconds(), p.getLastAccessTime().getNanos()) : null));
    }
    return pollers;
  }

  /** The workflow pollers of {@code taskQueue} as Temporal lists them (with their deployment options). */
  public List<PollerInfo> workflowPollerInfos(String taskQueue, Duration deadline) {
    return temporal.blocking(deadline).describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
        .setNamespace(temporal.namespace())
        .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
        .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
        .build()).getPollersList();
  }

  /** True when the cause chain holds a gRPC UNIMPLEMENTED (the server lacks the API). */
  public static boolean unimplemented(Throwable e) {
    return grpcStatus(e).map(c -> c == Status.Code.UNIMPLEMENTED).orElse(false);
  }

  /** The gRPC status code in the cause chain, if any. */
  public static Optional<Status.Code> grpcStatus(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return Optional.of(s.getStatus().getCode());
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }
}
