package dev.remediator.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.uber.m3.tally.Scope;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.DatabaseActivities;
import dev.remediator.incident.LogSummary;
import dev.remediator.incident.Notification;
import dev.remediator.incident.NotificationActivities;
import dev.remediator.incident.NotificationResult;
import dev.remediator.runbook.KubernetesActivities;
import dev.remediator.runbook.ProbeActivities;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.PoolSizeActivities;
import dev.remediator.incident.RestartResult;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.incident.ServiceHealth;
import dev.remediator.runbook.dbpool.PoolDiagnosis;
import dev.remediator.incident.IncidentSearchAttributes;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.IncidentWorkflowImpl;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.dbpool.SessionInfo;
import dev.remediator.runbook.dbpool.SessionOutcome;
import dev.remediator.incident.Target;
import dev.remediator.registry.Runbooks;
import dev.remediator.runbook.dbpool.TerminationResult;
import dev.remediator.temporal.TemporalConnection;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.filter.v1.WorkflowExecutionFilter;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real intake path for tests: Temporal's embedded server on a real port, a worker running the real
 * {@link IncidentWorkflowImpl} with a scripted database (a leak of 25 sessions idle in transaction for 15 minutes,
 * cleared once terminated), and the receiver on a free HTTP port, talking to each other over the loopback.
 * auth-service escalates after 1 s above the critical threshold (so acknowledgements can be tested); the other
 * targets after the runbook's 10 minutes.
 *
 * <p>A JUnit extension: a test class states it once, {@code @RegisterExtension static final IntakeFixture fx = new
 * IntakeFixture();}; it starts before the class's first test, stops after its last one, and terminates every open
 * incident before each test, so each test starts from none.
 */
