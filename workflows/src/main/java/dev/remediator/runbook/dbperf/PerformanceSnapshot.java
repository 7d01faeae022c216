package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The runbook's diagnosis pass over the target database: read-only, on one connection, a few statements. Lists are
 * capped (the policy's limits) and sorted deterministically (longest wait / most time first, then pid or name).
 *
 * @param takenAt the database clock, RFC 3339 UTC
 * @param lockWaits sessions waiting on a lock longer than the policy's {@code lockWaitAfter}
 * @param blockers the blocking tree's nodes (every session some waiter waits on, directly or through a chain)
 * @param longRunning statements running (state active, or a transaction open) longer than the policy's
 *     {@code longRunningAfter}, excluding lock waiters (they are in {@code lockWaits})
 * @param statementsAvailable {@code pg_stat_statements} is installed in the target database and readable
 * @param statementsUnavailable why not (extension missing, not preloaded, no privilege); null when available
 * @param topByTotalTime top statements by total execution time; empty when unavailable
 * @param topByMeanTime top statements by mean execution time (with at least a few calls); empty when unavailable
 * @param tables tables with stale statistics or dead-tuple build-up, worst first
 * @param vacuums (auto)vacuums running now
 * @param activeSessions client backends on the target database, any state but idle
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PerformanceSnapshot(
    String takenAt,
    List<LockWait> lockWaits,
    List<Blocker> blockers,
    List<BackendSession> longRunning,
    boolean statementsAvailable,
    String statementsUnavailable,
    List<TopStatement> topByTotalTime,
    List<TopStatement> topByMeanTime,
    List<TableStats> tables,
    List<VacuumProgress> vacuums,
    int activeSessions) {

  /** The root blockers (they wait on nobody), most waiters first. */
  public List<Blocker> rootBlockers() {
    return blockers == null ? List.of() : blockers.stream().filter(Blocker::root).toList();
  }
}
