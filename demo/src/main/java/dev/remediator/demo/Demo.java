package dev.remediator.demo;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.runbook.dbpool.PoolReportSection;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incident.ApprovalDecision;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.Target;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.launcher.EmbeddedStack;
import dev.remediator.launcher.TemporalMode;
import dev.remediator.launcher.TemporalServer;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import dev.remediator.starter.IncidentControl;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The main job on an embedded default: a real PostgreSQL with a leaking application, the embedded Temporal server,
 * the worker and the receiver in one process; a real Alertmanager payload over HTTP; approval by signal; a report.
 */
public final class Demo {
  static final String INCIDENT_ID =
      DbPoolRunbook.DEFINITION.incidentId(
          new Target("prod", "auth-service", "authdb"));
  static final String APPROVER = "demo-approver";
  static final String ON_CALL = "dba-on-call";
  static final int LEAKED = 25;
  static final int HEALTHY = 9;
  static final Duration TERMINATE_AFTER = Duration.ofSeconds(3);

  /** What the demo observed: the incident's own report and PostgreSQL's word after it. */
  public record Result(
      IncidentReport report,
      int leaked,
      int idleInTransactionAfter,
      int healthyBefore,
      int healthyAfter,
      int rollouts,
      int notifications,
      RealCluster.State kubernetes) {
    public boolean leakCleared() {
      return report.outcome() == IncidentOutcome.MITIGATED
          && PoolReportSection.of(report).sessionsTerminated() == leaked
          && idleInTransactionAfter == 0
          && healthyAfter == healthyBefore;
    }
  }

  private final PrintStream out;
  private final Narrator narrator;
  private final TemporalMode temporal;
  private final boolean holdUi;
  private final KubernetesMode kubernetes;

  public Demo(PrintStream out) {
    this(out, TemporalMode.EMBEDDED, false);
  }

  /**
   * @param temporal the server to run on; with the CLI's dev server the run shows in its Web UI
   * @param holdUi keep the dev server (and its UI) up after the run until a line is read from stdin
   */
  public Demo(PrintStream out, TemporalMode temporal, boolean holdUi) {
    this(out, temporal, holdUi, KubernetesMode.SIMULATED);
  }

  /**
   * @param kubernetes the simulated cluster, or the real control plane (whose leak lives in the pods, so the
   *     runbook's rolling restart rolls out on the real controllers: {@link PodBoundLeak})
   */
  public Demo(PrintStream out, TemporalMode temporal, boolean holdUi, KubernetesMode kubernetes) {
    this.out = out;
    this.narrator = new Narrator(out, INCIDENT_ID);
    this.temporal = temporal;
    this.holdUi = holdUi;
    this.kubernetes = kubernetes;
  }

