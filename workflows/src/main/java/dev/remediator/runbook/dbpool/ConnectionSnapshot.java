package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The runbook's "Check Database Connection Status", "Identify Connection Leaks" and "Check for Blocking Queries"
 * steps, taken as one snapshot of {@code pg_stat_activity} (one statement, one round trip). Only client backends
 * count (not autovacuum, WAL senders, background workers); Remediator's own session is not counted.
 *
 * @param takenAt database time of the snapshot (RFC 3339)
 * @param totalConnections all backends connected to the target database
 * @param active backends in state {@code active}
 * @param idle backends in state {@code idle}
 * @param idleInTransaction backends in state {@code idle in transaction} (any age)
 * @param longestQuerySeconds the runbook's {@code longest_query_seconds} (idle sessions, whose query has finished,
 *     do not count)
 * @param maxConnections the server's {@code max_connections}
 * @param reservedConnections slots ordinary roles cannot use ({@code superuser_reserved_connections} +
 *     {@code reserved_connections})
 * @param serverConnections client backends on the whole server, all databases
 * @param utilization {@code totalConnections / (maxConnections - reservedConnections)}, as the alert computes it
 * @param idleInTransactionSessions sessions idle in transaction longer than the lower of the policy's report and
 *     terminate thresholds, oldest first, the terminable ones first
 * @param longRunningQueries active sessions whose current query runs longer than the policy's threshold
 * @param blocked sessions waiting on locks, with who blocks them
 * @param clients connections grouped by application name, client address and role, largest first
 * @param diagnosis root-cause hint computed from this snapshot
 * @param blockingSessions sessions other sessions wait on (the blockers named in {@code blocked})
 * @param applicationConnections connections to the target database that belong to the target application
 *     (configured roles / application names; 0 when neither is configured)
 * @param otherConnections {@code serverConnections - applicationConnections}: every other client's usage of the
 *     server's slots, what capacity math must leave room for
 * @param terminableSessions how many sessions are {@link SessionInfo#terminable()} (also those not listed)
 * @param omittedSessions sessions that matched a list but were left out by the per-list cap
 * @param serverVersion the server's {@code server_version}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConnectionSnapshot(
    String takenAt,
    int totalConnections,
    int active,
    int idle,
    int idleInTransaction,
    double longestQuerySeconds,
    int maxConnections,
    int reservedConnections,
    int serverConnections,
    double utilization,
    List<SessionInfo> idleInTransactionSessions,
    List<SessionInfo> longRunningQueries,
    List<BlockedSession> blocked,
    List<ClientGroup> clients,
    PoolDiagnosis diagnosis,
    List<SessionInfo> blockingSessions,
    int applicationConnections,
    int otherConnections,
    int terminableSessions,
    int omittedSessions,
    String serverVersion) {

  /** This snapshot with {@code diagnosis} in place of its own. */
  public ConnectionSnapshot withDiagnosis(PoolDiagnosis diagnosis) {
    return new ConnectionSnapshot(takenAt, totalConnections, active, idle, idleInTransaction, longestQuerySeconds,
        maxConnections, reservedConnections, serverConnections, utilization, idleInTransactionSessions,
        longRunningQueries, blocked, clients, diagnosis, blockingSessions, applicationConnections, otherConnections,
        terminableSessions, omittedSessions, serverVersion);
  }

  public String utilizationPercent() {
    return String.format(java.util.Locale.ROOT, "%.1f%%", utilization * 100);
  }

  /** Slots ordinary (non-superuser) roles can use: {@code maxConnections - reservedConnections}. */
  public int usableConnections() {
    return maxConnections - reservedConnections;
  }

  /** The sessions a termination plan may list: the terminable ones among {@link #idleInTransactionSessions()}. */
  public List<SessionInfo> terminableIdleInTransaction() {
    return idleInTransactionSessions.stream().filter(SessionInfo::terminable).toList();
  }
}
