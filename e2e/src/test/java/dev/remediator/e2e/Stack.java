package dev.remediator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.demo.SimulatedCluster;
import dev.remediator.launcher.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One scenario's world, all on loopback: a Temporal server ({@code temporal server start-dev} with its SQLite file in
 * the scenario's directory, or the embedded one, {@code remediator server}), workers and receivers as separate OS
 * processes of the jar under test; a {@link SimulatedCluster} (fabric8 mock API server with its controller) the workers reach
 * through a kubeconfig; the {@link World}'s probes and channels; a {@link TcpGate} in front of the shared
 * {@link TargetDatabase}. Everything is driven as an operator would: webhooks over HTTP and the CLI.
 */
final class Stack implements AutoCloseable {
  static final String INCIDENT = "dbpool:prod:auth-service:authdb";
  /** The incident show, approve and report follow: the pool incident unless a scenario says otherwise. */
  volatile String incident = INCIDENT;
  static final String WEBHOOK_TOKEN = "e2e-webhook-token-0123456789abcdef";
  static final String ALICE_TOKEN = "e2e-alice-api-token-0123456789";
  static final String BOB_TOKEN = "e2e-bob-api-token-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration START = Duration.ofSeconds(60);

  /**
   * Another target of the connection-pool runbook beside auth-service: a service of namespace {@code prod} with a
   * database of its own on the same PostgreSQL server ({@link TargetDatabase#leakIn}), the same workload and probes.
   */
  record PoolTarget(String service, String database) {
    String incidentId() {
      return "dbpool:prod:" + service + ":" + database;
    }

    /** A captured Alertmanager payload of auth-service/authdb, relabelled for this target. */
    byte[] payload(String name) {
      return new String(Stack.payload(name), StandardCharsets.UTF_8).replace("auth-service", service)
          .replace("authdb", database).getBytes(StandardCharsets.UTF_8);
    }
  }

  /** Which Temporal server a scenario runs on. */
  enum Server {
    /** {@code temporal server start-dev}: the real server (persistence, visibility), from the Temporal CLI. */
    REAL,
    /** {@code remediator server}: the SDK's in-memory test server, as {@code demo} uses it. */
    EMBEDDED
  }

  final Path dir;
  final TargetDatabase database;
  final TcpGate gate;
  final World world;
  final SimulatedCluster cluster;
  final Server server;
  final int temporalPort = FreePorts.next();
  /** The real server's HTTP API ({@code --http-port}), for the verbs over HTTP ({@link #cliOverHttp}). */
  final int temporalHttpPort = FreePorts.next();
  /** The real server's SQLite file: a restart on it continues where the killed server stopped. */
  final Path temporalDatabase;
  private final Path temporalCli;
  /** More options of {@code temporal server start-dev} (e.g. SQLite pragmas for a bulk load), set before the start. */
  List<String> serverOptions = List.of();
  final Path config;
  private final Map<String, String> policy;
  private final List<PoolTarget> moreTargets = new ArrayList<>();
  /** The workers' KUBECONFIG: the simulated cluster's, unless a scenario runs on a real control plane. */
  private volatile Path kubeconfig;
  private final List<RemediatorProcess> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private int started;

  /**
   * @param policy overrides of the scenario's runbook defaults (YAML values by key, e.g. {@code verifyInterval: 1s})
   */
  Stack(Path dir, TargetDatabase database, Map<String, String> policy) throws IOException {
    this(dir, database, policy, Server.EMBEDDED, null);
  }