  public Result run() throws IOException, SQLException, InterruptedException {
    long started = System.nanoTime();
    Path home = Files.createTempDirectory("remediator-demo-");
    try {
      narrator.step("Starting PostgreSQL (embedded, max_connections=" + DemoDatabase.MAX_CONNECTIONS
          + ", 3 reserved)");
      try (DemoDatabase db = DemoDatabase.start(home);
          SimulatedApplication app = SimulatedApplication.start(db, LEAKED, HEALTHY);
          DemoCluster cluster = startCluster(kubernetes, ServiceDownDemo.GOOD_IMAGE,
              RealCluster.Strategy.ROLLING_UPDATE, narrator::step);
          PodBoundLeak leak = cluster instanceof RealCluster real ? PodBoundLeak.start(db, real, LEAKED) : null;
          NotificationSink sink = NotificationSink.start(out)) {
        narrator.step("Simulated auth-service: " + LEAKED + " sessions left idle in transaction, " + HEALTHY
            + " healthy; /health and /ready at " + app.url(""));
        narrator.step(cluster.describe() + ", DATABASE_POOL_SIZE=20");
        if (cluster instanceof RealCluster) {
          narrator.step("The leak is in the running pods: sessions terminated come back until a rollout replaces"
              + " them");
        }
        narrator.step("Notification sink (Slack, PagerDuty, webhook stand-ins) at " + sink.url("/"));

        String token = UUID.randomUUID().toString();
        Path tokenFile = Files.writeString(home.resolve("webhook-token"), token);
        String yaml =
            config(db.jdbcUrl(), tokenFile, app) + sink.configYaml(home.resolve("secrets"));
        RemediatorConfig config = ConfigLoader.parse(yaml, "demo configuration");

        narrator.step(temporal == TemporalMode.EMBEDDED
            ? "Starting embedded Temporal server, worker and Alertmanager receiver"
            : "Starting Temporal (" + temporal.name().toLowerCase(Locale.ROOT) + "), worker and Alertmanager receiver");
        TemporalServer server = TemporalMode.startServer(temporal, out, out, home.resolve("temporal"), 0, 0);
        if (server == null) {
          throw new IllegalStateException("no Temporal CLI for --temporal=cli");
        }
        try (EmbeddedStack stack = EmbeddedStack.start(config, server, "127.0.0.1", 0, cluster.client())) {
          if (server.uiUrl() != null) {
            narrator.step("Temporal Web UI at " + server.uiUrl());
          }
          while (db.youngestLeakSeconds() < TERMINATE_AFTER.toMillis() / 1000.0) {
            Thread.sleep(100); // the leak must be older than the demo's termination threshold
          }
          narrator.step("POST " + stack.webhookUrl() + "  (DatabaseConnectionPoolCritical, auth-service/authdb)");
          HttpResponse<String> response = fire(stack.webhookUrl(), token, "/demo/firing-critical.json");
          narrator.step("Receiver answered " + response.statusCode() + " " + response.body());
          if (response.statusCode() != 200) {
            throw new IllegalStateException("the receiver refused the alert");
          }

          IncidentControl incidents = stack.incidents();
          if (server.uiUrl() != null) {
            incidents.runningRunId(INCIDENT_ID).ifPresent(run -> narrator.step("The incident in the Web UI: "
                + server.workflowUrl(stack.client().getOptions().getNamespace(), INCIDENT_ID, run)));
          }
          IncidentStatus status = follow(incidents, IncidentStatus::awaitingApproval);
          String plan = status.plan().planId();
          if (status.escalatedTo() != null) {
            narrator.step("The database team was paged; " + ON_CALL + " acknowledges (signal 'acknowledge')");
            incidents.decide(INCIDENT_ID, new DecisionRequest(DecisionRequest.ACKNOWLEDGE, null, ON_CALL, "on it"));
          }
          narrator.step("Approval needed for " + plan + ". Equivalent commands:");
          out.println("      TEMPORAL_ADDRESS=" + stack.temporalAddress() + " ./remediator approve " + INCIDENT_ID
              + " --by " + APPROVER + " --plan " + plan + " --reason 'leak confirmed'");
          out.println("      temporal workflow signal --address " + stack.temporalAddress() + " --workflow-id '"
              + INCIDENT_ID + "' --name approve --input '{\"planId\":\"" + plan + "\",\"approver\":\"" + APPROVER
              + "\",\"reason\":\"leak confirmed\"}'");
          incidents.approve(INCIDENT_ID, new ApprovalDecision(plan, APPROVER, "leak confirmed"));

          follow(incidents, s -> s.phase() == IncidentPhase.RECOVERED);
          narrator.step("Recovered. Alertmanager sends the resolved notification; the incident closes");
          HttpResponse<String> resolved = fire(stack.webhookUrl(), token, "/demo/resolved.json");
          if (resolved.statusCode() != 200) {
            throw new IllegalStateException("the receiver refused the resolved notification: " + resolved.body());
          }
          IncidentReport report = incidents.result(INCIDENT_ID, IncidentReport.class);
          narrator.timeline(report.timeline());
          RealCluster.State state = cluster.finalState(narrator::step);
          Result result =
              new Result(report, LEAKED, db.idleInTransactionNow(), HEALTHY, db.idleNow(),
                  cluster.completedRollouts(), sink.received().size(), state);
          report(result, (System.nanoTime() - started) / 1_000_000_000.0);
          if (holdUi && server.uiUrl() != null) {
            out.println("The run stays in the Temporal UI (" + server.uiUrl() + ") until you press Enter.");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
          }
          return result;
        }
      }
    } finally {
      deleteTree(home);
    }
  }

  /** Follows the incident (printing its timeline) until {@code until} holds. */
  private IncidentStatus follow(IncidentControl incidents, Predicate<IncidentStatus> until)
      throws InterruptedException {
    return narrator.follow(incidents, until, Duration.ofSeconds(kubernetes == KubernetesMode.REAL ? 120 : 30));
  }

