package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.ActionTarget;
import java.util.List;

/**
 * The target of {@code POOL_INCREASE}: the pool's environment values to set.
 *
 * @param poolValues the values; the field's name is the plan's JSON ({@code poolValues}) and never changes
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PoolIncreaseTarget(List<PoolSettings.EnvValue> poolValues) implements ActionTarget {
  @Override
  public String describe() {
    return "temporary pool increase to " + String.join(", ",
        (poolValues == null ? List.<PoolSettings.EnvValue>of() : poolValues).stream()
            .map(v -> v.name() + "=" + v.value()).toList());
  }
}