  /**
   * @param temporalCli the Temporal CLI binary, for {@link Server#REAL}
   */
  Stack(Path dir, TargetDatabase database, Map<String, String> policy, Server server, Path temporalCli)
      throws IOException {
    deleteTree(dir); // what an earlier run left
    this.dir = Files.createDirectories(dir);
    this.server = server;
    this.temporalCli = temporalCli;
    this.temporalDatabase = dir.resolve("temporal.db");
    if (server == Server.REAL && temporalCli == null) {
      throw new IllegalArgumentException("the real server needs the Temporal CLI");
    }
    this.database = database;
    this.gate = new TcpGate(database.port());
    this.world = new World();
    this.cluster = SimulatedCluster.start();
    Files.writeString(dir.resolve("webhook-token"), WEBHOOK_TOKEN + "\n");
    Files.writeString(dir.resolve("alice-token"), ALICE_TOKEN);
    Files.writeString(dir.resolve("bob-token"), BOB_TOKEN);
    this.kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters:
          - name: simulated
            cluster: {server: "%s"}
        users:
          - name: e2e
            user: {token: e2e-not-a-secret}
        contexts:
          - name: simulated
            context: {cluster: simulated, user: e2e, namespace: prod}
        current-context: simulated
        """.formatted(cluster.apiUrl()));
    this.policy = Map.copyOf(policy);
    this.config = Files.writeString(dir.resolve("remediator.yaml"), configYaml());
  }

  /** The runbook numbers of these scenarios: fast verification, no restart or pool change unless asked. */
  static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("idleInTransactionReportAfter", "1s");
    d.put("idleInTransactionTerminateAfter", "2s");
    d.put("approvers", "[alice, bob]");
    d.put("verifySamples", "2");
    d.put("verifyInterval", "1s");
    d.put("quietPeriod", "5s"); // every alert resolved before recovery: the incident closes after this
    d.put("rollingRestart", "\"off\"");
    d.put("poolIncrease", "\"off\"");
    d.put("escalation", "[{name: database, channels: [" + World.CHAT + ", " + World.DATABASE_PAGER
        + "], ackTimeout: 10m}, {name: platform, channels: [" + World.PLATFORM_PAGER + "], ackTimeout: 10m}]");
    return d;
  }

  /** More targets in the configuration; before the first worker or receiver starts (they read it once). */
  void addTargets(PoolTarget... targets) throws IOException {
    synchronized (processes) {
      if (processes.stream().anyMatch(p -> !p.name().equals("temporal"))) {
        throw new IllegalStateException("targets are added before workers and receivers start");
      }
    }
    moreTargets.addAll(List.of(targets));
    Files.writeString(config, configYaml());
  }

  private String configYaml() throws IOException {
    Map<String, String> d = defaults();
    d.putAll(policy);
    StringBuilder defaults = new StringBuilder();
    d.forEach((k, v) -> defaults.append("  ").append(k).append(": ").append(v).append('\n'));
    StringBuilder targets = new StringBuilder(targetYaml("auth-service", "authdb"));
    moreTargets.forEach(t -> targets.append(targetYaml(t.service(), t.database())));
    return """
        taskQueue: remediator
        receiver:
          tokenFile: "%s"
          apiTokens:
            - {identity: alice, tokenFile: "%s"}
            - {identity: bob, tokenFile: "%s"}
        %s
        defaults:
        %s
        targets:
        %s"""
        .formatted(dir.resolve("webhook-token"), dir.resolve("alice-token"), dir.resolve("bob-token"),
            world.notificationsYaml(dir.resolve("secrets")), defaults, targets);
  }

  /** One target in the list: its database behind the gate, the simulated cluster, the world's endpoints. */
  private String targetYaml(String service, String database) {
    return """
          - service: %s
            namespace: prod
            database: %s
            postgres:
              url: jdbc:postgresql://127.0.0.1:%d/%s
              user: %s
              applicationRoles: [%s]
              connectTimeout: 2s
            %s
            endpoints:
              health: %s
              ready: %s
        """.formatted(service, database, gate.port(), database, TargetDatabase.REMEDIATOR_ROLE,
        TargetDatabase.APP_ROLE, SimulatedCluster.TARGET_YAML, world.url("/health"), world.url("/ready"));
  }

  /**
   * The processes started from now on reach this cluster instead of the simulated one (e.g. the real control plane's
   * kubeconfig for the worker's ServiceAccount).
   */
  void useKubeconfig(Path kubeconfig) {
    this.kubeconfig = kubeconfig;
  }

  // ---- processes --------------------------------------------------------------------------------------------

  String temporalAddress() {
    return "127.0.0.1:" + temporalPort;
  }

  private Map<String, String> env() {
    return Map.of("TEMPORAL_ADDRESS", temporalAddress(), "KUBECONFIG", kubeconfig.toString());
  }

  private RemediatorProcess start(String name, List<String> args) {
    return start(name, args, List.of());
  }

  private RemediatorProcess start(String name, List<String> args, List<String> jvmOptions) {
    synchronized (processes) {
      RemediatorProcess p = RemediatorProcess.start(
          name, dir.resolve(String.format("%02d-%s.log", ++started, name)), env(), args, jvmOptions);
      processes.add(p);
      return p;
    }
  }

  /**
   * The Temporal server: {@code temporal server start-dev} on this scenario's SQLite file (no Web UI), or
   * {@code remediator server --port P} (in memory). Returns once it answers.
   */
  RemediatorProcess startServer() {
    if (server == Server.EMBEDDED) {
      // A port of a server just stopped may linger for a moment: the start is retried by the caller if needed.
      return start("server", List.of("server", "--port", Integer.toString(temporalPort)))
          .awaitOutput("embedded Temporal server on", START);
    }
    RemediatorProcess p = startRealServer();
    awaitServing(p);
    return p;
  }

  private RemediatorProcess startRealServer() {
    synchronized (processes) {
      RemediatorProcess p = RemediatorProcess.startProgram("temporal",
          dir.resolve(String.format("%02d-temporal.log", ++started)),
          TemporalCli.startDev(temporalCli, temporalDatabase, temporalPort, 0, temporalHttpPort, FreePorts.next(),
              serverOptions));
      processes.add(p);
      return p;
    }
  }

  private void awaitServing(RemediatorProcess p) {
    await("temporal server start-dev answers on " + temporalAddress())
        .atMost(START)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              if (!p.alive()) {
                throw new AssertionError("temporal server start-dev exited before serving; its output:\n"
                    + p.output());
              }
              return TemporalCli.serving(temporalAddress());
            });
  }

  /**
   * The server again, on the same port, after it died. The real server reopens its SQLite file: every incident is
   * where it was. The embedded one is in memory, so it starts empty. The port of the dead one may not be free at
   * once; a start that fails to bind is retried.
   */
  RemediatorProcess restartServer() {
    long deadline = System.nanoTime() + START.toNanos();
    while (true) {
      RemediatorProcess p = server == Server.REAL ? startRealServer()
          : start("server", List.of("server", "--port", Integer.toString(temporalPort)));
      try {
        if (server == Server.REAL) {
          awaitServing(p);
          return p;
        }
        return p.awaitOutput("embedded Temporal server on", START);
      } catch (AssertionError e) {
        if (p.alive() || System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  /**
   * {@code remediator worker -c FILE --metrics-port 0}: no flag for the kind of server, as README gives it (the worker
   * recognises the embedded one by itself).
   */
  RemediatorProcess startWorker(String name) {
    return startWorker(name, List.of());
  }

  RemediatorProcess startWorker(String name, List<String> jvmOptions) {
    return start(name, List.of("worker", "-c", config.toString(), "--metrics-port", "0"),
            jvmOptions)
        .awaitOutput("worker polling task queue", START);
  }

  /** A worker of Worker Versioning build {@code buildId} of deployment {@code deployment} (incidents pinned). */
  RemediatorProcess startVersionedWorker(String name, String deployment, String buildId) {
    return start(name, List.of("worker", "-c", config.toString(), "--metrics-port", "0", "--deployment-name",
            deployment, "--build-id", buildId))
        .awaitOutput("worker polling task queue", START);
  }

  /**
   * A worker of build {@code buildId} whose class path starts with {@code classesFirst} (classes compiled at test
   * time shadow the jar's: a changed runbook, {@link ChangedRunbook}).
   */
  RemediatorProcess startVersionedWorker(String name, String deployment, String buildId, Path classesFirst) {
    RemediatorProcess p;
    synchronized (processes) {
      p = RemediatorProcess.startWithClassesFirst(name, dir.resolve(String.format("%02d-%s.log", ++started, name)),
          env(), classesFirst, List.of("worker", "-c", config.toString(), "--metrics-port", "0", "--deployment-name",
              deployment, "--build-id", buildId));
      processes.add(p);
    }
    return p.awaitOutput("worker polling task queue", START);
  }

  /** {@code temporal ARGS... --address} this scenario's server, as an operator types it (the Temporal CLI). */
  RemediatorProcess.Cli temporal(String... args) {
    List<String> command = new ArrayList<>(List.of(temporalCli.toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--address", temporalAddress()));
    return RemediatorProcess.runProgram(command, Duration.ofSeconds(60));
  }

  /** {@code remediator receiver -c FILE --port R --temporal-timeout 1}. */
  RemediatorProcess startReceiver(String name, int port) {
    return start(name, List.of("receiver", "-c", config.toString(), "--host", "127.0.0.1", "--port",
            Integer.toString(port), "--temporal-timeout", "1"))
        .awaitOutput("receiver listening on", START);
  }

  /** Runs a CLI verb against this scenario's Temporal server. */
  RemediatorProcess.Cli cli(String... args) {
    return RemediatorProcess.run(env(), Duration.ofSeconds(60), List.of(args));
  }

  /** A CLI verb as {@link #cli}, with {@code TEMPORAL_HTTP_ADDRESS} naming the real server's HTTP API. */
  RemediatorProcess.Cli cliOverHttp(String... args) {
    return cliOverHttpAt("127.0.0.1:" + temporalHttpPort, args);
  }

  /**
   * A CLI verb over the real server's HTTP API alone: {@code TEMPORAL_ADDRESS} names a port where nothing listens,
   * so the verb succeeds only if it never needed gRPC.
   */
  RemediatorProcess.Cli cliOverHttpOnly(String... args) {
    Map<String, String> env = new java.util.HashMap<>(env());
    env.put("TEMPORAL_ADDRESS", "127.0.0.1:" + FreePorts.next());
    env.put("TEMPORAL_HTTP_ADDRESS", "127.0.0.1:" + temporalHttpPort);
    return RemediatorProcess.run(env, Duration.ofSeconds(60), List.of(args));
  }

  /** A CLI verb as {@link #cli}, with {@code TEMPORAL_HTTP_ADDRESS=httpAddress}. */
  RemediatorProcess.Cli cliOverHttpAt(String httpAddress, String... args) {
    Map<String, String> env = new java.util.HashMap<>(env());
    env.put("TEMPORAL_HTTP_ADDRESS", httpAddress);
    return RemediatorProcess.run(env, Duration.ofSeconds(60), List.of(args));
  }

  /** The incident's status ({@code show ID -o json}), or null when nobody answers (no worker, no incident). */
  JsonNode show() {
    RemediatorProcess.Cli r = cli("show", incident, "-o", "json", "--timeout", "5");
    if (r.exitCode() != 0) {
      return null;
    }
    return parse(r.stdout());
  }

  /** The incident's phase per {@code show}, or "" when nobody answers. */
  String phase() {
    JsonNode s = show();
    return s == null ? "" : s.at("/status/phase").asText();
  }

  /** Waits until {@code show} reports {@code phase}; returns that status. */
  JsonNode awaitPhase(String phase, Duration timeout) {
    JsonNode[] seen = new JsonNode[1];
    await("phase " + phase)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              seen[0] = show();
              return seen[0] != null && phase.equals(seen[0].at("/status/phase").asText());
            });
    return seen[0].get("status");
  }

  /** {@code approve ID --by NAME --plan P}. */
  RemediatorProcess.Cli approve(String by, String planId, int timeoutSeconds) {
    return cli("approve", incident, "--by", by, "--plan", planId, "--reason", "e2e: leak confirmed", "-o", "json",
        "--timeout", Integer.toString(timeoutSeconds));
  }

  /** The closed incident's report ({@code report ID --format json}), waiting for it to close. */
  JsonNode awaitReport(Duration timeout) {
    JsonNode[] report = new JsonNode[1];
    await("the incident closes with a report")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              RemediatorProcess.Cli r = cli("report", incident, "--format", "json", "--timeout", "5");
              if (r.exitCode() == 0) {
                report[0] = parse(r.stdout());
                Files.writeString(dir.resolve("report.json"), r.stdout()); // kept with the logs, for reading
                return true;
              }
              return false;
            });
    return report[0];
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  /** Every process this stack started, in order. */
  List<RemediatorProcess> processes() {
    synchronized (processes) {
      return List.copyOf(processes);
    }
  }

  // ---- webhooks -----------------------------------------------------------------------------------------------

  static byte[] payload(String name) {
    try (InputStream in = Stack.class.getResourceAsStream("/alertmanager/" + name)) {
      return Objects.requireNonNull(in, name).readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One POST as Alertmanager sends it (no retry). */
  HttpResponse<String> post(int receiverPort, String path, String token, String contentType, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiverPort + path))
            .timeout(Duration.ofSeconds(30))
            .header("User-Agent", "Alertmanager/0.25.0")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> get(int receiverPort, String path) {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiverPort + path))
        .timeout(Duration.ofSeconds(30)).GET().build();
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> webhook(int receiverPort, byte[] body) {
    return post(receiverPort, "/webhooks/alertmanager", WEBHOOK_TOKEN, "application/json", body);
  }

  /** Fires the captured critical alert and expects it started the incident. */
  void fireCritical(int receiverPort) {
    HttpResponse<String> r = webhook(receiverPort, payload("firing-critical.json"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(parse(r.body()).at("/accepted/0/outcome").asText()).isEqualTo("started");
  }

  /** Fires the captured critical alert relabelled for another target; expects it started that target's incident. */
  void fireCritical(int receiverPort, PoolTarget target) {
    HttpResponse<String> r = webhook(receiverPort, target.payload("firing-critical.json"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(parse(r.body()).at("/accepted/0/outcome").asText()).isEqualTo("started");
    assertThat(parse(r.body()).at("/accepted/0/incidentId").asText()).isEqualTo(target.incidentId());
  }

  /** The resolved notification for another target. */
  void fireResolved(int receiverPort, PoolTarget target) {
    HttpResponse<String> r = webhook(receiverPort, target.payload("resolved.json"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** Sends the captured resolved notification (the incident closes). */
  void fireResolved(int receiverPort) {
    HttpResponse<String> r = webhook(receiverPort, payload("resolved.json"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  // ---- teardown -----------------------------------------------------------------------------------------------

  @Override
  public void close() {
    List<RemediatorProcess> all;
    synchronized (processes) {
      all = new ArrayList<>(processes);
    }
    java.util.Collections.reverse(all); // receivers and workers before the server
    for (RemediatorProcess p : all) {
      p.kill(); // nothing graceful is under test here; a kill is immediate
    }
    cluster.close();
    world.close();
    gate.close();
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

}
