package dev.remediator.incident;

/**
 * What a planned action acts on, in its runbook's own types (e.g. the pool runbook's sessions to terminate). In
 * JSON its fields are the action's own ({@link PlannedAction}): the action's {@link ActionType} says which target
 * type reads them, as the runbook registers it ({@link RunbookFindings.Names#actionTargets}), so no class name is
 * written. A record with {@code @JsonIgnoreProperties(ignoreUnknown = true)} whose field names never change: plans
 * recorded in histories carry them.
 */
public interface ActionTarget {
  /** One line for timelines and approvers with the action's exact targets. */
  String describe();
}
