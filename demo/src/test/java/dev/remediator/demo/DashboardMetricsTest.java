package dev.remediator.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.uber.m3.tally.Scope;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incident.ApprovalDecision;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.launcher.EmbeddedTemporal;
import dev.remediator.starter.AlertReceiver;
import dev.remediator.starter.IncidentControl;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.starter.ReceiverMetrics;
import dev.remediator.temporal.TemporalConnection;
import dev.remediator.worker.MetricsServer;
import dev.remediator.worker.OpenIncidentsGauge;
import dev.remediator.worker.RemediatorWorker;
import dev.remediator.worker.WorkerMetrics;
import io.temporal.worker.WorkerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard (deploy/grafana/remediator.json) queries only metrics that exist: the real worker and
 * receiver /metrics endpoints are scraped after a whole incident (alert, escalation, approval, termination,
 * recovery, close) and every metric of the dashboard must be in one of them or be defined by the Prometheus rules.
 * The names seen are kept in deploy/grafana/metrics-seen.txt for deploy/check.sh (which has no JVM); this test
 * fails when that file lists a name the endpoints do not serve ({@code -Dremediator.recordMetrics=true} rewrites it).
 */
class DashboardMetricsTest {
  static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
  static final Set<String> BUILT_IN = Set.of("up", "ALERTS");

  @TempDir Path home;

  @Test
  void everyMetricOfTheDashboardIsServedOrRecorded() throws Exception {
    Set<String> worker = new TreeSet<>();
    Set<String> receiver = new TreeSet<>();
    scrapeAfterAnIncident(worker, receiver);

    Set<String> rules = recordedByRules(Files.readString(DEPLOY.resolve("prometheus/rules.yaml")));
    assertThat(rules).contains("remediator:pg_connection_utilization:ratio");
    Set<String> dashboard = dashboardMetrics(DEPLOY.resolve("grafana/remediator.json"));
    assertThat(dashboard).contains("remediator_actions_total", "remediator_approval_pending_oldest_seconds",
        "remediator:pg_connection_utilization:ratio", "temporal_activity_execution_failed_total");
    // The embedded test server has no visibility List API: the gauge reports its listing errors instead.
    assertThat(worker).contains("remediator_incidents_open_errors_total");
    Set<String> servedOrExplained = new TreeSet<>(worker);
    servedOrExplained.add("remediator_incidents_open");

    Path seen = DEPLOY.resolve("grafana/metrics-seen.txt");
    List<String> lines = new ArrayList<>();
    lines.add("# The dashboard's metrics as the worker and receiver /metrics endpoints serve them after a whole");
    lines.add("# incident. Written by DashboardMetricsTest (-Dremediator.recordMetrics=true) and checked by it on");
    lines.add("# every run; deploy/check.sh checks the dashboard against this file and prometheus/rules.yaml.");
    lines.add("# remediator_incidents_open: the test server has no visibility List API; the test sees its errors counter.");
    servedOrExplained.stream().filter(dashboard::contains).forEach(m -> lines.add("worker " + m));
    receiver.stream().filter(dashboard::contains).forEach(m -> lines.add("receiver " + m));
    if (Boolean.getBoolean("remediator.recordMetrics")) {
      Files.write(seen, lines);
    }
    for (String m : dashboard) {
      assertThat(servedOrExplained.contains(m) || receiver.contains(m) || rules.contains(m) || BUILT_IN.contains(m))
          .as("dashboard metric %s is served by the worker or receiver or recorded by the rules", m).isTrue();
    }

    for (String line : Files.readAllLines(seen)) {
      if (!line.startsWith("#") && !line.isBlank()) {
        assertThat(lines).as("metrics-seen.txt lists what is served: " + line).contains(line);
      }
    }
  }

