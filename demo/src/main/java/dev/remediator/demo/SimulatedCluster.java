package dev.remediator.demo;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SIMULATED Kubernetes cluster for the demo — not a cluster. fabric8's mock API server in CRUD mode, on
 * loopback, holds Deployment {@code prod/auth-service} (container {@code auth-service}, env
 * {@code DATABASE_POOL_SIZE=20}, {@code DATABASE_MAX_OVERFLOW=10}, 3 replicas, label {@code app=auth-service}), its
 * ReplicaSets (revisions 1 and 2) and its pods. A small controller thread stands in for the deployment controller:
 * when the pod template changes (a restart annotation, an env change) it creates a new ReplicaSet revision, replaces
 * the pods one by one and writes the status {@code kubectl rollout status} reads, so rollouts complete. It also
 * stands in for the kubelet's log endpoint: pods of the original revision log connection-pool errors, pods created
 * by a rollout log a healthy start. Nothing runs; pods are records.
 */
public final class SimulatedCluster implements DemoCluster {
  public static final String NAMESPACE = "prod";
  public static final String DEPLOYMENT = "auth-service";
  public static final String CONTAINER = "auth-service";
  public static final String POD_SELECTOR = "app=auth-service";
  public static final int REPLICAS = 3;

  /** The {@code kubernetes:} section of the demo target that matches this cluster. */
  public static final String TARGET_YAML =
      "kubernetes: {deployment: " + DEPLOYMENT + ", container: " + CONTAINER + ", podSelector: " + POD_SELECTOR
          + "}";

  static final String REVISION = "deployment.kubernetes.io/revision";
  static final String CHANGE_CAUSE = "kubernetes.io/change-cause";
  static final String HASH_LABEL = "pod-template-hash";
  private static final Pattern LOG_PATH = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(?:\\?(.*))?");
  private static final Duration TICK = Duration.ofMillis(200);
  // The mock server logs every request through java.util.logging; the demo prints its own lines instead.
  private static final Logger MOCK_LOGGER = Logger.getLogger("io.fabric8.mockwebserver");

  private final Map<String, String> logs = new ConcurrentHashMap<>();
  /** Images whose containers crash at start (the Service Down demo's bad rollout). */
  private final java.util.Set<String> brokenImages = ConcurrentHashMap.newKeySet();
  private final AtomicInteger rollouts = new AtomicInteger();
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final ScheduledExecutorService controller;
  private volatile boolean rolloutsHeld;

