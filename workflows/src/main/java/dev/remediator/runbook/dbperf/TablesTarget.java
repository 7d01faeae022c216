package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.ActionTarget;
import java.util.List;

/**
 * The target of {@code ANALYZE_TABLES}: the tables ({@code schema.table}) whose statistics the diagnosis found stale.
 *
 * @param tables the tables; the field's name is the plan's JSON ({@code tables}) and never changes
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TablesTarget(List<String> tables) implements ActionTarget {
  @Override
  public String describe() {
    return "ANALYZE " + (tables == null ? "" : String.join(", ", tables));
  }
}
