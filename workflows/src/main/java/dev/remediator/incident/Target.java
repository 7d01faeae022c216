package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A configured remediation target as the workflow sees it: names only, no connection details or secrets.
 * Activities resolve everything else from their own configuration by {@link #id()}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Target(String namespace, String service, String database) {

  /** Stable identity of the target, {@code namespace/service/database}. */
  public String id() {
    return namespace + "/" + service + "/" + database;
  }

  /** The one workflow ID for connection-pool incidents of this target: High and Critical land in the same one. */
  public String incidentId() {
    return dev.remediator.runbook.dbpool.DbPoolRunbook.DEFINITION.incidentId(this);
  }

  @Override
  public String toString() {
    return id();
  }
}
