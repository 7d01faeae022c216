package dev.remediator.config.loader;

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
import dev.remediator.config.ConfigException;
import dev.remediator.config.Durations;
import dev.remediator.config.NotificationsConfig;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.ActionMode;
import dev.remediator.incident.EscalationTier;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.registry.Runbooks;
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
 * each target's {@code policy} is merged over the file's {@code defaults}, which are merged over the runbook's;
 * each registered runbook's own keys ({@code policy.runbooks.<name>}) are bound and checked by {@link RunbookSections}.
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

  /**
   * Parses and checks a configuration. Every problem found is reported, one per line, as {@code
   * source:line:column: key.path: what is wrong} (unknown keys with the closest known one).
   */
  public static RemediatorConfig parse(String yaml, String source) {
    ConfigProblems problems = ConfigProblems.of(YAML, yaml, source);
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException(problems.describe(e, ""), e);
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(source + ": expected a YAML mapping at the top level (taskQueue, receiver,"
          + " notifications, defaults, targets; ./remediator init writes a commented example)");
    }
    ObjectNode defaults = policyDefaults();
    JsonNode fileDefaults = ((ObjectNode) root).remove("defaults");
    if (fileDefaults != null && !fileDefaults.isNull()) {
      merge(defaults, RunbookSections.unalias(fileDefaults), "defaults", problems);
      bind(defaults, RunbookPolicy.class, "defaults", problems);
    }
    List<String> sectionProblems = new ArrayList<>();
    JsonNode targets = root.get("targets");
    if (targets instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (array.get(i) instanceof ObjectNode target) {
          ObjectNode policy = defaults.deepCopy();
          String at = "targets[" + i + "].policy";
          JsonNode own = target.get("policy");
          if (own != null && !own.isNull()) {
            merge(policy, RunbookSections.unalias(own), at, problems);
          }
          sectionProblems.addAll(RunbookSections.check(YAML, policy, List.of(at, "defaults"), problems));
          target.set("policy", policy);
        }
      }
    }
    RemediatorConfig config = bind(root, RemediatorConfig.class, "", problems);
    validate(config, problems, sectionProblems);
    return config;
  }

  /**
   * The runbooks' own numbers as a tree, every registered runbook's section under {@code runbooks} in configuration
   * form (durations such as {@code 2h}, which the payload form of {@link RunbookPolicy#runbookDefaults} is not).
   */
  private static ObjectNode policyDefaults() {
    ObjectNode defaults = (ObjectNode) YAML.valueToTree(Runbooks.defaultPolicy());
    defaults.set("runbooks", RunbookSections.defaults(YAML));
    return defaults;
  }

  private static <T> T bind(JsonNode tree, Class<T> type, String path, ConfigProblems problems) {
    try {
      return YAML.treeToValue(tree, type);
    } catch (JsonProcessingException e) {
      throw new ConfigException(problems.describe(e, path), e);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(problems.at(path, e.getMessage()), e);
    }
  }

  /** A runbook policy from a YAML mapping of overrides over the runbook's defaults (e.g. {@code "maxRestarts: 1"}). */
  public static RunbookPolicy parsePolicy(String yaml) {
    ConfigProblems problems = ConfigProblems.of(YAML, yaml, "policy");
    ObjectNode policy = policyDefaults();
    JsonNode overrides;
    try {
      overrides = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException(problems.describe(e, ""), e);
    }
    if (overrides != null && !overrides.isMissingNode() && !overrides.isNull()) {
      merge(policy, RunbookSections.unalias(overrides), "", problems);
    }
    List<String> sectionProblems = RunbookSections.check(YAML, policy, List.of(""), problems);
    if (!sectionProblems.isEmpty()) {
      throw new ConfigException(String.join("\n", sectionProblems));
    }
    return bind(policy, RunbookPolicy.class, "", problems);
  }

  private static void merge(ObjectNode into, JsonNode overrides, String path, ConfigProblems problems) {
    if (!overrides.isObject()) {
      throw new ConfigException(problems.at(path, "expected a mapping of keys to values, not "
          + ConfigProblems.describeNode(overrides)));
    }
    List<String> known = new ArrayList<>();
    into.fieldNames().forEachRemaining(known::add);
    if (into.has("runbooks")) { // a policy: its runbooks' keys are still written directly under it
      known.addAll(RunbookSections.aliases());
    }
    for (var e : overrides.properties()) {
      // RunbookPolicy tolerates unknown fields in workflow history; in a config file they are typos.
      if (!into.has(e.getKey())) {
        throw new ConfigException(problems.unknownKey(path, e.getKey(), known));
      }
      if (into.get(e.getKey()) instanceof ObjectNode nested && e.getValue().isObject()) {
        merge(nested, e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), problems);
        continue;
      }
      into.set(e.getKey(), e.getValue());
    }
  }

  private static void validate(RemediatorConfig config, ConfigProblems at, List<String> sectionProblems) {
    List<String> problems = new ArrayList<>();
    Set<String> channels = validateChannels(config.notifications(), problems, at);
    if (config.targets() == null || config.targets().isEmpty()) {
      problems.add(at.at("targets", "no targets configured: Remediator acts only on the targets listed here"));
    } else {
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < config.targets().size(); i++) {
        TargetConfig t = config.targets().get(i);
        String path = "targets[" + i + "]";
        if (t == null) {
          problems.add(at.at(path, "expected a target (service, namespace, database, postgres, ...)"));
          continue;
        }
        if (blank(t.service()) || blank(t.namespace())) {
          problems.add(at.at(path, "service and namespace are required"));
          continue;
        }
        if (!ids.add(t.target().id())) {
          problems.add(at.at(path, "target " + t.target().id() + " is configured twice"));
        }
        if (blank(t.database()) && t.postgres() == null) {
          // No database: fine for a runbook that needs none, if the target has what that runbook needs.
          String unmet = TargetRequirements.unmet(YAML.valueToTree(t));
          if (unmet != null) {
            problems.add(at.at(path, "no database, and no runbook without one can act on it: " + unmet));
          }
        } else if (blank(t.database())) {
          problems.add(at.at(path + ".database", "required with postgres (the database the pool's sessions use)"));
        } else if (t.postgres() == null || blank(t.postgres().url())) {
          problems.add(at.at(path + ".postgres.url", "required (e.g. jdbc:postgresql://host:5432/" + t.database()
              + ")"));
        } else if (!t.postgres().url().startsWith("jdbc:postgresql:")) {
          problems.add(at.at(path + ".postgres.url", "must start with jdbc:postgresql:"));
        }
        RunbookPolicy p = t.policy();
        if (!(p.warningUtilization() > 0 && p.warningUtilization() < p.criticalUtilization()
            && p.criticalUtilization() <= 1)) {
          problems.add(at.at(policyPath(at, i, "warningUtilization"),
              "need 0 < warningUtilization < criticalUtilization <= 1 (fractions, e.g. 0.7 and 0.9)"));
        }
        if (p.verifySamples() < 1) {
          problems.add(at.at(policyPath(at, i, "verifySamples"), "must be at least 1"));
        }
        if (p.escalation() != null) {
          for (EscalationTier tier : p.escalation()) {
            for (String channel : tier.channels() == null ? List.<String>of() : tier.channels()) {
              if (!channels.contains(channel)) {
                problems.add(at.at(policyPath(at, i, "escalation"), "tier " + tier.name() + " names channel '"
                    + channel + "', which is not in notifications.channels"
                    + suggestion(channel, channels)));
              }
            }
          }
        }
      }
    }
    problems.addAll(sectionProblems);
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", new java.util.LinkedHashSet<>(problems)));
    }
  }

  /** Where a target's policy value was written: its own policy, else the file's defaults. */
  private static String policyPath(ConfigProblems at, int target, String key) {
    String own = "targets[" + target + "].policy." + key;
    if (at.located(own) || !at.located("defaults." + key)) {
      return own;
    }
    return "defaults." + key;
  }

  private static String suggestion(String name, Set<String> known) {
    String s = ConfigProblems.closest(name, known);
    return s == null ? "" : "; did you mean '" + s + "'?";
  }

  /** Channel names must be unique, types known, and each needs its secret's source (env var or file). */
  private static Set<String> validateChannels(
      NotificationsConfig notifications, List<String> problems, ConfigProblems located) {
    Set<String> names = new java.util.TreeSet<>();
    if (notifications == null || notifications.channels() == null) {
      return names;
    }
    for (int i = 0; i < notifications.channels().size(); i++) {
      NotificationsConfig.Channel c = notifications.channels().get(i);
      String at = "notifications.channels[" + i + "]";
      if (c == null || blank(c.name())) {
        problems.add(located.at(at, "name is required"));
        continue;
      }
      if (!names.add(c.name())) {
        problems.add(located.at(at, "channel " + c.name() + " is configured twice"));
      }
      String type = c.type() == null ? "" : c.type().toLowerCase(java.util.Locale.ROOT);
      boolean url = !blank(c.urlEnv()) || !blank(c.urlFile());
      switch (type) {
        case "slack", "webhook" -> {
          if (!url) {
            problems.add(located.at(at, "urlEnv or urlFile is required (the URL is a secret)"));
          }
        }
        case "pagerduty" -> {
          if (blank(c.routingKeyEnv()) && blank(c.routingKeyFile())) {
            problems.add(located.at(at, "routingKeyEnv or routingKeyFile is required"));
          }
        }
        default -> problems.add(located.at(at + ".type", "must be slack, pagerduty or webhook, not '"
            + (c.type() == null ? "" : c.type()) + "'"));
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

  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = false)
  private abstract static class StrictKeys {}

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
        // The policy records tolerate unknown fields in workflow history; in a configuration file they are typos.
        .addMixIn(RunbookPolicy.class, StrictKeys.class)
        .addMixIn(EscalationTier.class, StrictKeys.class)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
        .build();
  }
}