final class IntakeFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  static final String WEBHOOK_TOKEN = "webhook-token-0123456789abcdef";
  static final String ALICE_TOKEN = "alice-api-token-0123456789";
  static final String MALLORY_TOKEN = "mallory-api-token-0123456789";
  static final String AUTH = "dbpool:prod:auth-service:authdb";
  static final String BILLING = "dbpool:prod:billing-service:billingdb";
  static final String ORDERS = "dbpool:prod:orders-service:ordersdb";
  static final String AUTH_DOWN = "servicedown:prod:auth-service:authdb";
  /** A target without a database: only the Service Down runbook can act on it. */
  static final String WEB_DOWN = "servicedown:prod:web";
  /** The Database Performance incident of ordersdb: one per database, on its first configured target. */
  static final String ORDERS_PERF = "dbperf:prod:orders-service:ordersdb";

  int temporalPort;
  Path home;
  RemediatorConfig config;
  final ReceiverMetrics metrics = new ReceiverMetrics();
  private final Scope scope = metrics.temporalScope(Duration.ofMillis(100));
  private TestServer.PortBoundTestServer server;
  TemporalConnection connection;
  IncidentStubs temporal;
  IncidentControl incidents;
  /** The fixture's own delivery (as another receiver would), e.g. for the resolved alerts of a recovered incident. */
  private AlertDelivery delivery;
  private WorkerFactory workers;
  final LeakingDatabase database = new LeakingDatabase();
  AlertReceiver receiver;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    temporalPort = freePort();
    startServer();
    home = Files.createTempDirectory("intake-test-");
    Files.writeString(home.resolve("webhook-token"), WEBHOOK_TOKEN + "\n");
    Files.writeString(home.resolve("alice-token"), ALICE_TOKEN);
    Files.writeString(home.resolve("mallory-token"), MALLORY_TOKEN);
    config = ConfigLoader.parse(configYaml(home), "test configuration");
    connection =
        TemporalConnection.connect(address(), ClientTuning.failFast(Duration.ofSeconds(2), scope));
    temporal = new IncidentStubs(connection.client());
    incidents = new IncidentControl(temporal);
    delivery = new AlertDelivery(temporal, config);
    startWorker();
    receiver = new AlertReceiver(config, temporal, metrics).start("127.0.0.1", 0);
  }

  static String configYaml(Path home) {
    StringBuilder targets = new StringBuilder();
    for (String[] t :
        new String[][] {{"auth-service", "authdb"}, {"billing-service", "billingdb"}, {"orders-service", "ordersdb"}}) {
      targets.append("""
            - service: %s
              namespace: prod
              database: %s
              postgres:
                url: jdbc:postgresql://127.0.0.1:1/%s
                user: remediator
                applicationRoles: [app]
              policy: {criticalEscalateAfter: %s}
          """.formatted(t[0], t[1], t[1], t[0].equals("auth-service") ? "1s" : "10m"));
      if (t[0].equals("auth-service")) {
        // A Deployment: the Service Down runbook's alerts for it are routed too (AlertReceiverTest).
        targets.append("    kubernetes: {deployment: auth-service}\n");
      }
    }
    targets.append("""
            - service: web
              namespace: prod
              kubernetes: {deployment: web}
              endpoints: {health: "http://127.0.0.1:1/health"}
          """);
    return """
        taskQueue: intake-test
        receiver:
          tokenFile: %s
          apiTokens:
            - identity: alice
              tokenFile: %s
            - identity: mallory
              tokenFile: %s
        defaults:
          approvers: [alice, bob]
          verifySamples: 1
          verifyInterval: 1s
          quietPeriod: 1s
        targets:
        %s"""
        .formatted(home.resolve("webhook-token"), home.resolve("alice-token"), home.resolve("mallory-token"),
            targets);
  }

  String address() {
    return "127.0.0.1:" + temporalPort;
  }

  String url(String path) {
    return "http://127.0.0.1:" + receiver.port() + path;
  }

  void startServer() {
    // The port may linger for a moment after a stop: retry the bind.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              server = TestServer.createPortBoundServer(temporalPort);
              return true;
            });
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder().setTarget(address()).validateAndBuildWithDefaults());
    try {
      AddSearchAttributesRequest.Builder sa = AddSearchAttributesRequest.newBuilder().setNamespace("default");
      for (var key : IncidentSearchAttributes.ALL) {
        sa.putSearchAttributes(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      }
      operator.blockingStub().addSearchAttributes(sa.build());
    } finally {
      operator.shutdownNow();
    }
  }

  void stopServer() {
    server.close();
  }

  private void startWorker() {
    workers = WorkerFactory.newInstance(connection.client());
    Worker worker =
        workers.newWorker(
            config.taskQueueOrDefault(),
            WorkerOptions.newBuilder().setStickyQueueScheduleToStartTimeout(Duration.ZERO).build());
    Runbooks.registerWorkflows(worker);
    // Activities of the workflow, scripted: a leaking database; no Kubernetes, probes or channels configured.
    worker.registerActivitiesImplementations(database, new NothingElseConfigured());
    workers.start();
  }

  /** A pool 92% used, 25 sessions idle in transaction for 15 minutes, until they are terminated. */
  static final class LeakingDatabase implements DatabaseActivities {
    private final Map<String, Boolean> cleared = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public ConnectionSnapshot snapshot(Target target, RunbookPolicy policy) {
      List<SessionInfo> idle = new ArrayList<>();
      if (!cleared.getOrDefault(target.id(), false)) {
        for (int i = 0; i < 25; i++) {
          idle.add(new SessionInfo(1000 + i, "app", target.service(), "10.0.0.7", "idle in transaction",
              "2026-11-26 17:00:00+00", "2026-11-26 17:01:00+00", 900, 900, "SELECT 1", true, true, null));
        }
      }
      int total = 9 + idle.size();
      return new ConnectionSnapshot("2026-11-26T17:30:00Z", total, 0, 9, idle.size(), 900, 40, 3, total + 1,
          total / 37.0, idle, List.of(), List.of(), List.of(), PoolDiagnosis.unknown(), List.of(), 0, total + 1,
          idle.size(), 0, null);
    }

    /** No other target is configured. */
    @Override
    public dev.remediator.incident.SimilarIssues similarElsewhere(Target target, RunbookPolicy policy) {
      return new dev.remediator.incident.SimilarIssues(null, List.of(), 0, null);
    }

    @Override
    public TerminationResult terminateIdleInTransaction(
        Target target, RunbookPolicy policy, List<SessionInfo> sessions) {
      cleared.put(target.id(), true);
      return new TerminationResult(
          sessions.stream()
              .map(s -> new SessionOutcome(s.pid(), SessionOutcome.Result.TERMINATED, "pg_terminate_backend"))
              .toList(),
          1);
    }

    void reset() {
      cleared.clear();
    }
  }

  /** A target with only a database configured: no endpoints to probe, no Kubernetes workload, no channels. */
  static final class NothingElseConfigured
      implements ProbeActivities, KubernetesActivities, PoolSizeActivities, NotificationActivities {
    @Override
    public ServiceHealth probe(Target target) {
      return new ServiceHealth(null, null);
    }

    private static io.temporal.failure.ApplicationFailure noKubernetes(Target target) {
      return io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
          "no Kubernetes workload configured for " + target.id(), "KubernetesNotConfigured");
    }

    @Override
    public RestartResult rollingRestart(Target target, String requestId, Duration cooldown) {
      throw noKubernetes(target);
    }

    @Override
    public RolloutStatus awaitRollout(Target target, Duration timeout) {
      throw noKubernetes(target);
    }

    @Override
    public PoolSettings poolSettings(Target target) {
      throw noKubernetes(target);
    }

    @Override
    public PoolSettings setPoolSettings(Target target, List<PoolSettings.EnvValue> values) {
      throw noKubernetes(target);
    }

    @Override
    public PoolSettings restorePoolSettings(Target target, PoolSettings previous) {
      throw noKubernetes(target);
    }

    @Override
    public LogSummary errorLogs(Target target, Duration since) {
      throw noKubernetes(target);
    }

    @Override
    public List<RolloutRevision> recentChanges(Target target, int limit) {
      throw noKubernetes(target);
    }

    @Override
    public NotificationResult send(Notification notification) {
      return new NotificationResult(List.of());
    }
  }

  /** Terminates every open incident of the configured targets, so each test starts from none. */
  void closeAllIncidents() {
    for (TargetConfig t : config.targets()) {
      String id = Runbooks.fallback().incidentId(t.target());
      if (incidents.runningRunId(id).isPresent()) {
        incidents.untyped(id).terminate("test cleanup");
      }
    }
    database.reset();
    // Terminated behind the receiver's back: it would answer their alerts' repeats as already accepted.
    receiver.forgetAcceptedAlerts();
  }

  /**
   * Posts {@code grouped-mixed.json} (critical for auth-service and billing-service, orders-service resolved) and
   * waits until {@code incidentId} awaits approval; returns its pending plan's ID.
   */
  String fireAndAwaitPlan(String incidentId) {
    assertThat(webhook(resource("grouped-mixed.json")).statusCode()).isEqualTo(200);
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> incidents.status(incidentId), IncidentStatus::awaitingApproval)
        .plan()
        .planId();
  }

  /**
   * Waits until the incident has recovered, then has Alertmanager resolve every alert it fires (as a real
   * Alertmanager does once the pool is back below the threshold) and returns its report.
   */
  dev.remediator.incident.IncidentReport resolveWhenRecovered(String incidentId) {
    IncidentStatus recovered = await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> incidents.status(incidentId), s -> s.phase() == dev.remediator.incident.IncidentPhase.RECOVERED);
    resolveAll(incidentId, recovered);
    return incidents.result(incidentId, dev.remediator.incident.IncidentReport.class);
  }

  /** Signals a resolved copy of every alert of the incident that still fires. */
  void resolveAll(String incidentId, IncidentStatus status) {
    var target = config.targets().stream().filter(t -> Runbooks.fallback().incidentId(t.target()).equals(incidentId)).findFirst()
        .orElseThrow();
    for (var a : status.alerts()) {
      if (a.firing()) {
        delivery.deliver(target, new dev.remediator.incident.Alert(a.alertName(), a.severity().label(), "resolved",
            a.fingerprint(), a.startsAt(), null));
      }
    }
  }

  /**
   * The Temporal calls that brought the incident's current run alerts, from its history: its signals
   * (signal-with-start's included), and its start if the input carried a delivery.
   */
  long signals(String incidentId) {
    var converter = connection.client().getOptions().getDataConverter();
    return connection.client().fetchHistory(incidentId).getHistory().getEventsList().stream()
        .filter(e -> e.hasWorkflowExecutionSignaledEventAttributes() || (e.hasWorkflowExecutionStartedEventAttributes()
            && converter.fromPayloads(0, Optional.of(e.getWorkflowExecutionStartedEventAttributes().getInput()),
                IncidentInput.class, IncidentInput.class).alerts() != null))
        .count();
  }

  /** Open runs of this workflow ID, as the server lists them. */
  int openRuns(String incidentId) {
    return connection
        .service()
        .blockingStub()
        .listOpenWorkflowExecutions(
            ListOpenWorkflowExecutionsRequest.newBuilder()
                .setNamespace(connection.namespace())
                .setExecutionFilter(WorkflowExecutionFilter.newBuilder().setWorkflowId(incidentId))
                .setMaximumPageSize(100)
                .build())
        .getExecutionsCount();
  }

  Optional<WorkflowExecutionDescription> describe(String incidentId) {
    try {
      return Optional.of(incidents.describe(incidentId));
    } catch (WorkflowNotFoundException e) {
      return Optional.empty();
    }
  }

  boolean running(String incidentId) {
    return describe(incidentId)
        .map(d -> d.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)
        .orElse(false);
  }

  static byte[] resource(String name) {
    try (InputStream in = IntakeFixture.class.getResourceAsStream("/alertmanager/" + name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  HttpResponse<String> post(String path, String token, String contentType, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url(path)))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(b.build());
  }

  HttpResponse<String> webhook(byte[] body) {
    return post(AlertReceiver.WEBHOOK_PATH, WEBHOOK_TOKEN, "application/json", body);
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30)).GET().build());
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The value of one series in the receiver's Prometheus exposition (0 if absent). */
  double metric(String series) {
    return valueOf(metrics.scrape(), series);
  }

  static double valueOf(String exposition, String series) {
    return exposition
        .lines()
        .filter(l -> l.startsWith(series + " "))
        .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .collect(Collectors.summingDouble(Double::doubleValue));
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    closeAllIncidents();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    receiver.close();
    workers.shutdownNow();
    workers.awaitTermination(10, TimeUnit.SECONDS);
    connection.close();
    server.close();
    try (var files = Files.walk(home)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
