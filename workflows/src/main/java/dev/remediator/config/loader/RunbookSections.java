package dev.remediator.config.loader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remediator.runbook.PolicySection;
import dev.remediator.runbook.Runbook;
import dev.remediator.registry.Runbooks;
import java.util.ArrayList;
import java.util.List;

/**
 * Every registered runbook's own policy section ({@code policy.runbooks.<name>}) for the loader: its defaults, its
 * aliases directly under {@code policy}, binding and the runbook's own checks. Names no key of any runbook.
 */
final class RunbookSections {
  private RunbookSections() {}

  /** {@code runbooks:} with each runbook's defaults, as configuration writes them. */
  static ObjectNode defaults(ObjectMapper yaml) {
    ObjectNode all = yaml.createObjectNode();
    for (Runbook r : Runbooks.all()) {
      if (r.policy() != null) {
        all.set(r.name(), yaml.valueToTree(r.policy().defaults()));
      }
    }
    return all;
  }

  /** Every runbook's aliases: its keys as written directly under {@code policy}. */
  static List<String> aliases() {
    List<String> aliases = new ArrayList<>();
    for (Runbook r : Runbooks.all()) {
      if (r.policy() != null) {
        aliases.addAll(r.policy().aliases());
      }
    }
    return aliases;
  }

  /**
   * A copy of policy overrides with each runbook's aliases (keys it once had directly under {@code policy}) moved
   * into its section; a key the section sets itself wins.
   */
  static JsonNode unalias(JsonNode overrides) {
    if (!(overrides instanceof ObjectNode original)) {
      return overrides;
    }
    ObjectNode copy = original.deepCopy();
    for (Runbook r : Runbooks.all()) {
      if (r.policy() == null) {
        continue;
      }
      for (String key : r.policy().aliases()) {
        if (!copy.has(key) || (copy.has("runbooks") && !copy.get("runbooks").isObject())) {
          continue;
        }
        ObjectNode runbooks = copy.has("runbooks") ? (ObjectNode) copy.get("runbooks") : copy.putObject("runbooks");
        if (runbooks.has(r.name()) && !runbooks.get(r.name()).isObject()) {
          continue;
        }
        ObjectNode section = runbooks.has(r.name())
            ? (ObjectNode) runbooks.get(r.name()) : runbooks.putObject(r.name());
        JsonNode value = copy.remove(key);
        if (!section.has(key)) {
          section.set(key, value);
        }
      }
    }
    return copy;
  }

  /**
   * Binds and checks each runbook's section of a merged policy tree and replaces it with its payload form. Problems
   * name where the key was written: the first of {@code policies} (e.g. the target's policy, then the defaults)
   * where the section key or its alias is found.
   */
  static List<String> check(ObjectMapper yaml, ObjectNode policy, List<String> policies, ConfigProblems at) {
    if (!(policy.get("runbooks") instanceof ObjectNode runbooks)) {
      return List.of(at.at(join(policies.get(0), "runbooks"), "expected a mapping of runbook names to their keys"));
    }
    List<String> problems = new ArrayList<>();
    for (Runbook r : Runbooks.all()) {
      if (r.policy() != null) {
        problems.addAll(check(yaml, runbooks, r.name(), r.policy(), policies, at));
      }
    }
    return problems;
  }

  private static <P> List<String> check(ObjectMapper yaml, ObjectNode runbooks, String name,
      PolicySection<P> section, List<String> policies, ConfigProblems at) {
    JsonNode node = runbooks.get(name);
    P bound;
    try {
      bound = node == null || node.isNull() ? section.defaults() : yaml.treeToValue(node, section.type());
    } catch (JsonProcessingException e) {
      String key = e instanceof JsonMappingException m && !m.getPath().isEmpty()
          ? m.getPath().get(0).getFieldName() : null;
      String prefix = key == null ? join(policies.get(0), "runbooks." + name)
          : ConfigProblems.parent(where(at, policies, name, key, section.aliases().contains(key)));
      return List.of(at.describe(e, prefix));
    } catch (IllegalArgumentException e) {
      return List.of(at.at(join(policies.get(0), "runbooks." + name), e.getMessage()));
    }
    List<String> problems = new ArrayList<>();
    for (PolicySection.Problem p : section.problems(bound)) {
      problems.add(at.at(where(at, policies, name, p.key(), section.aliases().contains(p.key())), p.message()));
    }
    if (problems.isEmpty()) {
      runbooks.set(name, section.payload(bound));
    }
    return problems;
  }

  /** Where a runbook's key was written: its section or (an alias) directly under a policy, first policy first. */
  private static String where(ConfigProblems at, List<String> policies, String runbook, String key, boolean alias) {
    for (String policy : policies) {
      String own = join(policy, "runbooks." + runbook + "." + key);
      if (at.located(own)) {
        return own;
      }
      if (alias && at.located(join(policy, key))) {
        return join(policy, key);
      }
    }
    return join(policies.get(0), "runbooks." + runbook + "." + key);
  }

  private static String join(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }
}
