package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.KubeCalls.DEPLOYMENTS;
import static dev.remediator.kubernetes.KubeCalls.REPLICA_SETS;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Target;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The Kubernetes plumbing every adapter shares: the configured Deployment of a target (refusing unconfigured
 * targets and targets without {@code kubernetes.deployment} before any call), reading and patching it with the
 * read-decide-patch retry on a conflict, the ReplicaSets it owns and their revisions, and the JSON Patch steps for
 * its annotations.
 */
public final class Deployments {
  /** Deployment and ReplicaSet annotation: the rollout revision the controller gave it. */
  public static final String REVISION = "deployment.kubernetes.io/revision";
  /** ReplicaSet annotation: what {@code kubectl --record} or {@code kubectl annotate} said the change was. */
  public static final String CHANGE_CAUSE = "kubernetes.io/change-cause";

  /** Failure type: the target has no {@code kubernetes.deployment}. */
  public static final String NOT_CONFIGURED = "KubernetesNotConfigured";
  /** Failure type: the request itself is wrong (bad argument, a deployment the change cannot apply to). */
  public static final String INVALID_REQUEST = "InvalidRequest";

  /** Read-decide-patch attempts when the deployment changed between our read and our patch (409). */
  static final int PATCH_ATTEMPTS = 3;

  private final TargetDirectory targets;
  private final Supplier<KubernetesClient> client;

  public Deployments(TargetDirectory targets, Supplier<KubernetesClient> client) {
    this.targets = targets;
    this.client = client;
  }

  /** The configured Deployment of a target: the only one the adapters act on. */
  public record Managed(
      String namespace, String deployment, String container, List<String> poolEnv, String podSelector) {
    public String name() {
      return namespace + "/" + deployment;
    }
  }

