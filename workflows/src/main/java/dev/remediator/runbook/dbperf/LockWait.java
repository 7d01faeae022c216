package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A session waiting on a lock ({@code wait_event_type = 'Lock'}) and who blocks it.
 *
 * @param waiter the waiting session
 * @param blockedBy its direct blockers' pids ({@code pg_blocking_pids}), in pid order
 * @param rootBlockers the ends of its blocking chains: sessions that block it directly or through other waiting
 *     sessions and wait on nobody themselves, in pid order. Ending one releases the chain.
 * @param waitingSeconds seconds since the waiting statement started ({@code query_start}): an upper bound of the wait
 * @param lockType the awaited lock's {@code locktype} (relation, transactionid, tuple, …); null if unknown
 * @param mode the awaited lock's mode (e.g. AccessExclusiveLock); null if unknown
 * @param relation the awaited relation as {@code schema.table} when the lock is on one; null otherwise
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LockWait(
    BackendSession waiter,
    List<Integer> blockedBy,
    List<Integer> rootBlockers,
    double waitingSeconds,
    String lockType,
    String mode,
    String relation) {}
