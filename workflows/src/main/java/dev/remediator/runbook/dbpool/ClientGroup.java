package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Connections of the target database grouped by client, so a leaking client stands out.
 *
 * @param idle connections of the group in state {@code idle}
 * @param oldestIdleInTransactionSeconds the longest any of its sessions has been idle in transaction (0 if none)
 * @param application the group's sessions belong to the target application (configured roles / application names)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClientGroup(
    String applicationName,
    String clientAddr,
    String usename,
    int total,
    int active,
    int idleInTransaction,
    int idle,
    double oldestIdleInTransactionSeconds,
    boolean application) {

  public ClientGroup(
      String applicationName, String clientAddr, String usename, int total, int active, int idleInTransaction) {
    this(applicationName, clientAddr, usename, total, active, idleInTransaction, 0, 0, false);
  }
}
