package dev.remediator.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.remediator.incident.ActionMode;
import dev.remediator.incident.EscalationTier;
import dev.remediator.incident.RunbookPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the YAML configuration. Unknown keys are errors (a typo must not silently disable a safety rule), and
 * each target's {@code policy} is merged over the file's {@code defaults}, which are merged over the runbook's.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = newMapper();

  private ConfigLoader() {}

  public static RemediatorConfig load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("configuration file not found: " + file);
    }
    try {
      return parse(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public static RemediatorConfig parse(String yaml, String source) {
    try {
      JsonNode root = YAML.readTree(yaml);
      if (root == null || !root.isObject()) {
        throw new ConfigException(source + ": expected a YAML mapping at the top level");
      }
      ObjectNode defaults = (ObjectNode) YAML.valueToTree(RunbookPolicy.runbookDefaults());
      JsonNode fileDefaults = ((ObjectNode) root).remove("defaults");
      if (fileDefaults != null) {
        merge(defaults, fileDefaults, source + ": defaults");
      }
      JsonNode targets = root.get("targets");
      if (targets instanceof ArrayNode array) {
        for (JsonNode t : array) {
          if (t instanceof ObjectNode target) {
            ObjectNode policy = defaults.deepCopy();
            JsonNode own = target.get("policy");
            if (own != null) {
              merge(policy, own, source + ": policy of " + target.path("service").asText("?"));
            }
            target.set("policy", policy);
          }
        }
      }
      RemediatorConfig config = YAML.treeToValue(root, RemediatorConfig.class);
      validate(config, source);
      return config;
    } catch (ConfigException e) {
      throw e;
    } catch (JsonProcessingException e) {
      throw new ConfigException(source + ": " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  /** A runbook policy from a YAML mapping of overrides over the runbook's defaults (e.g. {@code "maxRestarts: 1"}). */
  public static RunbookPolicy parsePolicy(String yaml) {
    try {
      ObjectNode policy = (ObjectNode) YAML.valueToTree(RunbookPolicy.runbookDefaults());
      JsonNode overrides = YAML.readTree(yaml);
      if (overrides != null && !overrides.isMissingNode() && !overrides.isNull()) {
        merge(policy, overrides, "policy");
      }
      return YAML.treeToValue(policy, RunbookPolicy.class);
    } catch (JsonProcessingException e) {
      throw new ConfigException("policy: " + e.getOriginalMessage(), e);
    }
  }

  private static void merge(ObjectNode into, JsonNode overrides, String where) {
    if (!overrides.isObject()) {
      throw new ConfigException(where + ": expected a mapping");
    }
    for (var e : overrides.properties()) {
      // RunbookPolicy tolerates unknown fields in workflow history; in a config file they are typos.
      if (!into.has(e.getKey())) {
        throw new ConfigException(where + ": unknown setting '" + e.getKey() + "'");
      }
      into.set(e.getKey(), e.getValue());
    }
  }

  private static void validate(RemediatorConfig config, String source) {
    List<String> problems = new ArrayList<>();
    Set<String> channels = validateChannels(config.notifications(), problems);
    if (config.targets() == null || config.targets().isEmpty()) {
      problems.add("no targets configured");
    } else {
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < config.targets().size(); i++) {
        TargetConfig t = config.targets().get(i);
        String at = "targets[" + i + "]";
        if (blank(t.service()) || blank(t.namespace()) || blank(t.database())) {
          problems.add(at + ": service, namespace and database are required");
          continue;
        }
        at = "target " + t.target().id();
        if (!ids.add(t.target().id())) {
          problems.add(at + ": configured twice");
        }
        if (t.postgres() == null || blank(t.postgres().url())) {
          problems.add(at + ": postgres.url is required");
        } else if (!t.postgres().url().startsWith("jdbc:postgresql:")) {
          problems.add(at + ": postgres.url must start with jdbc:postgresql:");
        }
        RunbookPolicy p = t.policy();
        if (!(p.warningUtilization() > 0 && p.warningUtilization() < p.criticalUtilization()
            && p.criticalUtilization() <= 1)) {
          problems.add(at + ": need 0 < warningUtilization < criticalUtilization <= 1");
        }
        if (p.maxSessionsPerTermination() < 1) {
          problems.add(at + ": maxSessionsPerTermination must be at least 1");
        }
        if (p.verifySamples() < 1) {
          problems.add(at + ": verifySamples must be at least 1");
        }
        if (p.terminateSessions() == null) {
          problems.add(at + ": terminateSessions must be one of auto, approve, dry_run, off");
        }
        if (p.escalation() != null) {
          for (EscalationTier tier : p.escalation()) {
            for (String channel : tier.channels() == null ? List.<String>of() : tier.channels()) {
              if (!channels.contains(channel)) {
                problems.add(at + ": escalation tier " + tier.name() + " names channel '" + channel
                    + "', which is not in notifications.channels");
              }
            }
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(source + ": " + String.join("; ", problems));
    }
  }

  /** Channel names must be unique, types known, and each needs its secret's source (env var or file). */
  private static Set<String> validateChannels(NotificationsConfig notifications, List<String> problems) {
    Set<String> names = new HashSet<>();
    if (notifications == null || notifications.channels() == null) {
      return names;
    }
    for (int i = 0; i < notifications.channels().size(); i++) {
      NotificationsConfig.Channel c = notifications.channels().get(i);
      if (blank(c.name())) {
        problems.add("notifications.channels[" + i + "]: name is required");
        continue;
      }
      String at = "channel " + c.name();
      if (!names.add(c.name())) {
        problems.add(at + ": configured twice");
      }
      String type = c.type() == null ? "" : c.type().toLowerCase(java.util.Locale.ROOT);
      boolean url = !blank(c.urlEnv()) || !blank(c.urlFile());
      switch (type) {
        case "slack", "webhook" -> {
          if (!url) {
            problems.add(at + ": urlEnv or urlFile is required (the URL is a secret)");
          }
        }
        case "pagerduty" -> {
          if (blank(c.routingKeyEnv()) && blank(c.routingKeyFile())) {
            problems.add(at + ": routingKeyEnv or routingKeyFile is required");
          }
        }
        default -> problems.add(at + ": type must be slack, pagerduty or webhook, not '" + c.type() + "'");
      }
    }
    return names;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** {@code auto | approve | dry_run | dry-run | off}; YAML 1.1 reads a bare {@code off} as false, so that too. */
  private static final class ActionModeDeserializer
      extends com.fasterxml.jackson.databind.JsonDeserializer<ActionMode> {
    @Override
    public ActionMode deserialize(
        com.fasterxml.jackson.core.JsonParser p, com.fasterxml.jackson.databind.DeserializationContext ctxt)
        throws IOException {
      if (p.currentToken() == com.fasterxml.jackson.core.JsonToken.VALUE_FALSE) {
        return ActionMode.OFF;
      }
      String v = p.getValueAsString("").trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
      try {
        return ActionMode.valueOf(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("not an action mode: '" + p.getText() + "' (use auto, approve, dry_run or off)");
      }
    }
  }

  private static ObjectMapper newMapper() {
    SimpleModule durations = new SimpleModule("durations");
    durations.addDeserializer(Duration.class, new Durations.Deserializer());
    durations.addDeserializer(ActionMode.class, new ActionModeDeserializer());
    durations.addSerializer(
        Duration.class,
        new JsonSerializer<>() {
          @Override
          public void serialize(Duration value, JsonGenerator gen, SerializerProvider serializers)
              throws IOException {
            gen.writeString(Durations.format(value));
          }
        });
    return YAMLMapper.builder()
        .addModule(durations)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
        .build();
  }
}
