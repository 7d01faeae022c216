package dev.remediator.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remediator.incident.RunbookPolicy;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A runbook's own policy keys: configured under {@code policy.runbooks.<runbook name>} (defaults and per target),
 * carried in the workflow input as {@link RunbookPolicy#runbooks()}, read back by the runbook with {@link #read}.
 * The configuration loader merges, binds and checks every registered runbook's section; it names no key of one.
 *
 * @param type the runbook's policy record (a payload: {@code @JsonIgnoreProperties(ignoreUnknown = true)})
 * @param defaults the runbook's own numbers
 * @param aliases keys the runbook once had directly under {@code policy}; still accepted there
 * @param check the runbook's own validation of a merged section: problems by key, empty when fine
 * @param <P> the policy record
 */
public record PolicySection<P>(
    Class<P> type, P defaults, List<String> aliases, Function<P, List<Problem>> check) {

  /** Workflow payloads' own JSON form (as Temporal's default converter writes them); pure, deterministic. */
  private static final ObjectMapper PAYLOAD = JacksonJsonPayloadConverter.newDefaultObjectMapper();

  /** One problem of a section: the key (in the section) and what is wrong with it. */
  public record Problem(String key, String message) {}

  public PolicySection {
    aliases = List.copyOf(aliases);
  }

  /**
   * This runbook's section of a workflow input's policy: its own section, else its {@link #aliases} as an input
   * recorded before the section existed carried them (over the defaults); empty when the input has neither.
   */
  public Optional<P> read(String runbook, RunbookPolicy policy) {
    JsonNode node = policy.runbooks().get(runbook);
    if (node == null || node.isNull()) {
      ObjectNode earlier = PAYLOAD.createObjectNode();
      for (String key : aliases) {
        JsonNode v = policy.earlier().get(key);
        if (v != null && !v.isNull()) {
          earlier.set(key, v);
        }
      }
      if (earlier.isEmpty()) {
        return Optional.empty();
      }
      node = ((ObjectNode) payload(defaults)).setAll(earlier);
    }
    return Optional.of(PAYLOAD.convertValue(node, type));
  }

  /** The section as a workflow input carries it (what {@link #read} reads back). */
  public JsonNode payload(P section) {
    return PAYLOAD.valueToTree(section);
  }

  /** The defaults as a workflow input carries them. */
  public JsonNode defaultsPayload() {
    return payload(defaults);
  }

  /** The problems the runbook finds in a merged section. */
  public List<Problem> problems(P section) {
    return check.apply(section);
  }
}
