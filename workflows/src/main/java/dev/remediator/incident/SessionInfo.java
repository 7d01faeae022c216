package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One backend from {@code pg_stat_activity}. {@code pid} + {@code backendStart} (+ {@code xactStart}) identify the
 * session: a pid alone can be reused by a new backend. {@code query} is normalised (literals replaced, length capped)
 * before it leaves the activity, because it goes into workflow history.
 *
 * @param stateSeconds seconds since {@code state_change}, as measured by the database clock
 * @param querySeconds seconds since {@code query_start}
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
    String query) {

  /** Two observations are of the same session only if pid, backend start and transaction start all agree. */
  public boolean sameSessionAs(SessionInfo other) {
    return other != null
        && pid == other.pid
        && java.util.Objects.equals(backendStart, other.backendStart)
        && java.util.Objects.equals(xactStart, other.xactStart);
  }
}
