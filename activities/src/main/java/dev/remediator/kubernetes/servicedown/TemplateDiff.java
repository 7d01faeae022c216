package dev.remediator.kubernetes.servicedown;

import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between two pod templates, as a person reads {@code kubectl rollout history --revision=N}:
 * images, env (names only: values may be secrets), resources, containers added or removed, a rollout restart,
 * and "other pod template changes" for the rest. The {@code pod-template-hash} label is ignored, as the
 * deployment controller ignores it.
 */
public final class TemplateDiff {
  public static final String POD_TEMPLATE_HASH = "pod-template-hash";

  private TemplateDiff() {}

  static List<String> changes(PodTemplateSpec before, PodTemplateSpec after) {
    List<String> out = new ArrayList<>();
    Map<String, Container> old = containers(before);
    Map<String, Container> now = containers(after);
    for (String name : old.keySet()) {
      if (!now.containsKey(name)) {
        out.add("container " + name + " removed");
      }
    }
    for (Map.Entry<String, Container> e : now.entrySet()) {
      String name = e.getKey();
      Container b = old.get(name);
      Container a = e.getValue();
      if (b == null) {
        out.add("container " + name + " added (image " + a.getImage() + ")");
        continue;
      }
      if (!Objects.equals(b.getImage(), a.getImage())) {
        out.add("image " + name + ": " + b.getImage() + " -> " + a.getImage());
      }
      Map<String, EnvVar> eb = env(b);
      Map<String, EnvVar> ea = env(a);
      TreeSet<String> names = new TreeSet<>(eb.keySet());
      names.addAll(ea.keySet());
      for (String n : names) {
        if (!eb.containsKey(n)) {
          out.add("env " + name + ": " + n + " added");
        } else if (!ea.containsKey(n)) {
          out.add("env " + name + ": " + n + " removed");
        } else if (!eb.get(n).equals(ea.get(n))) {
          out.add("env " + name + ": " + n + " changed");
        }
      }
      Map<String, String> rb = resources(b.getResources());
      Map<String, String> ra = resources(a.getResources());
      TreeSet<String> keys = new TreeSet<>(rb.keySet());
      keys.addAll(ra.keySet());
      for (String k : keys) {
        if (!Objects.equals(rb.get(k), ra.get(k))) {
          out.add("resources " + name + ": " + k + " " + (rb.get(k) == null ? "unset" : rb.get(k)) + " -> "
              + (ra.get(k) == null ? "unset" : ra.get(k)));
        }
      }
    }
    String restartedBefore = annotation(before, KubernetesActivitiesImpl.RESTARTED_AT);
    String restartedAfter = annotation(after, KubernetesActivitiesImpl.RESTARTED_AT);
    if (restartedAfter == null && restartedBefore != null) {
      // A rollback to a template from before a restart: it takes the annotation away, it restarts nothing more.
      out.add("rollout restart undone (" + KubernetesActivitiesImpl.RESTARTED_AT + " " + restartedBefore
          + " removed)");
    } else if (!Objects.equals(restartedBefore, restartedAfter)) {
      out.add("rollout restart (" + KubernetesActivitiesImpl.RESTARTED_AT + " " + restartedAfter + ")");
    }
    if (out.isEmpty() && !equalIgnoringHash(before, after)) {
      out.add("other pod template changes");
    }
    return out;
  }

  /**
   * Whether {@code after} differs from {@code before} only by what does not change what runs: a rollout restart
   * (the {@code restartedAt} annotation) and the values of the pool-size env vars (the pool runbook's temporary
   * change). Such a revision repeats its predecessor's code and configuration; it is not a new "change" when
   * looking for the one that broke a Deployment.
   */
  static boolean routine(PodTemplateSpec before, PodTemplateSpec after, Collection<String> poolEnv) {
    if (before == null || after == null) {
      return false;
    }
    return Objects.equals(withoutRoutine(before, poolEnv), withoutRoutine(after, poolEnv));
  }

  private static PodTemplateSpec withoutRoutine(PodTemplateSpec t, Collection<String> poolEnv) {
    PodTemplateSpec copy = io.fabric8.kubernetes.client.utils.Serialization.clone(withoutHash(t));
    if (copy.getMetadata() != null && copy.getMetadata().getAnnotations() != null) {
      Map<String, String> annotations = new LinkedHashMap<>(copy.getMetadata().getAnnotations());
      annotations.remove(KubernetesActivitiesImpl.RESTARTED_AT);
      copy.getMetadata().setAnnotations(annotations.isEmpty() ? null : annotations);
    }
    if (copy.getSpec() != null && copy.getSpec().getContainers() != null) {
      for (Container c : copy.getSpec().getContainers()) {
        if (c.getEnv() != null) {
          List<EnvVar> env = new ArrayList<>(c.getEnv());
          env.removeIf(v -> poolEnv.contains(v.getName()));
          c.setEnv(env);
        }
      }
    }
    return copy;
  }

  /** The deployment controller's EqualIgnoreHash: the templates without the pod-template-hash label. */
  static boolean equalIgnoringHash(PodTemplateSpec a, PodTemplateSpec b) {
    return Objects.equals(withoutHash(a), withoutHash(b));
  }

  /** A copy of the template without the {@code pod-template-hash} label (what a rollback puts back). */
  static PodTemplateSpec withoutHash(PodTemplateSpec t) {
    if (t == null) {
      return null;
    }
    PodTemplateSpec copy = new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder(t).build();
    if (copy.getMetadata() != null && copy.getMetadata().getLabels() != null) {
      Map<String, String> labels = new LinkedHashMap<>(copy.getMetadata().getLabels());
      labels.remove(POD_TEMPLATE_HASH);
      copy.getMetadata().setLabels(labels);
    }
    return copy;
  }

  private static String annotation(PodTemplateSpec t, String key) {
    if (t == null || t.getMetadata() == null || t.getMetadata().getAnnotations() == null) {
      return null;
    }
    return t.getMetadata().getAnnotations().get(key);
  }

  private static Map<String, Container> containers(PodTemplateSpec t) {
    Map<String, Container> m = new LinkedHashMap<>();
    if (t != null && t.getSpec() != null && t.getSpec().getContainers() != null) {
      t.getSpec().getContainers().forEach(c -> m.put(c.getName(), c));
    }
    return m;
  }

  private static Map<String, EnvVar> env(Container c) {
    Map<String, EnvVar> m = new LinkedHashMap<>();
    if (c.getEnv() != null) {
      c.getEnv().forEach(v -> m.put(v.getName(), v));
    }
    return m;
  }

  private static Map<String, String> resources(ResourceRequirements r) {
    Map<String, String> m = new TreeMap<>();
    if (r == null) {
      return m;
    }
    put(m, "requests", r.getRequests());
    put(m, "limits", r.getLimits());
    return m;
  }

  private static void put(Map<String, String> m, String kind, Map<String, Quantity> q) {
    if (q != null) {
      q.forEach((k, v) -> m.put(kind + "." + k, v == null ? null : v.toString()));
    }
  }
}
