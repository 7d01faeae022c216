package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One backend from {@code pg_stat_activity}. {@code pid} + {@code backendStart} (+ {@code xactStart}) identify the
 * session: a pid alone can be reused by a new backend. {@code query} is normalised (literals replaced, comments
 * dropped, length capped) before it leaves the activity, because it goes into workflow history.
 *
 * @param backendStart {@code backend_start} in UTC, RFC 3339 with microseconds (independent of any session time zone)
 * @param xactStart {@code xact_start} in the same format; null outside a transaction
 * @param stateSeconds seconds since {@code state_change}, as measured by the database clock
 * @param querySeconds seconds since {@code query_start}
 * @param application the session belongs to the target application (its configured roles and/or application names)
 * @param terminable at snapshot time every termination rule held: the application's, on the target database, not
 *     excluded (own session, monitoring agents, superusers, non-client backends), idle in transaction for at least
 *     {@code idleInTransactionTerminateAfter}. Plans list only terminable sessions; termination re-checks it all.
 * @param whyNotTerminable the first rule that fails, for the record; null when {@code terminable}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SessionInfo(
    int pid,
    String usename,
    String applicationName,
    String clientAddr,
    String state,
    String backendStart,
    String xactStart,
    double stateSeconds,
    double querySeconds,
    String query,
    boolean application,
    boolean terminable,
    String whyNotTerminable) {

  /** Two observations are of the same session only if pid, backend start and transaction start all agree. */
  public boolean sameSessionAs(SessionInfo other) {
    return other != null
        && pid == other.pid
        && java.util.Objects.equals(backendStart, other.backendStart)
        && java.util.Objects.equals(xactStart, other.xactStart);
  }
}