  private SimulatedCluster() {
    MOCK_LOGGER.setLevel(Level.WARNING);
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, new Dispatcher(responses), false);
    server.init();
    client = server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(1).endConfig());
    controller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "simulated-deployment-controller");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts the API server on a free loopback port, seeds auth-service and starts the controller. */
  public static SimulatedCluster start() {
    SimulatedCluster cluster = new SimulatedCluster();
    try {
      cluster.seed();
      cluster.controller.scheduleWithFixedDelay(cluster::reconcileQuietly, TICK.toMillis(), TICK.toMillis(),
          TimeUnit.MILLISECONDS);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** A client of the simulated API server, for the worker's Kubernetes activities. Closed by {@link #close()}. */
  @Override
  public KubernetesClient client() {
    return client;
  }

  /** The API server's URL, for printing. */
  public String apiUrl() {
    return server.url("/");
  }

  @Override
  public String describe() {
    return "SIMULATED cluster (fabric8 mock API server) at " + apiUrl() + ": deployment " + NAMESPACE + "/" + DEPLOYMENT
        + ", " + REPLICAS + " replicas";
  }

  /** Rollouts the controller has completed since start. */
  @Override
  public int completedRollouts() {
    return rollouts.get();
  }

  /**
   * Holds (true) or lets go (false) the rollouts: while held the controller still observes each change (a new or
   * renumbered ReplicaSet, the revision, {@code observedGeneration}), as the real one does at once, but moves no pod,
   * so a rollout that has begun stays in progress ({@code kubectl rollout status} keeps waiting). For tests that
   * must catch a worker inside the wait.
   */
  public void holdRollouts(boolean held) {
    rolloutsHeld = held;
  }

  /**
   * Rolls out {@code image} the way {@code kubectl set image} does (a new pod-template image and change cause), an
   * image whose containers crash at start: the controller replaces the pods one by one with crash-looping ones (as
   * a {@code Recreate} strategy or readiness-less pods would), so the service goes down. For the Service Down demo.
   */
  @Override
  public void rollOutBrokenImage(String image, String changeCause) {
    brokenImages.add(image);
    client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).edit(d -> {
      d.getMetadata().getAnnotations().put(CHANGE_CAUSE, changeCause);
      container(d.getSpec().getTemplate()).setImage(image);
      return d;
    });
  }

  /** The image the deployment's pod template runs now. */
  @Override
  public String image() {
    return container(deployment().getSpec().getTemplate()).getImage();
  }

  /** Pods that serve: running a working image. */
  @Override
  public int servingPods() {
    return (int) pods().stream().filter(p -> !broken(p)).count();
  }

  /** Pods crash-looping (running a broken image). */
  @Override
  public int crashingPods() {
    return (int) pods().stream().filter(this::broken).count();
  }

  private boolean broken(Pod p) {
    return p.getSpec().getContainers().stream().anyMatch(c -> brokenImages.contains(c.getImage()));
  }

  /** The auth-service container's current env, as the deployment's pod template has it. */
  public Map<String, String> env() {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    for (EnvVar v : container(deployment().getSpec().getTemplate()).getEnv()) {
      env.put(v.getName(), v.getValue());
    }
    return env;
  }

  @Override
  public void close() {
    controller.shutdownNow();
    try {
      controller.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.close();
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      // The mock's Vert.x server waits up to 10 s for its connections to drain and then gives up (seen once in ~80
      // e2e scenarios, after every assertion had passed). Nothing of the cluster is read after close; the port is
      // freed with the JVM, and every stack picks free ports.
      MOCK_LOGGER.warning("simulated cluster: the mock API server did not close within 10 s: " + e.getMessage());
    }
  }

  // ---- seed ---------------------------------------------------------------------------------------------------

  private void seed() {
    Instant now = Instant.now();
    Deployment d = new DeploymentBuilder()
        .withNewMetadata()
        .withName(DEPLOYMENT).withNamespace(NAMESPACE).addToLabels("app", DEPLOYMENT)
        .addToAnnotations(REVISION, "2")
        .addToAnnotations(CHANGE_CAUSE, "upgrade SQLAlchemy to 2.0, sessions per request (#1234)")
        .endMetadata()
        .withNewSpec()
        .withReplicas(REPLICAS)
        .withProgressDeadlineSeconds(600)
        .withNewSelector().addToMatchLabels("app", DEPLOYMENT).endSelector()
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", DEPLOYMENT).endMetadata()
        .withNewSpec()
        .addToContainers(new ContainerBuilder()
            .withName(CONTAINER).withImage("registry.example/auth-service:2.4.1")
            .addNewEnv().withName("LOG_LEVEL").withValue("info").endEnv()
            .addNewEnv().withName("DATABASE_POOL_SIZE").withValue("20").endEnv()
            .addNewEnv().withName("DATABASE_MAX_OVERFLOW").withValue("10").endEnv()
            .addNewPort().withContainerPort(8000).endPort()
            .build())
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    d = client.apps().deployments().inNamespace(NAMESPACE).resource(d).create();

    PodTemplateSpec older = Serialization.clone(d.getSpec().getTemplate());
    container(older).setImage("registry.example/auth-service:2.4.0");
    replicaSet(d, older, 1, "release 2.4.0", 0, now.minus(9, ChronoUnit.DAYS));
    ReplicaSet current = replicaSet(d, d.getSpec().getTemplate(), 2,
        d.getMetadata().getAnnotations().get(CHANGE_CAUSE), REPLICAS, now.minus(6, ChronoUnit.HOURS));
    for (int i = 0; i < REPLICAS; i++) {
      pod(current, true);
    }
    writeStatus(deployment(), REPLICAS, REPLICAS, REPLICAS, true);
  }

  // ---- controller ---------------------------------------------------------------------------------------------

  private void reconcileQuietly() {
    try {
      reconcile();
    } catch (RuntimeException e) {
      // a write raced with the activity's patch (409) or the server is closing: the next tick tries again
    }
  }

  private void reconcile() {
    Deployment d = deployment();
    if (d == null) {
      return;
    }
    String hash = templateHash(d.getSpec().getTemplate());
    List<ReplicaSet> owned = replicaSets();
    ReplicaSet current = owned.stream().filter(rs -> hash.equals(rs.getMetadata().getLabels().get(HASH_LABEL)))
        .findFirst().orElse(null);
    long newest = owned.stream().mapToLong(SimulatedCluster::revision).max().orElse(0);
    if (current != null && revision(current) < newest) {
      // An older revision's template put back (`kubectl rollout undo`): like the deployment controller, that
      // ReplicaSet becomes the newest revision and the Deployment follows.
      String rev = Long.toString(newest + 1);
      current = client.apps().replicaSets().inNamespace(NAMESPACE).withName(current.getMetadata().getName())
          .edit(x -> {
            x.getMetadata().getAnnotations().put(REVISION, rev);
            return x;
          });
      d = client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).edit(x -> {
        x.getMetadata().getAnnotations().put(REVISION, rev);
        return x;
      });
    }
    if (current == null) {
      long revision = newest + 1;
      current = replicaSet(d, d.getSpec().getTemplate(), revision,
          d.getMetadata().getAnnotations().get(CHANGE_CAUSE), 0, Instant.now());
      String rev = Long.toString(revision);
      d = client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).edit(x -> {
        x.getMetadata().getAnnotations().put(REVISION, rev);
        return x;
      });
    }
    int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    List<Pod> pods = pods();
    if (rolloutsHeld) {
      // Observed, not progressing: the status as the pods are.
      if (d.getStatus() == null || d.getStatus().getObservedGeneration() == null
          || d.getStatus().getObservedGeneration() < d.getMetadata().getGeneration()) {
        int updated = (int) pods.stream().filter(p -> hash.equals(p.getMetadata().getLabels().get(HASH_LABEL)))
            .count();
        writeStatus(d, pods.size(), updated, (int) pods.stream().filter(p -> !broken(p)).count(), false);
      }
      return;
    }
    List<Pod> fresh = pods.stream().filter(p -> hash.equals(p.getMetadata().getLabels().get(HASH_LABEL))).toList();
    List<Pod> old = pods.stream().filter(p -> !hash.equals(p.getMetadata().getLabels().get(HASH_LABEL))).toList();
    // One step per tick, surge 1: start a new pod, then retire an old one.
    if (fresh.size() < desired) {
      pod(current, false);
      if (!old.isEmpty()) {
        delete(old.get(0));
      }
    } else if (fresh.size() > desired) {
      delete(fresh.get(0));
    } else if (!old.isEmpty()) {
      delete(old.get(0));
    }
    pods = pods();
    int updated = (int) pods.stream().filter(p -> hash.equals(p.getMetadata().getLabels().get(HASH_LABEL))).count();
    int total = pods.size();
    int serving = (int) pods.stream().filter(p -> !broken(p)).count();
    boolean done = updated == desired && total == desired && serving == total;
    for (ReplicaSet rs : replicaSets()) {
      boolean isCurrent = rs.getMetadata().getName().equals(current.getMetadata().getName());
      int want = isCurrent ? updated : total - updated;
      if (!Integer.valueOf(want).equals(rs.getSpec().getReplicas())) {
        client.apps().replicaSets().inNamespace(NAMESPACE).withName(rs.getMetadata().getName()).edit(x -> {
          x.getSpec().setReplicas(want);
          return x;
        });
      }
    }
    DeploymentStatus before = d.getStatus();
    boolean wasDone = before != null && before.getObservedGeneration() != null
        && before.getObservedGeneration() >= d.getMetadata().getGeneration()
        && Integer.valueOf(desired).equals(before.getUpdatedReplicas())
        && Integer.valueOf(desired).equals(before.getReplicas());
    if (!(done && wasDone)) {
      writeStatus(d, total, updated, serving, done);
      if (done) {
        rollouts.incrementAndGet();
      }
    }
  }

  private void writeStatus(Deployment d, int total, int updated, int serving, boolean done) {
    long generation = d.getMetadata().getGeneration();
    DeploymentStatus status = new DeploymentStatusBuilder()
        .withObservedGeneration(generation)
        .withReplicas(total)
        .withUpdatedReplicas(updated)
        .withReadyReplicas(serving)
        .withAvailableReplicas(serving)
        .withConditions(
            new DeploymentConditionBuilder().withType("Available").withStatus(serving > 0 ? "True" : "False")
                .withReason(serving > 0 ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable").build(),
            new DeploymentConditionBuilder().withType("Progressing").withStatus("True")
                .withReason(done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated").build())
        .build();
    client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).editStatus(x -> {
      x.setStatus(status);
      return x;
    });
  }

  private ReplicaSet replicaSet(
      Deployment d, PodTemplateSpec template, long revision, String cause, int replicas, Instant created) {
    String hash = templateHash(template);
    PodTemplateSpec labelled = Serialization.clone(template);
    labelled.getMetadata().getLabels().put(HASH_LABEL, hash);
    ObjectMetaBuilder meta = new ObjectMetaBuilder()
        .withName(DEPLOYMENT + "-" + hash).withNamespace(NAMESPACE)
        .withCreationTimestamp(created.truncatedTo(ChronoUnit.SECONDS).toString())
        .addToLabels("app", DEPLOYMENT).addToLabels(HASH_LABEL, hash)
        .addToAnnotations(REVISION, Long.toString(revision))
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
            .withName(DEPLOYMENT).withUid(d.getMetadata().getUid()).withController(true).build());
    if (cause != null) {
      meta.addToAnnotations(CHANGE_CAUSE, cause);
    }
    return client.apps().replicaSets().inNamespace(NAMESPACE).resource(new ReplicaSetBuilder()
        .withMetadata(meta.build())
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", DEPLOYMENT).addToMatchLabels(HASH_LABEL, hash).endSelector()
        .withTemplate(labelled)
        .endSpec()
        .build()).create();
  }

  private void pod(ReplicaSet rs, boolean leaking) {
    String name = rs.getMetadata().getName() + "-" + Long.toString(System.nanoTime() % 60_466_176L, 36);
    PodTemplateSpec template = rs.getSpec().getTemplate();
    String image = container(template).getImage();
    boolean crashes = brokenImages.contains(image);
    client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
        .withNewMetadata()
        .withName(name).withNamespace(NAMESPACE).withLabels(template.getMetadata().getLabels())
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet")
            .withName(rs.getMetadata().getName()).withUid(rs.getMetadata().getUid()).withController(true).build())
        .endMetadata()
        .withSpec(Serialization.clone(template.getSpec()))
        .withNewStatus().withPhase("Running")
        .addNewCondition().withType("Ready").withStatus(crashes ? "False" : "True").endCondition()
        .addToContainerStatuses(crashes
            ? new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName(CONTAINER).withImage(image)
                .withReady(false).withRestartCount(4)
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
                .withMessage("back-off 1m20s restarting failed container=" + CONTAINER + " pod=" + name)
                .endWaiting().endState()
                .withNewLastState().withNewTerminated().withReason("Error").withExitCode(1).endTerminated()
                .endLastState().build()
            : new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName(CONTAINER).withImage(image)
                .withReady(true).withRestartCount(0)
                .withNewState().withNewRunning().withStartedAt(Instant.now().toString()).endRunning().endState()
                .build())
        .endStatus()
        .build()).create();
    Map<String, String> env = new HashMap<>();
    for (EnvVar v : container(template).getEnv()) {
      env.put(v.getName(), v.getValue());
    }
    logs.put(NAMESPACE + "/" + name, crashes ? crashLog(image) : leaking ? leakingLog(env) : healthyLog(env));
  }

  private void delete(Pod pod) {
    client.pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName()).delete();
    logs.remove(NAMESPACE + "/" + pod.getMetadata().getName());
  }

  private Deployment deployment() {
    return client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
  }

  private List<ReplicaSet> replicaSets() {
    return client.apps().replicaSets().inNamespace(NAMESPACE)
        .list(new ListOptionsBuilder().withLabelSelector(POD_SELECTOR).build()).getItems().stream()
        .filter(rs -> rs.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> DEPLOYMENT.equals(o.getName()) && "Deployment".equals(o.getKind())))
        .toList();
  }

  private List<Pod> pods() {
    return client.pods().inNamespace(NAMESPACE)
        .list(new ListOptionsBuilder().withLabelSelector(POD_SELECTOR).build()).getItems().stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();
  }

  private static long revision(ReplicaSet rs) {
    try {
      return Long.parseLong(rs.getMetadata().getAnnotations().getOrDefault(REVISION, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static io.fabric8.kubernetes.api.model.Container container(PodTemplateSpec template) {
    return template.getSpec().getContainers().stream().filter(c -> CONTAINER.equals(c.getName())).findFirst()
        .orElseThrow();
  }

  /** Like the deployment controller's pod-template-hash: changes whenever the pod template changes. */
  static String templateHash(PodTemplateSpec template) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- logs ---------------------------------------------------------------------------------------------------

  /** The last 25 minutes of a pod of the leaking revision: one line every 20 s, pool errors among requests. */
  static String leakingLog(Map<String, String> env) {
    String size = env.getOrDefault("DATABASE_POOL_SIZE", "5");
    String overflow = env.getOrDefault("DATABASE_MAX_OVERFLOW", "10");
    int capacity = Integer.parseInt(size) + Integer.parseInt(overflow);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    StringBuilder b = new StringBuilder();
    for (int i = 75; i > 0; i--) {
      String at = now.minusSeconds(i * 20L).toString();
      String line = switch (i % 10) {
        case 0 -> "ERROR Connection pool exhausted: " + capacity + "/" + capacity + " connections checked out"
            + " (DATABASE_POOL_SIZE=" + size + ", DATABASE_MAX_OVERFLOW=" + overflow + ")";
        case 3 -> "ERROR sqlalchemy.exc.TimeoutError: QueuePool limit of size " + size + " overflow " + overflow
            + " reached, connection timed out, timeout 30.00";
        case 5 -> "ERROR Connection timeout: no database connection available within 30s for POST /login";
        case 7 -> "WARN retrying database connect with dsn postgresql://auth_service:demo-s3cret@authdb.prod.svc:5432"
            + "/authdb";
        case 9 -> i == 69 ? "ERROR psycopg2.OperationalError: FATAL: too many connections for role \"auth_service\""
            : "INFO POST /token 200 41ms";
        default -> "INFO GET /login 200 " + (12 + i % 7) + "ms";
      };
      b.append(at).append(' ').append(line).append('\n');
    }
    return b.toString();
  }

  /** The previous log of a container of a broken image: it fails at start, every time. */
  static String crashLog(String image) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return now + " INFO starting auth-service " + image.substring(image.lastIndexOf(':') + 1) + "\n"
        + now + " ERROR Exception in thread \"main\" java.lang.IllegalStateException: unknown setting"
        + " TOKEN_SIGNING_ALGORITHM=ES512 in the new token module\n"
        + now + " FATAL auth-service exited with status 1\n";
  }

  /** A pod started by a rollout: a clean start with the pool settings it was given. */
  static String healthyLog(Map<String, String> env) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return now + " INFO starting auth-service 2.4.1\n"
        + now + " INFO database pool ready (size=" + env.get("DATABASE_POOL_SIZE") + ", overflow="
        + env.get("DATABASE_MAX_OVERFLOW") + ")\n"
        + now + " INFO listening on :8000\n";
  }

  /** The kubelet's log endpoint, with its query parameters {@code sinceSeconds}, {@code tailLines}, {@code limitBytes}. */
  private final class Dispatcher extends KubernetesMixedDispatcher {
    Dispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
      super(responses);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      Matcher m = LOG_PATH.matcher(request.getPath());
      if (!"GET".equals(request.getMethod()) || !m.matches()) {
        return super.dispatch(request);
      }
      String text = logs.get(m.group(1) + "/" + m.group(2));
      if (text == null) {
        return new MockResponse().setResponseCode(404).setBody(Serialization.asJson(new StatusBuilder()
            .withKind("Status").withApiVersion("v1").withStatus("Failure").withCode(404).withReason("NotFound")
            .withMessage("pods \"" + m.group(2) + "\" not found").build()));
      }
      Map<String, String> query = new HashMap<>();
      if (m.group(3) != null) {
        for (String pair : m.group(3).split("&")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
      }
      List<String> lines = new ArrayList<>(List.of(text.split("\n")));
      if (query.containsKey("sinceSeconds")) {
        Instant since = Instant.now().minusSeconds(Long.parseLong(query.get("sinceSeconds")));
        lines.removeIf(l -> Instant.parse(l.substring(0, l.indexOf(' '))).isBefore(since));
      }
      if (query.containsKey("tailLines")) {
        int tail = Integer.parseInt(query.get("tailLines"));
        lines = lines.subList(Math.max(0, lines.size() - tail), lines.size());
      }
      String body = lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
      if (query.containsKey("limitBytes")) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        int limit = Integer.parseInt(query.get("limitBytes"));
        if (bytes.length > limit) {
          body = new String(bytes, 0, limit, StandardCharsets.UTF_8);
        }
      }
      return new MockResponse().setResponseCode(200).setBody(body);
    }
  }
}
