package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A configured remediation target as the workflow sees it: names only, no connection details or secrets.
 * Activities resolve everything else from their own configuration by {@link #id()}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Target(String namespace, String service, String database) {

  /** Stable identity of the target, {@code namespace/service/database} ({@code namespace/service} without one). */
  public String id() {
    return database == null ? namespace + "/" + service : namespace + "/" + service + "/" + database;
  }

  @Override
  public String toString() {
    return id();
  }
}
