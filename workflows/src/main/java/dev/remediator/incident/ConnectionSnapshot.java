package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The runbook's "Check Database Connection Status" and "Identify Connection Leaks" steps, taken as one snapshot of
 * {@code pg_stat_activity} for the target database. Remediator's own session is not counted.
 *
 * @param takenAt database time of the snapshot (RFC 3339)
 * @param totalConnections all backends connected to the target database
 * @param active backends in state {@code active}
 * @param idle backends in state {@code idle}
 * @param idleInTransaction backends in state {@code idle in transaction} (any age)
 * @param longestQuerySeconds the runbook's {@code longest_query_seconds}
 * @param maxConnections the server's {@code max_connections}
 * @param reservedConnections slots ordinary roles cannot use (superuser + reserved connections)
 * @param serverConnections client backends on the whole server, all databases
 * @param utilization {@code totalConnections / (maxConnections - reservedConnections)}, as the alert computes it
 * @param idleInTransactionSessions sessions idle in transaction longer than the policy's report threshold
 * @param longRunningQueries sessions whose current query runs longer than the policy's threshold
 * @param blocked sessions waiting on locks, with who blocks them
 * @param clients connections grouped by application name, client address and role
 * @param diagnosis root-cause hint computed from this snapshot
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
    Diagnosis diagnosis) {

  public String utilizationPercent() {
    return String.format(java.util.Locale.ROOT, "%.1f%%", utilization * 100);
  }
}
