package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.KubeCalls.DEPLOYMENTS;
import static dev.remediator.kubernetes.KubeCalls.PODS;
import static dev.remediator.kubernetes.KubeCalls.POD_LOGS;
import static dev.remediator.kubernetes.KubeCalls.REPLICA_SETS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.TargetConfig;
import dev.remediator.config.Durations;
import dev.remediator.incident.KubernetesActivities;
import dev.remediator.incident.LogSummary;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.PoolSettings.EnvValue;
import dev.remediator.incident.RestartResult;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.incident.Target;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KubernetesActivities} with the fabric8 client. Every method first resolves the target from configuration
 * (refusing unconfigured targets and targets without {@code kubernetes.deployment} before any call), then touches
 * only that namespace's deployment, its ReplicaSets and the pods of the configured selector.
 */
public class KubernetesActivitiesImpl implements KubernetesActivities {
  /** The pod-template annotation {@code kubectl rollout restart} sets. */
  public static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
  /** Deployment annotation: the request ID of the last restart Remediator made (idempotency key). */
  public static final String RESTART_REQUEST = "remediator.dev/restart-request";
  /** Deployment annotation: the {@link #RESTARTED_AT} value that restart set. */
  public static final String RESTART_REQUESTED_AT = "remediator.dev/restart-requested-at";
  /** Deployment annotation: pool env values from before Remediator's outstanding change (JSON, null = absent). */
  public static final String POOL_PREVIOUS = "remediator.dev/pool-previous";
  /** Deployment annotation: pool env values Remediator's outstanding change set (JSON), so the revert is not blind. */
  public static final String POOL_SET = "remediator.dev/pool-set";
  static final String REVISION = "deployment.kubernetes.io/revision";
  static final String CHANGE_CAUSE = "kubernetes.io/change-cause";

  public static final String NOT_CONFIGURED = "KubernetesNotConfigured";
  public static final String INVALID_REQUEST = "InvalidRequest";