  private void report(Result r, double seconds) {
    IncidentReport rep = r.report();
    out.println();
    out.println("Incident report " + rep.incidentId());
    out.printf(Locale.ROOT, "  outcome              %s%n", rep.outcome());
    out.printf(Locale.ROOT, "  utilization          %.1f%% -> %.1f%%%n", PoolReportSection.of(rep).utilizationBefore() * 100,
        PoolReportSection.of(rep).utilizationAfter() * 100);
    out.printf(Locale.ROOT, "  sessions found       %d idle in transaction (leaked: %d)%n", PoolReportSection.of(rep).sessionsFound(),
        r.leaked());
    out.printf(Locale.ROOT, "  sessions terminated  %d%n", PoolReportSection.of(rep).sessionsTerminated());
    out.printf(Locale.ROOT, "  healthy sessions     %d before, %d after%n", r.healthyBefore(), r.healthyAfter());
    out.printf(Locale.ROOT, "  restarts / rollouts  %d (%s)%n", r.rollouts(), r.rollouts() == 0
        ? "terminating the leak was enough"
        : "rolled out by the real controller: now revision " + r.kubernetes().revision());
    out.printf(Locale.ROOT, "  escalation           %s%s; %d notification(s) delivered%n",
        rep.escalated() ? rep.escalationReason() : "none",
        rep.acknowledgedBy() == null ? "" : ", acknowledged by " + rep.acknowledgedBy(), r.notifications());
    out.printf(Locale.ROOT, "  incident duration    %d s (workflow time); demo took %.1f s%n",
        rep.durationSeconds(), seconds);
    out.println();
    out.println("Post-incident draft (Markdown, also in the workflow result):");
    rep.markdown().lines().limit(14).forEach(l -> out.println("  | " + l));
    out.println("  | ...");
    out.println(r.leakCleared() ? "Leak cleared." : "LEAK NOT CLEARED.");
  }

  /**
   * The simulated cluster, or the real control plane with the demo's Deployment of {@code image} available (its
   * start announced through {@code step}); throws {@link IllegalStateException} when the binaries are missing.
   */
  static DemoCluster startCluster(KubernetesMode mode, String image, RealCluster.Strategy strategy,
      java.util.function.Consumer<String> step) {
    if (mode != KubernetesMode.REAL) {
      return SimulatedCluster.start();
    }
    step.accept("Starting the real Kubernetes control plane (etcd, kube-apiserver with RBAC, controller-manager,"
        + " scheduler, KWOK) and deployment prod/auth-service (" + image + ")");
    return RealCluster.start(image, strategy);
  }

  static HttpResponse<String> fire(String url, String token, String payload)
      throws IOException, InterruptedException {
    byte[] body;
    try (InputStream in = Demo.class.getResourceAsStream(payload)) {
      body = in.readAllBytes();
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .header("User-Agent", "Alertmanager/0.25.0")
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  static String config(String jdbcUrl, Path tokenFile, SimulatedApplication app) {
    return """
        receiver:
          tokenFile: %s
        defaults:
          escalation:
            - {name: database, channels: [%s, %s, %s], ackTimeout: 15m}
            - {name: platform, channels: [%s], ackTimeout: 15m}
            - {name: development, channels: [%s], ackTimeout: 15m}
            - {name: management, channels: [%s], ackTimeout: 30m}
          idleInTransactionReportAfter: 2s
          idleInTransactionTerminateAfter: %ds
          approvers: [%s]
          verifySamples: 2
          verifyInterval: 1s
          quietPeriod: 1m
        targets:
          - service: auth-service
            namespace: prod
            database: authdb
            postgres:
              url: %s
              user: %s
              applicationRoles: [%s]
            %s
            endpoints:
              health: %s
              ready: %s
        """
        .formatted(tokenFile, NotificationSink.SLACK_CHANNEL, NotificationSink.PAGER_CHANNEL,
            NotificationSink.WEBHOOK_CHANNEL, NotificationSink.PAGER_CHANNEL, NotificationSink.SLACK_CHANNEL,
            NotificationSink.WEBHOOK_CHANNEL, TERMINATE_AFTER.toSeconds(), APPROVER, jdbcUrl,
            DemoDatabase.REMEDIATOR_ROLE, DemoDatabase.APP_ROLE, SimulatedCluster.TARGET_YAML, app.url("/health"),
            app.url("/ready"));
  }

  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
