package dev.remediator.temporal;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.temporal.serviceclient.WorkflowServiceStubs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per change of Temporal's reachability, read from the state of the gRPC channel of a service (READY:
 * reachable; TRANSIENT_FAILURE: unreachable; connecting and idle change nothing), not a line per failed call: the
 * worker's pollers and the receiver retry on their own, and the per-call failures they would log while Temporal is
 * down are left out of the log (the launcher's {@code TemporalUnavailableFilter}). The channel says when its state
 * changes; nothing polls, and the watch ends with the channel.
 */
public final class TemporalReachability {
  private static final Logger log = LoggerFactory.getLogger(TemporalReachability.class);

  private final ManagedChannel channel;
  private final String target;
  private final String who;
  /** null until the first READY or TRANSIENT_FAILURE. */
  private Boolean reachable;

  private TemporalReachability(ManagedChannel channel, String target, String who) {
    this.channel = channel;
    this.target = target;
    this.who = who;
  }

  /** Logs each change of reachability of {@code service} for {@code who} ("the worker", "the receiver", ...). */
  public static void logChanges(WorkflowServiceStubs service, String who) {
    String target = service.getOptions().getTarget();
    new TemporalReachability(service.getRawChannel(), target == null ? "Temporal" : target, who)
        .observe();
  }

  private void observe() {
    ConnectivityState now = channel.getState(false);
    if (now == ConnectivityState.SHUTDOWN) {
      return;
    }
    synchronized (this) {
      if (JvmShutdown.inProgress()) { // the process stops, its server perhaps first: nothing to report
        return;
      }
      if (now == ConnectivityState.READY && !Boolean.TRUE.equals(reachable)) {
        if (reachable != null) {
          log.info("Temporal at {} is reachable again ({})", target, who);
        }
        reachable = true;
      } else if (now == ConnectivityState.TRANSIENT_FAILURE && !Boolean.FALSE.equals(reachable)) {
        log.warn("Temporal at {} is unreachable ({}: retrying until it is back)", target, who);
        reachable = false;
      }
    }
    channel.notifyWhenStateChanged(now, this::observe);
  }
}