  /** The target's configured Deployment; refuses (non-retryably) a target without one. */
  public Managed workload(Target target) {
    TargetConfig config = targets.require(target);
    if (!configured(config)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "target " + target.id() + " has no kubernetes.deployment configured; refusing to act on the cluster",
          NOT_CONFIGURED);
    }
    TargetConfig.Kubernetes k = config.kubernetes();
    return new Managed(
        config.namespace(), k.deployment(), k.containerOrDefault(), k.poolEnvOrDefault(), k.podSelector());
  }

  /** Whether the target has a Deployment configured (refuses an unconfigured target). */
  public boolean configured(Target target) {
    return configured(targets.require(target));
  }

  private static boolean configured(TargetConfig config) {
    TargetConfig.Kubernetes k = config.kubernetes();
    return k != null && k.deployment() != null && !k.deployment().isBlank();
  }

  public KubernetesClient kube() {
    return client.get();
  }

  public Deployment get(Managed w) {
    Deployment d = KubeCalls.call("get", DEPLOYMENTS, w.namespace(), w.deployment(),
        () -> kube().apps().deployments().inNamespace(w.namespace()).withName(w.deployment()).get());
    if (d == null) {
      throw KubeCalls.notFound(DEPLOYMENTS, w.namespace(), w.deployment());
    }
    return d;
  }

  /** Applies a JSON Patch (carrying the resourceVersion read, so a changed deployment fails it with 409). */
  public Deployment patch(Managed w, JsonPatch patch) {
    return KubeCalls.call("patch", DEPLOYMENTS, w.namespace(), w.deployment(),
        () -> kube().apps().deployments().inNamespace(w.namespace()).withName(w.deployment())
            .patch(PatchContext.of(PatchType.JSON), patch.toJson()));
  }

  /** The ReplicaSets the Deployment owns (ownerReferences, by uid when both carry one). */
  public List<ReplicaSet> replicaSets(Managed w, Deployment d) {
    String selector = selector(d);
    List<ReplicaSet> sets = KubeCalls.call("list", REPLICA_SETS, w.namespace(), null,
        () -> kube().apps().replicaSets().inNamespace(w.namespace())
            .list(new ListOptionsBuilder().withLabelSelector(selector).build()).getItems());
    String uid = d.getMetadata().getUid();
    return sets.stream().filter(rs -> {
      List<OwnerReference> owners = rs.getMetadata().getOwnerReferences();
      return owners != null && owners.stream().anyMatch(o -> "Deployment".equals(o.getKind())
          && d.getMetadata().getName().equals(o.getName())
          && (uid == null || o.getUid() == null || uid.equals(o.getUid())));
    }).toList();
  }

  /** The Deployment's label selector ({@code matchLabels}, sorted), as {@code kubectl} writes it. */
  public static String selector(Deployment d) {
    Map<String, String> match = d.getSpec().getSelector() == null ? null : d.getSpec().getSelector().getMatchLabels();
    return new TreeMap<>(nonNull(match)).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  /** Read-decide-patch again when the deployment changed between our read and our patch (409). */
  public static <T> T withConflictRetry(Supplier<T> attempt) {
    for (int i = 1; ; i++) {
      try {
        return attempt.get();
      } catch (ApplicationFailure f) {
        if (!KubeCalls.CONFLICT.equals(f.getType()) || i >= PATCH_ATTEMPTS) {
          throw f;
        }
      }
    }
  }

  /** The revision an object's annotations record ({@link #REVISION}); 0 when absent or unreadable. */
  public static long revision(Map<String, String> annotations) {
    try {
      return Long.parseLong(nonNull(annotations).getOrDefault(REVISION, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The configured container of the deployment; refuses (non-retryably) a deployment without it. */
  public static Container container(Deployment d, Managed w) {
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> w.container().equals(c.getName()))
        .findFirst()
        .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
            "deployment " + w.namespace() + "/" + w.deployment() + " has no container " + w.container()
                + "; check targets[].kubernetes.container",
            KubeCalls.NOT_FOUND));
  }

  public static int replicas(Deployment d) {
    return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
  }

  public static Map<String, String> annotations(Deployment d) {
    return nonNull(d.getMetadata().getAnnotations());
  }

  public static Map<String, String> templateAnnotations(Deployment d) {
    var meta = d.getSpec().getTemplate().getMetadata();
    return meta == null ? Map.of() : nonNull(meta.getAnnotations());
  }

  // fabric8's model shows an absent map or list as an empty one, while JSON Patch cannot add a key to a map that
  // does not exist: an empty map or list is always written whole.

  public static void putTemplateAnnotation(Deployment d, JsonPatch patch, String key, String value) {
    var meta = d.getSpec().getTemplate().getMetadata();
    if (meta == null) {
      patch.add("/spec/template/metadata", Map.of("annotations", Map.of(key, value)));
    } else if (meta.getAnnotations() == null || meta.getAnnotations().isEmpty()) {
      patch.add("/spec/template/metadata/annotations", Map.of(key, value));
    } else {
      patch.add(JsonPatch.pointer("spec", "template", "metadata", "annotations", key), value);
    }
  }

  public static void putAnnotations(Deployment d, JsonPatch patch, Map<String, String> values) {
    if (d.getMetadata().getAnnotations() == null || d.getMetadata().getAnnotations().isEmpty()) {
      patch.add("/metadata/annotations", new TreeMap<>(values));
      return;
    }
    values.forEach((k, v) -> patch.add(JsonPatch.pointer("metadata", "annotations", k), v));
  }

  /** RFC 3339 in UTC with seconds, as kubectl's {@code time.Now().Format(time.RFC3339)} on a UTC host. */
  public static String rfc3339(Instant t) {
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
  }

  /** An RFC 3339 time; null when absent or unreadable. */
  public static Instant parseTime(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** At most {@code cap} bytes of UTF-8; when the cap cuts a line, the partial line is dropped (it may hold half a secret). */
  public static String bounded(String text, int cap) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= cap) {
      return text;
    }
    String cut = new String(bytes, 0, cap, StandardCharsets.UTF_8);
    int last = cut.lastIndexOf('\n');
    return last < 0 ? "" : cut.substring(0, last + 1);
  }

  /** The map, or a new empty (mutable) one for an absent map. */
  public static <K, V> Map<K, V> nonNull(Map<K, V> m) {
    return m == null ? new LinkedHashMap<>() : m;
  }

  public static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, INVALID_REQUEST);
  }
}
