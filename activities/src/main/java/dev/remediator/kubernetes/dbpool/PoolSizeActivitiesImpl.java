package dev.remediator.kubernetes.dbpool;

import static dev.remediator.kubernetes.Deployments.container;
import static dev.remediator.kubernetes.Deployments.invalid;
import static dev.remediator.kubernetes.Deployments.nonNull;
import static dev.remediator.kubernetes.Deployments.putAnnotations;
import static dev.remediator.kubernetes.Deployments.replicas;
import static dev.remediator.kubernetes.Deployments.withConflictRetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.activities.TargetDirectory;
import dev.remediator.incident.Target;
import dev.remediator.kubernetes.Deployments;
import dev.remediator.kubernetes.Deployments.Managed;
import dev.remediator.kubernetes.JsonPatch;
import dev.remediator.kubernetes.Rollouts;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.PoolSettings.EnvValue;
import dev.remediator.runbook.dbpool.PoolSizeActivities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PoolSizeActivities} (the pool runbook's pool-size change) with the fabric8 client: {@code kubectl set env}
 * of the configured pool env vars on the configured container of the target's Deployment ({@link
 * Deployments#workload}), recording on the Deployment what it changed so the revert is exact and not blind.
 */
public class PoolSizeActivitiesImpl implements PoolSizeActivities {
  /** Deployment annotation: pool env values from before Remediator's outstanding change (JSON, null = absent). */
  public static final String POOL_PREVIOUS = "remediator.dev/pool-previous";
  /** Deployment annotation: pool env values Remediator's outstanding change set (JSON), so the revert is not blind. */
  public static final String POOL_SET = "remediator.dev/pool-set";

  private static final Pattern POSITIVE_INTEGER = Pattern.compile("[1-9][0-9]{0,5}");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(PoolSizeActivitiesImpl.class);

  private final Deployments deployments;

  public PoolSizeActivitiesImpl(TargetDirectory targets, Supplier<KubernetesClient> client) {
    this.deployments = new Deployments(targets, client);
  }

  // ---- pool settings ------------------------------------------------------------------------------------------

  @Override
  public PoolSettings poolSettings(Target target) {
    if (!deployments.configured(target)) {
      // A target without Kubernetes is a normal configuration (the database alone): one INFO line, no failure, so
      // no stack trace from the worker and no retry. The actions that need the cluster still refuse (managed).
      String reason = "target " + target.id() + " has no kubernetes.deployment configured";
      LOG.info("{}: pool settings not read; restart and pool changes are unavailable for its incidents", reason);
      return PoolSettings.notConfigured(reason);
    }
    Managed w = deployments.workload(target);
    Deployment d = deployments.get(w);
    Container c = container(d, w);
    List<EnvValue> values = new ArrayList<>();
    for (String name : w.poolEnv()) {
      EnvVar v = env(c, name);
      values.add(new EnvValue(name, v == null ? null : v.getValue()));
    }
    return new PoolSettings(replicas(d), values);
  }

  @Override
  public PoolSettings setPoolSettings(Target target, List<EnvValue> values) {
    Managed w = deployments.workload(target);
    if (values == null || values.isEmpty()) {
      throw invalid("setPoolSettings needs at least one env value");
    }
    Map<String, String> wanted = new LinkedHashMap<>();
    for (EnvValue v : values) {
      requirePoolEnv(w, v);
      if (v.value() == null || !POSITIVE_INTEGER.matcher(v.value()).matches()) {
        throw invalid(v.name() + " must be a positive integer (at most 6 digits), got '" + v.value() + "'");
      }
      if (wanted.put(v.name(), v.value()) != null) {
        throw invalid(v.name() + " is given twice");
      }
    }
    return withConflictRetry(
        () -> {
          Deployment d = deployments.get(w);
          Container c = container(d, w);
          // Values from before Remediator's outstanding change win over current ones, so a retried or repeated
          // increase still reverts to what the application had originally.
          Map<String, String> remembered = remembered(d);
          Map<String, String> original = new LinkedHashMap<>(remembered);
          List<EnvValue> previous = new ArrayList<>();
          for (String name : wanted.keySet()) {
            String current = literal(c, w, name); // refuses valueFrom before anything changes
            String before = remembered.containsKey(name) ? remembered.get(name) : current;
            original.put(name, before);
            previous.add(new EnvValue(name, before));
          }
          Map<String, String> setByUs = setByUs(d);
          Map<String, String> set = new LinkedHashMap<>(setByUs);
          set.putAll(wanted);
          boolean envChanges = !envMatches(c, wanted);
          if (envChanges) {
            // Merged into a rollout already under way, the change would share (and be credited with) it.
            refuseDuringRollout(d, w, "the pool-size change");
          }
          JsonPatch patch = new JsonPatch().resourceVersion(d.getMetadata().getResourceVersion());
          envPatch(d, c, w, wanted, patch);
          Map<String, String> annotations = new LinkedHashMap<>();
          annotations.put(POOL_PREVIOUS, json(original));
          annotations.put(POOL_SET, json(set));
          putAnnotations(d, patch, annotations);
          if (envChanges || !original.equals(remembered) || !set.equals(setByUs)) {
            deployments.patch(w, patch);
          }
          return new PoolSettings(replicas(d), previous);
        });
  }

  @Override
  public PoolSettings restorePoolSettings(Target target, PoolSettings previous) {
    Managed w = deployments.workload(target);
    if (previous == null || previous.values() == null || previous.values().isEmpty()) {
      throw invalid("restorePoolSettings needs the values returned by setPoolSettings");
    }
    Map<String, String> wanted = new LinkedHashMap<>();
    for (EnvValue v : previous.values()) {
      requirePoolEnv(w, v);
      wanted.put(v.name(), v.value());
    }
    return withConflictRetry(
        () -> {
          Deployment d = deployments.get(w);
          Container c = container(d, w);
          Map<String, String> setByUs = new LinkedHashMap<>(setByUs(d));
          Map<String, String> annotations = Deployments.annotations(d);
          boolean outstanding = annotations.containsKey(POOL_PREVIOUS) || annotations.containsKey(POOL_SET);
          // Only a value that still holds what Remediator set is restored; one changed since (an operator's own
          // change) is left as it is. A value without a record of what was set (an older worker's change) is
          // restored as before; with no change of ours outstanding at all (a retry after the revert) nothing is.
          Map<String, String> restore = new LinkedHashMap<>();
          List<String> left = new ArrayList<>();
          for (Map.Entry<String, String> e : wanted.entrySet()) {
            String name = e.getKey();
            String current = literal(c, w, name); // refuses valueFrom before anything changes
            String shown = "left " + name + "=" + (current == null ? "(unset)" : current);
            if (Objects.equals(current, e.getValue())) {
              continue;
            }
            if (setByUs.containsKey(name) && !Objects.equals(current, setByUs.get(name))) {
              left.add(shown + ": changed by someone else since we set " + setByUs.get(name));
            } else if (!outstanding) {
              left.add(shown + ": no change of ours is outstanding on the deployment (reverted already, or"
                  + " changed by someone else)");
            } else {
              restore.put(name, e.getValue());
            }
          }
          Map<String, String> remembered = new LinkedHashMap<>(remembered(d));
          remembered.keySet().removeAll(wanted.keySet());
          setByUs.keySet().removeAll(wanted.keySet());
          if (!envMatches(c, restore) || outstanding) {
            JsonPatch patch = new JsonPatch().resourceVersion(d.getMetadata().getResourceVersion());
            envPatch(d, c, w, restore, patch);
            putOrRemoveAnnotation(d, patch, POOL_PREVIOUS, remembered);
            putOrRemoveAnnotation(d, patch, POOL_SET, setByUs);
            d = deployments.patch(w, patch);
          }
          PoolSettings now = poolSettings(w, d);
          return new PoolSettings(
              now.replicas(), now.values(), null, left.isEmpty() ? null : String.join("; ", left));
        });
  }

  /** The JSON map annotation {@code key} set to {@code values}, or removed when they are empty. */
  private static void putOrRemoveAnnotation(Deployment d, JsonPatch patch, String key, Map<String, String> values) {
    boolean present = nonNull(d.getMetadata().getAnnotations()).containsKey(key);
    if (!values.isEmpty()) {
      patch.add(JsonPatch.pointer("metadata", "annotations", key), json(values));
    } else if (present) {
      patch.remove(JsonPatch.pointer("metadata", "annotations", key));
    }
  }

  /**
   * Refuses (non-retryable, {@link PoolSizeActivities#ROLLOUT_IN_PROGRESS}) a template change while the deployment
   * is paused or a rollout is in progress ({@link Rollouts#inProgress}, the restart's notion).
   */
  private static void refuseDuringRollout(Deployment d, Managed w, String what) {
    String name = w.namespace() + "/" + w.deployment();
    String why = Boolean.TRUE.equals(d.getSpec().getPaused())
        ? "deployment " + name + " is paused; " + what + " would not roll out (kubectl rollout resume first)"
        : Rollouts.inProgress(d) == null ? null
        : "a rollout of deployment " + name + " is in progress: " + Rollouts.inProgress(d) + "; " + what
            + " would merge into it — try again once it has finished";
    if (why != null) {
      throw ApplicationFailure.newNonRetryableFailure(why, PoolSizeActivities.ROLLOUT_IN_PROGRESS);
    }
  }

  private PoolSettings poolSettings(Managed w, Deployment d) {
    Container c = container(d, w);
    List<EnvValue> values = new ArrayList<>();
    for (String name : w.poolEnv()) {
      EnvVar v = env(c, name);
      values.add(new EnvValue(name, v == null ? null : v.getValue()));
    }
    return new PoolSettings(replicas(d), values);
  }

  private static void requirePoolEnv(Managed w, EnvValue v) {
    if (v == null || v.name() == null || !w.poolEnv().contains(v.name())) {
      throw invalid("only the configured pool env vars " + w.poolEnv() + " may be changed, not "
          + (v == null ? null : v.name()));
    }
  }

  /** The literal value of an env var (null when absent); a var set from a ConfigMap or Secret is refused. */
  private static String literal(Container c, Managed w, String name) {
    EnvVar v = env(c, name);
    if (v != null && v.getValueFrom() != null) {
      throw invalid(name + " on container " + w.container() + " of deployment " + w.namespace() + "/"
          + w.deployment() + " comes from a ConfigMap or Secret (valueFrom); change it there, not with set env");
    }
    return v == null ? null : v.getValue();
  }

  private static boolean envMatches(Container c, Map<String, String> wanted) {
    for (Map.Entry<String, String> e : wanted.entrySet()) {
      EnvVar v = env(c, e.getKey());
      String current = v == null ? null : v.getValue();
      if (!Objects.equals(current, e.getValue()) || (v != null && v.getValueFrom() != null)) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code kubectl set env}: replaces changed entries in place, removes vars whose wanted value is null (highest
   * index first, so indices stay valid) and appends new ones; other env entries and containers are untouched.
   */
  private static void envPatch(
      Deployment d, Container c, Managed w, Map<String, String> wanted, JsonPatch patch) {
    int ci = d.getSpec().getTemplate().getSpec().getContainers().indexOf(c);
    List<EnvVar> env = c.getEnv();
    if (env == null || env.isEmpty()) {
      List<Map<String, String>> added = new ArrayList<>();
      wanted.forEach((name, value) -> {
        if (value != null) {
          added.add(envEntry(name, value));
        }
      });
      if (!added.isEmpty()) {
        patch.add(JsonPatch.pointer("spec", "template", "spec", "containers", ci, "env"), added);
      }
      return;
    }
    String envPath = JsonPatch.pointer("spec", "template", "spec", "containers", ci, "env");
    List<Integer> removals = new ArrayList<>();
    List<Map<String, String>> appends = new ArrayList<>();
    for (Map.Entry<String, String> e : wanted.entrySet()) {
      int index = envIndex(c, w, e.getKey());
      if (index < 0) {
        if (e.getValue() != null) {
          appends.add(envEntry(e.getKey(), e.getValue()));
        }
      } else if (e.getValue() == null) {
        removals.add(index);
      } else if (!e.getValue().equals(env.get(index).getValue()) || env.get(index).getValueFrom() != null) {
        patch.replace(envPath + "/" + index, envEntry(e.getKey(), e.getValue()));
      }
    }
    removals.sort(Comparator.reverseOrder());
    for (int index : removals) {
      patch.remove(envPath + "/" + index);
    }
    for (Map<String, String> entry : appends) {
      patch.add(envPath + "/-", entry);
    }
  }

  private static Map<String, String> envEntry(String name, String value) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("value", value);
    return m;
  }

  private static int envIndex(Container c, Managed w, String name) {
    int found = -1;
    List<EnvVar> env = c.getEnv() == null ? List.of() : c.getEnv();
    for (int i = 0; i < env.size(); i++) {
      if (name.equals(env.get(i).getName())) {
        if (found >= 0) {
          throw invalid(name + " is defined twice on container " + w.container() + "; fix the deployment first");
        }
        found = i;
      }
    }
    return found;
  }

  private static EnvVar env(Container c, String name) {
    if (c.getEnv() == null) {
      return null;
    }
    return c.getEnv().stream().filter(v -> name.equals(v.getName())).findFirst().orElse(null);
  }

  private static Map<String, String> remembered(Deployment d) {
    return annotatedValues(d, POOL_PREVIOUS);
  }

  /** What Remediator's outstanding pool change set ({@link #POOL_SET}); empty when none is recorded. */
  private static Map<String, String> setByUs(Deployment d) {
    return annotatedValues(d, POOL_SET);
  }

  /** The env values a pool annotation of ours records (a JSON object of strings); empty when it is absent. */
  private static Map<String, String> annotatedValues(Deployment d, String annotation) {
    String value = nonNull(d.getMetadata().getAnnotations()).get(annotation);
    if (value == null || value.isBlank()) {
      return Map.of();
    }
    try {
      return JSON.readValue(value, new TypeReference<LinkedHashMap<String, String>>() {});
    } catch (JsonProcessingException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "annotation " + annotation + " on deployment " + d.getMetadata().getName()
              + " is not a JSON object of strings; fix or remove it by hand",
          Deployments.INVALID_REQUEST);
    }
  }

  private static String json(Map<String, String> values) {
    try {
      return JSON.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
