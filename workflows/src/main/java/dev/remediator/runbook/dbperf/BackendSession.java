package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Objects;

/**
 * One backend from {@code pg_stat_activity}, as the Database Performance runbook sees it. {@code pid} +
 * {@code backendStart} + {@code xactStart} identify the session and its transaction (a pid alone can be reused by
 * a new backend; the locks a blocker holds belong to its transaction). {@code query} is normalised (literals
 * replaced, comments dropped, length capped) before it leaves the activity: it goes into workflow history.
 *
 * @param backendStart {@code backend_start} in UTC, RFC 3339 with microseconds
 * @param xactStart {@code xact_start} in the same format; null outside a transaction
 * @param queryStart {@code query_start} in the same format; null when the backend never ran a statement
 * @param state {@code state}: active, idle in transaction, …
 * @param waitEventType {@code wait_event_type} (Lock for a lock wait); null when not waiting
 * @param waitEvent {@code wait_event}; null when not waiting
 * @param xactSeconds seconds since {@code xact_start} by the database clock; 0 outside a transaction
 * @param querySeconds seconds since {@code query_start}
 * @param excluded never acted on: Remediator's own session, a monitoring agent, a superuser (unless configured), a
 *     non-client backend, or another database than the target's
 * @param whyExcluded the first such rule, for the record; null when not excluded
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackendSession(
    int pid,
    String usename,
    String applicationName,
    String clientAddr,
    String state,
    String backendStart,
    String xactStart,
    String queryStart,
    String waitEventType,
    String waitEvent,
    double xactSeconds,
    double querySeconds,
    String query,
    boolean excluded,
    String whyExcluded) {

  /** Two observations are of the same session and transaction only if pid, backend start and xact start agree. */
  public boolean sameTransactionAs(BackendSession other) {
    return other != null
        && pid == other.pid
        && Objects.equals(backendStart, other.backendStart)
        && Objects.equals(xactStart, other.xactStart);
  }
}
