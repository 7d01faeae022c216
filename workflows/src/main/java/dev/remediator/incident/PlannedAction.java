package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One action of a plan, with its reason and its exact targets. Plans are workflow state, query answers and
 * approvers' reading, all recorded in histories: the JSON is flat, the target's fields beside {@code type},
 * {@code mode} and {@code reason} (e.g. the pool runbook's {@code sessions}, {@code poolValues}), as plans have
 * always been written, and the action's type says which runbook type reads them.
 *
 * @param mode what the policy says: AUTO (no approval), APPROVE (needs the plan approved), DRY_RUN (record only)
 * @param target what the action acts on, in its runbook's types; null for an action without one (a restart)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PlannedAction(ActionType type, ActionMode mode, String reason, ActionTarget target) {
  private static final ObjectMapper JSON = JacksonJsonPayloadConverter.newDefaultObjectMapper();
  private static final List<String> OWN = List.of("type", "mode", "reason");

  /** One line for timelines and approvers, e.g. "terminate 25 sessions idle in transaction". */
  public String describe() {
    return target != null ? target.describe() : type.describe();
  }

  /** The target as its runbook's type; an action of another type (no such target) is an error. */
  public <T extends ActionTarget> T target(Class<T> type) {
    if (!type.isInstance(target)) {
      throw new IllegalStateException(this.type + " action has no " + type.getSimpleName() + " target");
    }
    return type.cast(target);
  }

  @JsonValue
  ObjectNode json() {
    ObjectNode node = JSON.createObjectNode();
    node.set("type", JSON.valueToTree(type));
    node.set("mode", JSON.valueToTree(mode));
    node.put("reason", reason);
    if (target != null) {
      node.setAll((ObjectNode) JSON.valueToTree(target));
    }
    return node;
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static PlannedAction read(ObjectNode node) {
    try {
      ActionType type = JSON.treeToValue(node.get("type"), ActionType.class);
      ActionMode mode = JSON.treeToValue(node.get("mode"), ActionMode.class);
      JsonNode reason = node.get("reason");
      ObjectNode fields = node.deepCopy();
      fields.remove(OWN);
      boolean any = false;
      for (JsonNode v : (Iterable<JsonNode>) fields::elements) {
        any |= !v.isNull();
      }
      Class<? extends ActionTarget> targetType = type == null ? null : FindingsNames.targetOf(type);
      ActionTarget target = targetType == null || !any ? null : JSON.treeToValue(fields, targetType);
      return new PlannedAction(type, mode, reason == null || reason.isNull() ? null : reason.asText(), target);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