  static final int MAX_PODS = 10;
  static final int MAX_LOG_BYTES_PER_POD = 256 * 1024;
  static final int MAX_LOG_LINES_PER_POD = 5000;
  static final int MAX_REVISIONS = 20;
  private static final int PATCH_ATTEMPTS = 3;
  private static final Pattern POSITIVE_INTEGER = Pattern.compile("[1-9][0-9]{0,5}");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesActivitiesImpl.class);

  private final TargetDirectory targets;
  private final Supplier<KubernetesClient> client;
  private final Duration pollInterval;

  /** With a client the caller owns (and closes). */
  public KubernetesActivitiesImpl(TargetDirectory targets, KubernetesClient client) {
    this(targets, () -> client, Duration.ofSeconds(2));
  }

  /**
   * @param client supplies the client on first use (e.g. {@link KubernetesClients#lazyFromEnvironment()}), so a
   *     worker without Kubernetes targets never builds one
   * @param pollInterval how often {@link #awaitRollout} looks at the deployment (and heartbeats)
   */
  public KubernetesActivitiesImpl(
      TargetDirectory targets, Supplier<KubernetesClient> client, Duration pollInterval) {
    this.targets = targets;
    this.client = client;
    this.pollInterval = pollInterval;
  }

  /** The configured Deployment of a target (what the pool runbook restarts and resizes). */
  private record Managed(
      String namespace, String deployment, String container, List<String> poolEnv, String podSelector) {}

  private Managed managed(Target target) {
    TargetConfig config = targets.require(target);
    if (!hasDeployment(config)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "target " + target.id() + " has no kubernetes.deployment configured; refusing to act on the cluster",
          NOT_CONFIGURED);
    }
    TargetConfig.Kubernetes k = config.kubernetes();
    return new Managed(
        config.namespace(), k.deployment(), k.containerOrDefault(), k.poolEnvOrDefault(), k.podSelector());
  }

  private static boolean hasDeployment(TargetConfig config) {
    TargetConfig.Kubernetes k = config.kubernetes();
    return k != null && k.deployment() != null && !k.deployment().isBlank();
  }

  // ---- restart ------------------------------------------------------------------------------------------------

  @Override
  public RestartResult rollingRestart(Target target, String requestId, Duration cooldown) {
    Managed w = managed(target);
    if (requestId == null || requestId.isBlank()) {
      throw invalid("rollingRestart needs a requestId (idempotency key)");
    }
    if (cooldown == null || cooldown.isNegative()) {
      throw invalid("rollingRestart needs a cooldown of zero or more, got " + cooldown);
    }
    return withConflictRetry(
        () -> {
          Deployment d = deployment(w);
          Map<String, String> annotations = nonNull(d.getMetadata().getAnnotations());
          if (requestId.equals(annotations.get(RESTART_REQUEST))) {
            String at = annotations.getOrDefault(RESTART_REQUESTED_AT, templateAnnotations(d).get(RESTARTED_AT));
            return new RestartResult(true, at, null);
          }
          String name = w.namespace() + "/" + w.deployment();
          if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            return refused("deployment " + name + " is paused; a restart would not roll out (kubectl rollout resume"
                + " first)");
          }
          RolloutStatus rollout = Rollouts.judge(d);
          if (rollout.failed()) {
            return refused("the last rollout of deployment " + name + " failed (" + rollout.message()
                + "); a restart would not help — escalate");
          }
          String inProgress = Rollouts.inProgress(d);
          if (inProgress != null) {
            return refused("a rollout of deployment " + name + " is in progress: " + inProgress);
          }
          Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
          String last = templateAnnotations(d).get(RESTARTED_AT);
          Instant lastAt = parseTime(last);
          if (lastAt != null && lastAt.plus(cooldown).isAfter(now)) {
            return refused("deployment " + name + " was restarted at " + last + ", "
                + elapsed(Duration.between(lastAt, now)) + " ago; the cooldown is " + Durations.format(cooldown) + ", next restart allowed after "
                + rfc3339(lastAt.plus(cooldown)));
          }
          String restartedAt = rfc3339(now);
          JsonPatch patch = new JsonPatch().resourceVersion(d.getMetadata().getResourceVersion());
          putTemplateAnnotation(d, patch, RESTARTED_AT, restartedAt);
          Map<String, String> mine = new LinkedHashMap<>();
          mine.put(RESTART_REQUEST, requestId);
          mine.put(RESTART_REQUESTED_AT, restartedAt);
          putAnnotations(d, patch, mine);
          patch(w, patch);
          return new RestartResult(true, restartedAt, null);
        });
  }

  private static RestartResult refused(String reason) {
    return new RestartResult(false, null, reason);
  }

  /** RFC 3339 in UTC with seconds, as kubectl's {@code time.Now().Format(time.RFC3339)} on a UTC host. */
  static String rfc3339(Instant t) {
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
  }

  /** Like Go's Duration.String for whole seconds: {@code 5m1s}, {@code 2h0m3s}, {@code 45s}. */
  static String elapsed(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m" + s % 60 + "s";
    }
    return s / 3600 + "h" + s % 3600 / 60 + "m" + s % 60 + "s";
  }

  private static Instant parseTime(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  // ---- rollout status -----------------------------------------------------------------------------------------

  @Override
  public RolloutStatus awaitRollout(Target target, Duration timeout) {
    Managed w = managed(target);
    if (timeout == null || timeout.isNegative()) {
      throw invalid("awaitRollout needs a timeout of zero or more, got " + timeout);
    }
    ActivityExecutionContext activity = Activity.getExecutionContext();
    // A retried attempt (e.g. after the first worker died) keeps the first attempt's deadline.
    long deadline =
        activity.getHeartbeatDetails(Long.class).orElseGet(() -> System.currentTimeMillis() + timeout.toMillis());
    while (true) {
      RolloutStatus status = Rollouts.judge(deployment(w));
      if (status.complete() || status.failed()) {
        return status;
      }
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return new RolloutStatus(
            false, false, status.desiredReplicas(), status.updatedReplicas(), status.availableReplicas(),
            "timed out after " + Durations.format(timeout) + ": " + status.message());
      }
      activity.heartbeat(deadline); // throws when the workflow cancelled the activity or it timed out
      try {
        Thread.sleep(Math.min(left, pollInterval.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplicationFailure.newFailureWithCause("interrupted while waiting for the rollout", "Interrupted", e);
      }
    }
  }

  // ---- pool settings ------------------------------------------------------------------------------------------

  @Override
  public PoolSettings poolSettings(Target target) {
    if (!hasDeployment(targets.require(target))) {
      // A target without Kubernetes is a normal configuration (the database alone): one INFO line, no failure, so
      // no stack trace from the worker and no retry. The actions that need the cluster still refuse (managed).
      String reason = "target " + target.id() + " has no kubernetes.deployment configured";
      LOG.info("{}: pool settings not read; restart and pool changes are unavailable for its incidents", reason);
      return PoolSettings.notConfigured(reason);
    }
    Managed w = managed(target);
    Deployment d = deployment(w);
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
    Managed w = managed(target);
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
          Deployment d = deployment(w);
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
            patch(w, patch);
          }
          return new PoolSettings(replicas(d), previous);
        });
  }

  @Override
  public PoolSettings restorePoolSettings(Target target, PoolSettings previous) {
    Managed w = managed(target);
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
          Deployment d = deployment(w);
          Container c = container(d, w);
          Map<String, String> setByUs = new LinkedHashMap<>(setByUs(d));
          Map<String, String> annotations = nonNull(d.getMetadata().getAnnotations());
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
            d = patch(w, patch);
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
   * Refuses (non-retryable, {@link KubernetesActivities#ROLLOUT_IN_PROGRESS}) a template change while the deployment
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
      throw ApplicationFailure.newNonRetryableFailure(why, KubernetesActivities.ROLLOUT_IN_PROGRESS);
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
          INVALID_REQUEST);
    }
  }

  private static String json(Map<String, String> values) {
    try {
      return JSON.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- logs ---------------------------------------------------------------------------------------------------

  @Override
  public LogSummary errorLogs(Target target, Duration since) {
    Managed w = managed(target);
    if (since == null || since.isNegative() || since.isZero()) {
      throw invalid("errorLogs needs a positive window, got " + since);
    }
    String selector = w.podSelector();
    if (selector == null || selector.isBlank()) {
      Map<String, String> match = deployment(w).getSpec().getSelector().getMatchLabels();
      selector = new TreeMap<>(nonNull(match)).entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining(","));
    }
    String labelSelector = selector;
    List<Pod> pods = KubeCalls.call("list", PODS, w.namespace(), null,
        () -> kube().pods().inNamespace(w.namespace())
            .list(new ListOptionsBuilder().withLabelSelector(labelSelector).build())
            .getItems());
    List<Pod> sorted = pods.stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .limit(MAX_PODS)
        .toList();
    int sinceSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (since.toMillis() + 999) / 1000));
    LogScan scan = new LogScan();
    int read = 0;
    for (Pod pod : sorted) {
      String text = podLog(w, pod, sinceSeconds);
      if (text != null) {
        scan.scan(pod.getMetadata().getName(), text);
        read++;
      }
    }
    return scan.summary(read);
  }

  /** At most {@link #MAX_LOG_BYTES_PER_POD} of one pod's log; null when the pod has no log to read (gone, not started). */
  private String podLog(Managed w, Pod pod, int sinceSeconds) {
    String name = pod.getMetadata().getName();
    List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
    String container = containers.stream().anyMatch(c -> w.container().equals(c.getName()))
        ? w.container()
        : containers.size() == 1 ? containers.get(0).getName() : w.container();
    try {
      // limitBytes makes the API server stop at the cap; the text is cut again here in case a server ignores it.
      String text = kube().pods().inNamespace(w.namespace()).withName(name).inContainer(container)
          .withReadyWaitTimeout(0)
          .limitBytes(MAX_LOG_BYTES_PER_POD)
          .sinceSeconds(sinceSeconds)
          .tailingLines(MAX_LOG_LINES_PER_POD)
          .getLog();
      return bounded(text == null ? "" : text, MAX_LOG_BYTES_PER_POD);
    } catch (KubernetesClientException e) {
      // 404: the pod went away meanwhile (rollouts replace pods); 400: its container has not started yet
      // ("is waiting to start"). Neither is a reason to lose the other pods' logs.
      if (e.getCode() == 404 || e.getCode() == 400) {
        return null;
      }
      throw KubeCalls.failure(e, "get", POD_LOGS, w.namespace(), name);
    }
  }

  /** At most {@code cap} bytes of UTF-8; when the cap cuts a line, the partial line is dropped (it may hold half a secret). */
  static String bounded(String text, int cap) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= cap) {
      return text;
    }
    String cut = new String(bytes, 0, cap, StandardCharsets.UTF_8);
    int last = cut.lastIndexOf('\n');
    return last < 0 ? "" : cut.substring(0, last + 1);
  }

  // ---- history ------------------------------------------------------------------------------------------------

  @Override
  public List<RolloutRevision> recentChanges(Target target, int limit) {
    Managed w = managed(target);
    if (limit < 1) {
      throw invalid("recentChanges needs a limit of at least 1, got " + limit);
    }
    Deployment d = deployment(w);
    Map<String, String> match = nonNull(d.getSpec().getSelector().getMatchLabels());
    String selector = new TreeMap<>(match).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
    List<ReplicaSet> sets = KubeCalls.call("list", REPLICA_SETS, w.namespace(), null,
        () -> kube().apps().replicaSets().inNamespace(w.namespace())
            .list(new ListOptionsBuilder().withLabelSelector(selector).build())
            .getItems());
    return sets.stream()
        .filter(rs -> ownedBy(rs, d))
        .map(KubernetesActivitiesImpl::revision)
        .sorted(Comparator.comparingLong(RolloutRevision::revision).reversed()
            .thenComparing(RolloutRevision::createdAt, Comparator.nullsLast(Comparator.reverseOrder())))
        .limit(Math.min(limit, MAX_REVISIONS))
        .toList();
  }

  private static boolean ownedBy(ReplicaSet rs, Deployment d) {
    List<OwnerReference> owners = rs.getMetadata().getOwnerReferences();
    if (owners == null) {
      return false;
    }
    String uid = d.getMetadata().getUid();
    return owners.stream().anyMatch(o -> "Deployment".equals(o.getKind())
        && d.getMetadata().getName().equals(o.getName())
        && (uid == null || o.getUid() == null || uid.equals(o.getUid())));
  }

  private static RolloutRevision revision(ReplicaSet rs) {
    Map<String, String> annotations = nonNull(rs.getMetadata().getAnnotations());
    long revision;
    try {
      revision = Long.parseLong(annotations.getOrDefault(REVISION, "0"));
    } catch (NumberFormatException e) {
      revision = 0;
    }
    List<String> images = rs.getSpec() == null || rs.getSpec().getTemplate() == null
        ? List.of()
        : rs.getSpec().getTemplate().getSpec().getContainers().stream().map(Container::getImage).toList();
    int replicas = rs.getSpec() == null || rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    return new RolloutRevision(
        revision, rs.getMetadata().getCreationTimestamp(), annotations.get(CHANGE_CAUSE), images, replicas);
  }

  // ---- shared -------------------------------------------------------------------------------------------------

  private KubernetesClient kube() {
    return client.get();
  }

  private Deployment deployment(Managed w) {
    Deployment d = KubeCalls.call("get", DEPLOYMENTS, w.namespace(), w.deployment(),
        () -> kube().apps().deployments().inNamespace(w.namespace()).withName(w.deployment()).get());
    if (d == null) {
      throw KubeCalls.notFound(DEPLOYMENTS, w.namespace(), w.deployment());
    }
    return d;
  }

  private Deployment patch(Managed w, JsonPatch patch) {
    return KubeCalls.call("patch", DEPLOYMENTS, w.namespace(), w.deployment(),
        () -> kube().apps().deployments().inNamespace(w.namespace()).withName(w.deployment())
            .patch(PatchContext.of(PatchType.JSON), patch.toJson()));
  }

  /** Read-decide-patch again when the deployment changed between our read and our patch (409). */
  private static <T> T withConflictRetry(Supplier<T> attempt) {
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

  private static Container container(Deployment d, Managed w) {
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> w.container().equals(c.getName()))
        .findFirst()
        .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
            "deployment " + w.namespace() + "/" + w.deployment() + " has no container " + w.container()
                + "; check targets[].kubernetes.container",
            KubeCalls.NOT_FOUND));
  }

  private static int replicas(Deployment d) {
    return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
  }

  private static Map<String, String> templateAnnotations(Deployment d) {
    var meta = d.getSpec().getTemplate().getMetadata();
    return meta == null ? Map.of() : nonNull(meta.getAnnotations());
  }

  // fabric8's model shows an absent map or list as an empty one, while JSON Patch cannot add a key to a map that
  // does not exist: an empty map or list is always written whole.

  private static void putTemplateAnnotation(Deployment d, JsonPatch patch, String key, String value) {
    var meta = d.getSpec().getTemplate().getMetadata();
    if (meta == null) {
      patch.add("/spec/template/metadata", Map.of("annotations", Map.of(key, value)));
    } else if (meta.getAnnotations() == null || meta.getAnnotations().isEmpty()) {
      patch.add("/spec/template/metadata/annotations", Map.of(key, value));
    } else {
      patch.add(JsonPatch.pointer("spec", "template", "metadata", "annotations", key), value);
    }
  }

  private static void putAnnotations(Deployment d, JsonPatch patch, Map<String, String> values) {
    if (d.getMetadata().getAnnotations() == null || d.getMetadata().getAnnotations().isEmpty()) {
      patch.add("/metadata/annotations", new TreeMap<>(values));
      return;
    }
    values.forEach((k, v) -> patch.add(JsonPatch.pointer("metadata", "annotations", k), v));
  }

  private static <K, V> Map<K, V> nonNull(Map<K, V> m) {
    return m == null ? new HashMap<>() : m;
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, INVALID_REQUEST);
  }
}
