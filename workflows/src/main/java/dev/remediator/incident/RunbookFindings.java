package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.annotation.JsonTypeIdResolver;
import java.util.Map;

/**
 * A runbook's own findings, kept in {@link IncidentState#findings} and carried across continue-as-new with the rest
 * of the state. The JSON names the findings by a logical name its runbook registers, never by Java class, so a
 * class can move or be renamed without breaking a running incident: each runbook registers its names with a
 * {@link Names} provider (a {@code java.util.ServiceLoader} service, so this package names no runbook). The property
 * keeps the name {@code @class} that histories recorded before carry, with a class name as the value; a provider
 * lists those former ids too. Implementations are mutable classes or records of JSON-friendly fields with
 * {@code @JsonIgnoreProperties(ignoreUnknown = true)}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.CUSTOM, include = JsonTypeInfo.As.PROPERTY, property = "@class")
@JsonTypeIdResolver(FindingsNames.class)
public interface RunbookFindings {

  /**
   * A runbook's findings types by logical name; listed in
   * {@code META-INF/services/dev.remediator.incident.RunbookFindings$Names}.
   */
  interface Names {
    /**
     * The runbook's findings and {@link RunbookSection} types by the name their JSON carries; a name is never reused
     * for another type of the same base.
     */
    Map<String, Class<?>> byName();

    /**
     * For a {@link RunbookSection} whose fields a payload of an earlier layout carried at its own top level: its
     * name and the fields that identify such a payload (any one present). Empty, the default: none.
     */
    default Map<String, java.util.List<String>> earlierSections() {
      return Map.of();
    }

    /**
     * The target type of each of the runbook's action types ({@link PlannedAction#target}); an action type is the
     * target's logical name. Empty, the default: its actions have none.
     */
    default Map<ActionType, Class<? extends ActionTarget>> actionTargets() {
      return Map.of();
    }

    /** Ids recorded before (Java class names of earlier layouts) and the type each reads as now. */
    default Map<String, Class<?>> formerIds() {
      return Map.of();
    }
  }
}
