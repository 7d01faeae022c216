package dev.remediator.config.loader;

import com.fasterxml.jackson.databind.JsonNode;
import dev.remediator.runbook.Runbook;
import dev.remediator.registry.Runbooks;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a target has what a runbook needs ({@link Runbook#requiredTargetKeys}: dotted configuration keys, {@code
 * "a or b"} for alternatives), read off the target as configured. Only the runbooks that need no database are asked
 * about a target without one.
 */
final class TargetRequirements {
  private TargetRequirements() {}

  /** Null when some runbook needing no database can act on the target; else what each one lacks. */
  static String unmet(JsonNode target) {
    List<String> lacking = new ArrayList<>();
    for (Runbook r : Runbooks.all()) {
      if (r.requiredTargetKeys().stream().anyMatch(k -> k.startsWith("postgres."))) {
        continue; // needs a database
      }
      List<String> missing = r.requiredTargetKeys().stream().filter(k -> !present(target, k)).toList();
      if (missing.isEmpty()) {
        return null;
      }
      lacking.add(r.name() + " needs " + String.join(", ", missing));
    }
    return lacking.isEmpty() ? "every runbook needs a database" : String.join("; ", lacking);
  }

  /** {@code key} (or one of its {@code or} alternatives) is set and not blank. */
  static boolean present(JsonNode target, String key) {
    for (String alternative : key.split(" or ")) {
      JsonNode n = target;
      for (String part : alternative.trim().split("\\.")) {
        n = n == null ? null : n.get(part);
      }
      if (n != null && !n.isNull() && !(n.isTextual() && n.asText().isBlank()) && !(n.isArray() && n.isEmpty())) {
        return true;
      }
    }
    return false;
  }
}
