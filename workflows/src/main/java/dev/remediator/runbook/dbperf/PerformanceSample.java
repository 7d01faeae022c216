package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One cheap reading of the target database while watching and verifying (one statement).
 *
 * @param takenAt the database clock, RFC 3339 UTC
 * @param lockWaits sessions waiting on a lock longer than the policy's {@code lockWaitAfter}
 * @param longestLockWaitSeconds the longest current lock wait (0 when none)
 * @param longRunning statements/transactions running longer than the policy's {@code longRunningAfter}
 *     (lock waiters excluded)
 * @param longestStatementSeconds the longest running statement among client backends (0 when none)
 * @param activeSessions client backends on the target database, any state but idle
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PerformanceSample(
    String takenAt,
    int lockWaits,
    double longestLockWaitSeconds,
    int longRunning,
    double longestStatementSeconds,
    int activeSessions) {}
