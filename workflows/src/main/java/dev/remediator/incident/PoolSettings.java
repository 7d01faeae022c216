package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The application's pool env vars on its container (e.g. DATABASE_POOL_SIZE, DATABASE_MAX_OVERFLOW) and the
 * deployment's replicas: what capacity math and the pool increase start from.
 *
 * @param values the env vars named in config, in config order; a var absent from the container has value null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PoolSettings(int replicas, List<EnvValue> values) {

  /** One env var of the container; {@code value} null means absent. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record EnvValue(String name, String value) {}
}
