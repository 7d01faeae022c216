package dev.remediator.kubeplane;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real Kubernetes control plane for tests (issue 28): etcd, kube-apiserver (RBAC, token authentication),
 * kube-controller-manager, kube-scheduler and KWOK (one fake node; pods without a kubelet, through the stages that
 * {@code scripts/install-kube-control-plane.sh} writes) as processes on free loopback ports, in a temporary directory.
 * deploy/kubernetes's prod overlay is rendered ({@code kubectl kustomize}) and its Namespaces, ServiceAccounts and RBAC
 * applied server-side; {@link #worker()} is a client with the {@code remediator-worker} ServiceAccount's own token
 * (TokenRequest), so every call is checked against the Role in deploy/.
 *
 * <p>{@link #start()} starts one; {@link #close()} stops it by PID: every process and its descendants, waiting until
 * each has exited (a shutdown hook does the same if the JVM ends first). The binaries are looked up in
 * {@code $REMEDIATOR_KUBE_DIR}, else {@code $REMEDIATOR_KUBE_CACHE}, else {@code ~/.cache/remediator/kube-1.34.4}.
 * Tests use {@link ControlPlaneExtension} (one instance per test run, skipped with a visible line without the
 * binaries unless {@code REMEDIATOR_REQUIRE_KUBE=true}); {@code ./remediator demo --kubernetes=real} starts its own.
 */
public final class ControlPlane implements AutoCloseable {
  public static final String REQUIRE_PROPERTY = "remediator.requireKube";
  public static final String REQUIRE_ENV = "REMEDIATOR_REQUIRE_KUBE";
  public static final String KUBE_VERSION = "1.34.4";
  public static final String NODE = "kwok-node-0";
  public static final String WORKER_NAMESPACE = "remediator";
  public static final String WORKER = "remediator-worker";
  /** The target namespace deploy/'s Role is written for; the application runs there. */
  public static final String TARGET_NAMESPACE = "prod";
  public static final List<String> BINARIES =
      List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kubectl");
  public static final List<String> STAGES = List.of("node-fast.yaml", "pod-fast.yaml", "pod-crashloop.yaml");
  /** What is applied from deploy/'s rendered overlay, in this order. */
  private static final List<String> APPLY_ORDER =
      List.of("Namespace", "ServiceAccount", "ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding");
  private static final Duration START_DEADLINE = Duration.ofSeconds(180);
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);

  private final Path home;
  private final Path dir;
  private final List<Started> processes = new ArrayList<>();
  private final String adminToken = token();
  private final List<KubernetesClient> clients = new ArrayList<>();
  private int apiPort;
  private KubernetesClient admin;
  private KubernetesClient worker;
  private String workerToken;
  /** Seconds each step took to become ready, for the log and the docs. */
  public final Map<String, Long> startMillis = new java.util.LinkedHashMap<>();

  private record Started(String name, Process process, Path log) {}

  private ControlPlane(Path home) throws IOException {
    this.home = home;
    this.dir = Files.createTempDirectory("remediator-kube-");
  }

  // ---- locating the binaries and starting --------------------------------------------------------------------

  /**
   * Starts a control plane from the installed binaries, or throws {@link IllegalStateException} saying what is
   * missing and how to get it. The caller closes it; a shutdown hook closes it too if the JVM ends first.
   */
  public static ControlPlane start() {
    Path home = locate().orElseThrow(() -> new IllegalStateException(unavailableReason()));
    ControlPlane cp;
    try {
      cp = new ControlPlane(home);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(cp::close, "kube-control-plane-stop"));
    try {
      cp.startProcesses();
    } catch (RuntimeException e) {
      cp.close();
      throw e;
    }
    return cp;
  }

  /**
   * Set (to anything but {@code false}) by {@code .ci/run} while it builds the binaries beside the main test run: the
   * real-Kubernetes tests are skipped there and run in a pass of their own once the build is done.
   */
  public static final String DEFER_ENV = "REMEDIATOR_KUBE_DEFERRED";

  /**
   * Why {@link #start()} cannot start one here, or null when the binaries and stages are all installed (and the
   * tests are not deferred by {@value #DEFER_ENV}).
   */
  public static String unavailableReason() {
    String deferred = System.getenv(DEFER_ENV);
    if (deferred != null && !deferred.isBlank() && !deferred.trim().equalsIgnoreCase("false")) {
      return DEFER_ENV + " is set: the real-Kubernetes tests run in a pass of their own once the control plane is built";
    }
    Path home = expectedHome();
    String missing = missing(home);
    return missing.isEmpty() ? null : "no Kubernetes control plane binaries in " + home + " (" + missing
        + "): scripts/install-kube-control-plane.sh builds them (Go module proxy, many minutes cold)";
  }

  public static Path expectedHome() {
    String dir = System.getenv("REMEDIATOR_KUBE_DIR");
    if (dir == null || dir.isBlank()) {
      dir = System.getenv("REMEDIATOR_KUBE_CACHE");
    }
    if (dir == null || dir.isBlank()) {
      return Path.of(System.getProperty("user.home"), ".cache", "remediator", "kube-" + KUBE_VERSION);
    }
    return Path.of(dir.trim());
  }

  private static String missing(Path home) {
    List<String> missing = new ArrayList<>();
    BINARIES.stream().filter(b -> !Files.isExecutable(home.resolve("bin").resolve(b))).forEach(missing::add);
    STAGES.stream().filter(s -> !Files.isRegularFile(home.resolve("stages").resolve(s))).forEach(missing::add);
    return missing.isEmpty() ? "" : "missing " + String.join(", ", missing);
  }

  private static Optional<Path> locate() {
    Path home = expectedHome();
    return missing(home).isEmpty() ? Optional.of(home) : Optional.empty();
  }

  // ---- clients ----------------------------------------------------------------------------------------------------

  /** Cluster admin (system:masters): for the test's own setup and checks, never for the code under test. */
  public KubernetesClient admin() {
    return admin;
  }

  /** The {@code remediator-worker} ServiceAccount, as deploy/ binds it (its TokenRequest token). */
  public KubernetesClient worker() {
    return worker;
  }

  public String apiServerUrl() {
    return "https://127.0.0.1:" + apiPort;
  }

  /** A kubeconfig for the admin (for kubectl in tests). */
  public Path adminKubeconfig() {
    return dir.resolve("admin.kubeconfig");
  }

  /**
   * A kubeconfig for the {@code remediator-worker} ServiceAccount (its TokenRequest token, the API server's CA,
   * namespace {@code prod}), as a real deployment hands the worker its credentials: for a worker process's
   * {@code KUBECONFIG}. Written on first use, in the control plane's directory.
   */
  public synchronized Path workerKubeconfig() {
    Path file = dir.resolve("worker.kubeconfig");
    if (!Files.isRegularFile(file)) {
      try {
        String ca = Base64.getEncoder().encodeToString(
            Files.readAllBytes(dir.resolve("pki").resolve("apiserver.crt")));
        Files.writeString(file, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster: {server: "%s", certificate-authority-data: "%s"}
            users:
            - name: %s
              user: {token: "%s"}
            contexts:
            - name: test
              context: {cluster: test, user: %s, namespace: %s}
            current-context: test
            """.formatted(apiServerUrl(), ca, WORKER, workerToken, WORKER, TARGET_NAMESPACE));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return file;
  }

  public Path kubectl() {
    return home.resolve("bin").resolve("kubectl");
  }

  /** The same bounded I/O as {@code KubernetesClients.fromEnvironment()}. */
  private KubernetesClient client(String token) {
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(apiServerUrl())
        .withOauthToken(token)
        .withCaCertFile(dir.resolve("pki").resolve("apiserver.crt").toString())
        .withConnectionTimeout(5_000)
        .withRequestTimeout(15_000)
        .withRequestRetryBackoffLimit(2)
        .withRequestRetryBackoffInterval(250)
        .build();
    KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
    clients.add(c);
    return c;
  }

  // ---- start ------------------------------------------------------------------------------------------------------

  private void startProcesses() {
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(dir.resolve("logs"));
      Files.createDirectories(dir.resolve("pki"));
      writeServiceAccountKeys();
      Files.writeString(dir.resolve("tokens.csv"), adminToken + ",remediator-test-admin,uid-admin,system:masters\n");
      joinStages();

      int etcdPort = freePort();
      int peerPort = freePort();
      apiPort = freePort();
      String etcd = "http://127.0.0.1:" + etcdPort;
      String peer = "http://127.0.0.1:" + peerPort;
      step("etcd", () -> launch("etcd", List.of(
          "--name=remediator-test", "--data-dir=" + dir.resolve("etcd"),
          "--listen-client-urls=" + etcd, "--advertise-client-urls=" + etcd,
          "--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
          "--initial-cluster=remediator-test=" + peer, "--unsafe-no-fsync=true", "--log-level=warn")),
          () -> httpOk(etcd + "/health", null).filter(b -> b.contains("\"health\":\"true\"")).isPresent());

      step("kube-apiserver", () -> launch("kube-apiserver", List.of(
          "--etcd-servers=" + etcd, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
          "--secure-port=" + apiPort, "--cert-dir=" + dir.resolve("pki"),
          "--service-account-issuer=https://kubernetes.default.svc",
          "--service-account-key-file=" + dir.resolve("sa.pub"),
          "--service-account-signing-key-file=" + dir.resolve("sa.key"),
          "--token-auth-file=" + dir.resolve("tokens.csv"), "--authorization-mode=Node,RBAC",
          "--service-cluster-ip-range=10.96.0.0/16", "--profiling=false", "--enable-priority-and-fairness=false")),
          () -> Files.isRegularFile(dir.resolve("pki").resolve("apiserver.crt"))
              && httpOk(apiServerUrl() + "/readyz", adminToken).filter("ok"::equals).isPresent());
      writeKubeconfig();
      admin = client(adminToken);

      Path kubeconfig = adminKubeconfig();
      step("kube-controller-manager", () -> launch("kube-controller-manager", List.of(
          "--kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
          "--authorization-kubeconfig=" + kubeconfig, "--secure-port=0", "--leader-elect=false",
          "--service-account-private-key-file=" + dir.resolve("sa.key"),
          "--root-ca-file=" + dir.resolve("pki").resolve("apiserver.crt"),
          "--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-route")),
          // the ServiceAccount controller has made the default namespace's ServiceAccount
          () -> admin.serviceAccounts().inNamespace("default").withName("default").get() != null);
      step("kube-scheduler", () -> launch("kube-scheduler", List.of(
          "--kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
          "--authorization-kubeconfig=" + kubeconfig, "--secure-port=0", "--leader-elect=false")),
          () -> true); // ready when a pod gets scheduled: checked with the node below
      step("kwok", () -> launch("kwok", List.of(
          "--kubeconfig=" + kubeconfig, "--manage-all-nodes=true", "--config=" + dir.resolve("stages.yaml"),
          "--server-address=127.0.0.1:0")),
          () -> true);
      step("node Ready", this::createNode, this::nodeReadyAndUntainted);
      step("deploy/ RBAC + worker token", this::applyDeployRbac, () -> true);
      worker = client(workerToken);
      startMillis.put("total", (System.nanoTime() - t0) / 1_000_000);
      System.err.println("[kube] control plane up at " + apiServerUrl() + " in " + dir + ": " + startMillis + " ms");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private interface Step {
    void run() throws IOException;
  }

  private void step(String name, Step action, BooleanSupplier ready) throws IOException {
    long t = System.nanoTime();
    action.run();
    long deadline = System.nanoTime() + START_DEADLINE.toNanos();
    while (true) {
      for (Started p : processes) {
        if (!p.process().isAlive()) {
          throw new IllegalStateException(p.name() + " exited with " + p.process().exitValue() + " while starting "
              + name + "; its log:\n" + tail(p.log()));
        }
      }
      boolean ok;
      try {
        ok = ready.getAsBoolean();
      } catch (KubernetesClientException | UncheckedIOException e) {
        ok = false;
      }
      if (ok) {
        break;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder logs = new StringBuilder();
        processes.forEach(p -> logs.append("\n--- ").append(p.name()).append(" ---\n").append(tail(p.log())));
        throw new IllegalStateException(name + " not ready within " + START_DEADLINE.toSeconds() + " s" + logs);
      }
      sleep(200);
    }
    startMillis.put(name, (System.nanoTime() - t) / 1_000_000);
  }

  private void launch(String name, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin").resolve(name).toString());
    command.addAll(args);
    Path log = dir.resolve("logs").resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    processes.add(new Started(name, pb.start(), log));
  }

  /** The node and pod stages in one multi-document file, as kwok's --config takes them. */
  private void joinStages() throws IOException {
    StringBuilder all = new StringBuilder();
    for (String s : STAGES) {
      all.append("---\n").append(Files.readString(home.resolve("stages").resolve(s))).append('\n');
    }
    Files.writeString(dir.resolve("stages.yaml"), all);
  }

  private void writeServiceAccountKeys() throws IOException {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      KeyPair kp = g.generateKeyPair();
      Files.writeString(dir.resolve("sa.key"), pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
      Files.writeString(dir.resolve("sa.pub"), pem("PUBLIC KEY", kp.getPublic().getEncoded()));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  private void writeKubeconfig() throws IOException {
    String ca = Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("pki").resolve("apiserver.crt")));
    Files.writeString(adminKubeconfig(), """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster: {server: "%s", certificate-authority-data: "%s"}
        users:
        - name: admin
          user: {token: "%s"}
        contexts:
        - name: test
          context: {cluster: test, user: admin}
        current-context: test
        """.formatted(apiServerUrl(), ca, adminToken));
  }

  private void createNode() {
    admin.nodes().resource(new NodeBuilder()
        .withNewMetadata().withName(NODE)
        .addToAnnotations("kwok.x-k8s.io/node", "fake")
        .addToLabels("type", "kwok").addToLabels("kubernetes.io/hostname", NODE)
        .addToLabels("kubernetes.io/os", "linux").addToLabels("kubernetes.io/arch", "amd64")
        .endMetadata()
        .withNewStatus()
        .addToAllocatable(Map.of("cpu", new Quantity("32"), "memory", new Quantity("256Gi"),
            "pods", new Quantity("110")))
        .addToCapacity(Map.of("cpu", new Quantity("32"), "memory", new Quantity("256Gi"),
            "pods", new Quantity("110")))
        .endStatus()
        .build()).create();
  }

  /**
   * KWOK has reported the node Ready; its {@code not-ready} taint (which the node-lifecycle controller would clear,
   * and which is off here: it would evict pods from a node without a kubelet lease) is removed.
   */
  private boolean nodeReadyAndUntainted() {
    Node n = admin.nodes().withName(NODE).get();
    boolean ready = n != null && n.getStatus() != null && n.getStatus().getConditions() != null
        && n.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    if (!ready) {
      return false;
    }
    if (n.getSpec().getTaints() == null || n.getSpec().getTaints().isEmpty()) {
      return true;
    }
    admin.nodes().withName(NODE).edit(node -> {
      node.getSpec().setTaints(List.of());
      return node;
    });
    return false; // looked at again on the next round
  }

  /**
   * deploy/kubernetes/overlays/prod rendered by kubectl; its Namespaces, ServiceAccounts, Roles and bindings applied
   * server-side (the workloads are left out: they would need images and Secrets). The target namespace is created
   * first, as an operator would have it. Then the worker's token through TokenRequest.
   */
  private void applyDeployRbac() throws IOException {
    Path overlay = repoRoot().resolve("deploy/kubernetes/overlays/prod");
    Process p = new ProcessBuilder(kubectl().toString(), "kustomize", overlay.toString())
        .redirectError(dir.resolve("logs").resolve("kustomize.log").toFile()).start();
    byte[] rendered = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kubectl kustomize " + overlay + " failed: "
            + tail(dir.resolve("logs").resolve("kustomize.log")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    admin.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata().withName(TARGET_NAMESPACE).endMetadata().build()).create();
    List<HasMetadata> items = admin.load(new ByteArrayInputStream(rendered)).items();
    items.stream().filter(i -> APPLY_ORDER.contains(i.getKind()))
        .sorted(Comparator.comparingInt(i -> APPLY_ORDER.indexOf(i.getKind())))
        .forEach(i -> admin.resource(i).fieldManager("remediator-test").forceConflicts().serverSideApply());
    TokenRequest request = admin.serviceAccounts().inNamespace(WORKER_NAMESPACE).withName(WORKER)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L).endSpec().build());
    workerToken = request.getStatus().getToken();
  }

  public static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("deploy/kubernetes/overlays/prod"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("deploy/kubernetes not found above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  // ---- stop -------------------------------------------------------------------------------------------------------

  /** Stops every process it started (with its descendants), newest first, and waits until each has exited. */
  @Override
  public synchronized void close() {
    clients.forEach(KubernetesClient::close);
    clients.clear();
    List<Started> reversed = new ArrayList<>(processes);
    java.util.Collections.reverse(reversed);
    for (Started s : reversed) {
      List<ProcessHandle> tree = Stream.concat(s.process().descendants(), Stream.of(s.process().toHandle())).toList();
      tree.forEach(ProcessHandle::destroy);
      long deadline = System.nanoTime() + STOP_GRACE.toNanos();
      for (ProcessHandle h : tree) {
        while (h.isAlive() && System.nanoTime() < deadline) {
          sleep(50);
        }
        if (h.isAlive()) {
          h.destroyForcibly();
        }
      }
      for (ProcessHandle h : tree) {
        try {
          h.onExit().get(STOP_GRACE.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
          System.err.println("[kube] " + s.name() + " (pid " + h.pid() + ") did not exit: " + e);
        }
      }
    }
    processes.clear();
    if (Files.isDirectory(dir) && !Boolean.getBoolean("remediator.kube.keep")) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        System.err.println("[kube] could not delete " + dir + ": " + e);
      }
    }
  }

  // ---- small helpers ----------------------------------------------------------------------------------------------

  private static final HttpClient HTTP = insecureHttp();

  /** Loopback readiness probes: the API server's certificate is one it made itself a moment ago. */
  private static HttpClient insecureHttp() {
    try {
      javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
      ssl.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
          return new java.security.cert.X509Certificate[0];
        }
      }}, new SecureRandom());
      return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(2)).build();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Optional<String> httpOk(String url, String bearer) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
      if (bearer != null) {
        b.header("Authorization", "Bearer " + bearer);
      }
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(r.body().trim()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String token() {
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
