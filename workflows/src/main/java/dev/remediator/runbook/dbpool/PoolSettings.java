package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The application's pool env vars on its container (e.g. DATABASE_POOL_SIZE, DATABASE_MAX_OVERFLOW) and the
 * deployment's replicas: what capacity math and the pool increase start from.
 *
 * @param values the env vars named in config, in config order; a var absent from the container has value null
 * @param notConfigured null when read from the cluster; else why there is nothing to read (the target has no
 *     {@code kubernetes.deployment}: an expected absence, not a failure), and replicas and values are empty
 * @param notRestored from a restore only: null when every value was restored (or already held); else which values
 *     were left alone because someone changed them after Remediator set them, e.g. "left DATABASE_POOL_SIZE=9:
 *     changed by someone else since we set 8"
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PoolSettings(int replicas, List<EnvValue> values, String notConfigured, String notRestored) {

  public PoolSettings(int replicas, List<EnvValue> values) {
    this(replicas, values, null, null);
  }

  public PoolSettings(int replicas, List<EnvValue> values, String notConfigured) {
    this(replicas, values, notConfigured, null);
  }

  /** A target whose configuration names no Deployment: nothing to read, restart or resize. */
  public static PoolSettings notConfigured(String reason) {
    return new PoolSettings(0, List.of(), reason);
  }

  /** One env var of the container; {@code value} null means absent. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record EnvValue(String name, String value) {}
}
