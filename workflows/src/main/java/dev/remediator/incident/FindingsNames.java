package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.DatabindContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.jsontype.impl.TypeIdResolverBase;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.io.IOException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Jackson's ids of a runbook's polymorphic payloads ({@link RunbookFindings}, {@link RunbookSection}): the logical
 * names the runbooks register, and on reading also the class names histories recorded before carry (a registered
 * type's own class name, or a former id it lists). Built once from the {@link RunbookFindings.Names} services; the
 * same answer on every run (no hash order, no clock). A name is unique among all the runbooks' payload types.
 */
final class FindingsNames extends TypeIdResolverBase {
  private static final class Registry {
    static final Map<String, Class<?>> BY_ID;
    static final Map<Class<?>, String> NAMES;
    static final Map<String, List<String>> EARLIER = new TreeMap<>();
    static final Map<ActionType, Class<? extends ActionTarget>> TARGETS = new EnumMap<>(ActionType.class);

    static {
      Map<String, Class<?>> byId = new TreeMap<>();
      Map<Class<?>, String> names = new HashMap<>();
      for (RunbookFindings.Names provider : ServiceLoader.load(RunbookFindings.Names.class,
          RunbookFindings.class.getClassLoader())) {
        provider.byName().forEach((name, type) -> {
          Class<?> before = byId.put(name, type);
          if (before != null && before != type) {
            throw new IllegalStateException("findings name '" + name + "' registered twice: " + before.getName()
                + " and " + type.getName());
          }
          names.put(type, name);
          byId.putIfAbsent(type.getName(), type);
        });
        provider.formerIds().forEach(byId::putIfAbsent);
        EARLIER.putAll(provider.earlierSections());
        provider.actionTargets().forEach((action, type) -> {
          Class<?> before = TARGETS.put(action, type);
          if (before != null && before != type) {
            throw new IllegalStateException("action " + action + " has two target types: " + before.getName()
                + " and " + type.getName());
          }
        });
      }
      BY_ID = Collections.unmodifiableMap(byId);
      NAMES = Collections.unmodifiableMap(names);
    }
  }

  /** The logical name of a findings type; an unregistered type is an error (its JSON would not read back). */
  static String nameOf(Class<?> type) {
    String name = Registry.NAMES.get(type);
    if (name == null) {
      throw new IllegalStateException("payload type " + type.getName() + " has no registered name: list it in a "
          + RunbookFindings.Names.class.getName() + " service");
    }
    return name;
  }

  /** The target type of an action type, as its runbook registered it; null when it has none. */
  static Class<? extends ActionTarget> targetOf(ActionType action) {
    return Registry.TARGETS.get(action);
  }

  /** The type an id reads as (a logical name or a former class name); null when unknown. */
  static Class<?> typeOf(String id) {
    return Registry.BY_ID.get(id);
  }

  /**
   * The runbook section of a payload of an earlier layout, read from its top-level fields ({@code earlier}) as the
   * runbook that registered them says; null when none matches.
   */
  static RunbookSection earlierSection(Map<String, JsonNode> earlier) {
    for (var e : Registry.EARLIER.entrySet()) {
      if (e.getValue().stream().anyMatch(earlier::containsKey)) {
        ObjectNode node = PAYLOAD.createObjectNode();
        earlier.forEach(node::set);
        node.put("@type", e.getKey());
        return PAYLOAD.convertValue(node, RunbookSection.class);
      }
    }
    return null;
  }

  private static final ObjectMapper PAYLOAD = JacksonJsonPayloadConverter.newDefaultObjectMapper();

  @Override
  public String idFromValue(Object value) {
    return nameOf(value.getClass());
  }

  @Override
  public String idFromValueAndType(Object value, Class<?> suggestedType) {
    return nameOf(value != null ? value.getClass() : suggestedType);
  }

  @Override
  public JavaType typeFromId(DatabindContext context, String id) throws IOException {
    Class<?> type = typeOf(id);
    if (type == null || (_baseType != null && !_baseType.getRawClass().isAssignableFrom(type))) {
      throw InvalidTypeIdException.from(null, "no runbook registered a payload"
          + " type named '" + id + "' (known: " + getDescForKnownTypeIds() + ")", _baseType, id);
    }
    return context.constructType(type);
  }

  @Override
  public String getDescForKnownTypeIds() {
    return String.join(", ", Registry.BY_ID.keySet());
  }

  @Override
  public JsonTypeInfo.Id getMechanism() {
    return JsonTypeInfo.Id.CUSTOM;
  }
}