  private void scrapeAfterAnIncident(Set<String> worker, Set<String> receiver) throws Exception {
    try (DemoDatabase db = DemoDatabase.start(home);
        SimulatedApplication app = SimulatedApplication.start(db, 5, 2);
        SimulatedCluster cluster = SimulatedCluster.start();
        NotificationSink sink = NotificationSink.start(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      String token = UUID.randomUUID().toString();
      Path tokenFile = Files.writeString(home.resolve("webhook-token"), token);
      // A second target whose database does not answer: its activities fail (and are retried), as in real life.
      String unreachable = """
            - service: billing-service
              namespace: prod
              database: billingdb
              postgres: {url: "jdbc:postgresql://127.0.0.1:1/billingdb", user: remediator, connectTimeout: 1s}
          """;
      RemediatorConfig config = ConfigLoader.parse(Demo.config(db.jdbcUrl(), tokenFile, app) + unreachable
          + sink.configYaml(home.resolve("secrets")), "test");

      WorkerMetrics workerMetrics = new WorkerMetrics();
      Scope workerScope = workerMetrics.temporalScope(Duration.ofMillis(200));
      ReceiverMetrics receiverMetrics = new ReceiverMetrics();
      Scope receiverScope = receiverMetrics.temporalScope(Duration.ofMillis(200));
      try (TemporalConnection w = TemporalConnection.connect(temporal.address(), s -> s.setMetricsScope(workerScope));
          TemporalConnection r = TemporalConnection.connect(temporal.address(), s -> s.setMetricsScope(receiverScope));
          MetricsServer metricsHttp = MetricsServer.start("127.0.0.1", 0, workerMetrics, w.service());
          OpenIncidentsGauge open = OpenIncidentsGauge.start(workerMetrics.registry(), w.client(),
              Duration.ofMillis(500))) {
        WorkerFactory factory = RemediatorWorker.create(w.client(), config, true, cluster.client());
        factory.start();
        IncidentStubs stubs = new IncidentStubs(r.client());
        IncidentControl incidents = new IncidentControl(stubs);
        AlertReceiver http = new AlertReceiver(config, stubs, receiverMetrics).start("127.0.0.1", 0);
        try {
          String webhook = "http://127.0.0.1:" + http.port() + AlertReceiver.WEBHOOK_PATH;
          while (db.youngestLeakSeconds() < Demo.TERMINATE_AFTER.toSeconds()) {
            Thread.sleep(100);
          }
          assertThat(Demo.fire(webhook, token, "/demo/firing-critical.json").statusCode()).isEqualTo(200);
          String billing = new String(Demo.class.getResourceAsStream("/demo/firing-critical.json").readAllBytes(),
              java.nio.charset.StandardCharsets.UTF_8).replace("auth-service", "billing-service")
              .replace("authdb", "billingdb").replace("98606b87143f2dc9", "0000000000000001");
          HttpResponse<String> second = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(webhook))
              .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
              .POST(HttpRequest.BodyPublishers.ofString(billing)).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
          IncidentStatus s = await().atMost(Duration.ofSeconds(60))
              .until(() -> incidents.status(Demo.INCIDENT_ID), IncidentStatus::awaitingApproval);
          if (s.escalatedTo() != null) {
            incidents.decide(Demo.INCIDENT_ID,
                new DecisionRequest(DecisionRequest.ACKNOWLEDGE, null, Demo.ON_CALL, "on it"));
          }
          incidents.approve(Demo.INCIDENT_ID, new ApprovalDecision(s.plan().planId(), Demo.APPROVER, "go"));
          await().atMost(Duration.ofSeconds(60))
              .until(() -> incidents.status(Demo.INCIDENT_ID).phase() == IncidentPhase.RECOVERED);
          assertThat(Demo.fire(webhook, token, "/demo/resolved.json").statusCode()).isEqualTo(200);
          assertThat(incidents.result(Demo.INCIDENT_ID, IncidentReport.class).outcome())
              .isEqualTo(dev.remediator.incident.IncidentOutcome.MITIGATED);

          // A request Temporal refuses (no such incident): what a failing receiver request looks like.
          org.assertj.core.api.Assertions.assertThatThrownBy(() -> incidents.status("dbpool:prod:nobody:nodb"));
          String workerUrl = "http://127.0.0.1:" + metricsHttp.port() + "/metrics";
          String receiverUrl = "http://127.0.0.1:" + http.port() + "/metrics";
          await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            worker.clear();
            worker.addAll(names(get(workerUrl)));
            receiver.clear();
            receiver.addAll(names(get(receiverUrl)));
            assertThat(worker).contains("remediator_actions_total", "remediator_incidents_closed_total",
                "temporal_activity_execution_failed_total",
                "temporal_activity_execution_latency_seconds_count", "remediator_incidents_open_errors_total");
            assertThat(receiver).contains("remediator_receiver_requests_total", "temporal_request_latency_seconds_count",
                "temporal_request_failure_total");
          });
        } finally {
          http.close();
          factory.shutdownNow();
        }
      }
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** Metric names of a Prometheus text exposition (sample lines). */
  static Set<String> names(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.lines().toList()) {
      Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(line);
      if (!line.startsWith("#") && m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  static Set<String> recordedByRules(String rulesYaml) {
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\s*-?\\s*record:\\s*(\\S+)").matcher(rulesYaml);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** Metric names in every expr of the dashboard (panels and annotations), as deploy/scripts/check_dashboard.py. */
  static Set<String> dashboardMetrics(Path json) throws Exception {
    JsonNode d = new ObjectMapper().readTree(json.toFile());
    Set<String> names = new TreeSet<>();
    List<String> exprs = new ArrayList<>();
    d.findValues("expr").forEach(e -> exprs.add(e.asText()));
    assertThat(exprs).isNotEmpty();
    for (String expr : exprs) {
      String e = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
          .replaceAll("\\{[^}]*}", "")
          .replaceAll("\\[[^]]*]", "")
          .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "");
      Matcher m = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(e);
      while (m.find()) {
        String token = m.group();
        int end = m.end();
        boolean call = e.substring(end).stripLeading().startsWith("(");
        if (!call && !Set.of("and", "or", "unless", "bool", "offset").contains(token)) {
          names.add(token);
        }
      }
    }
    return names;
  }
}
