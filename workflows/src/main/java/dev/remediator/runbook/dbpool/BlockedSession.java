package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A session waiting on a lock and the pids it waits for ({@code pg_blocking_pids}).
 *
 * @param waitingSeconds seconds since the waiting statement started ({@code query_start}): an upper bound of the wait
 * @param rootBlockers the ends of its blocking chains: sessions that block it, directly or through other waiting
 *     sessions, and wait on nobody themselves. Ending one of them releases the chain.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BlockedSession(
    SessionInfo blocked, List<Integer> blockedBy, double waitingSeconds, List<Integer> rootBlockers) {

  public BlockedSession(SessionInfo blocked, List<Integer> blockedBy, double waitingSeconds) {
    this(blocked, blockedBy, waitingSeconds, List.of());
  }
}
