package dev.remediator.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.launcher.EmbeddedStack;
import dev.remediator.launcher.TemporalMode;
import dev.remediator.launcher.TemporalServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * {@code ./remediator demo service-down}: the Service Down runbook end to end on the embedded stack. The SIMULATED
 * cluster rolls out an image that crashes at start, every pod crash-loops and the service's probes fail; a real
 * {@code ServiceDown} webhook opens the incident; the runbook diagnoses a bad rollout, plans the rollback, an approver
 * approves it, the rollout back to the previous revision completes, the probes recover and the report is printed.
 */
public final class ServiceDownDemo {
  static final String INCIDENT_ID = "servicedown:prod:auth-service:authdb";
  static final String BAD_IMAGE = "registry.example/auth-service:2.5.0";
  static final String GOOD_IMAGE = "registry.example/auth-service:2.4.1";
  /** On the real control plane: KWOK's crash-loop stage (scripts/kube/pod-crashloop.yaml) takes images so named. */
  static final String REAL_BAD_IMAGE = "registry.example/auth-service:2.5.0-crashloop";

  /** What the demo observed: the incident's report and the cluster after it. */
  public record Result(
      IncidentReport report, String imageAfter, int servingAfter, int crashingAfter, RealCluster.State kubernetes) {
    public boolean rolledBack() {
      return report.outcome() == IncidentOutcome.MITIGATED
          && report.actions().stream()
              .anyMatch(a -> a.type() == ActionType.ROLLBACK && a.result() == ActionResult.EXECUTED)
          && GOOD_IMAGE.equals(imageAfter)
          && servingAfter == SimulatedCluster.REPLICAS
          && crashingAfter == 0;
    }
  }

  private final PrintStream out;
  private final Narrator narrator;
  private final KubernetesMode kubernetes;

  public ServiceDownDemo(PrintStream out) {
    this(out, KubernetesMode.SIMULATED);
  }

  /** @param kubernetes the simulated cluster, or the real control plane (the bad image crash-loops through KWOK) */
  public ServiceDownDemo(PrintStream out, KubernetesMode kubernetes) {
    this.out = out;
    this.narrator = new Narrator(out, INCIDENT_ID);
    this.kubernetes = kubernetes;
  }

  /** The bad release's image: on the real control plane one KWOK's crash-loop stage makes crash. */
  String badImage() {
    return kubernetes == KubernetesMode.REAL ? REAL_BAD_IMAGE : BAD_IMAGE;
  }

  public Result run() throws IOException, InterruptedException {
    long started = System.nanoTime();
    Path home = Files.createTempDirectory("remediator-demo-");
    // On the real control plane the release replaces every pod at once (strategy Recreate), so the service goes down.
    try (DemoCluster cluster =
            Demo.startCluster(kubernetes, GOOD_IMAGE, RealCluster.Strategy.RECREATE, narrator::step);
        NotificationSink sink = NotificationSink.start(out);
        Probes probes = Probes.start(cluster)) {
      narrator.step(cluster.describe() + " of " + cluster.image());
      narrator.step("Rolling out " + badImage() + " (an image that crashes at start)");
      cluster.rollOutBrokenImage(badImage(), "release 2.5.0: new token module (#1301)");
      await("every pod crash-loops", () -> cluster.crashingPods() == SimulatedCluster.REPLICAS
          && cluster.servingPods() == 0);
      narrator.step("Every pod crash-loops; /health and /ready at " + probes.url("") + " answer 503");

      String token = UUID.randomUUID().toString();
      Path tokenFile = Files.writeString(home.resolve("webhook-token"), token);
      RemediatorConfig config = ConfigLoader.parse(
          config(tokenFile, probes) + sink.configYaml(home.resolve("secrets")), "demo configuration");
      narrator.step("Starting embedded Temporal server, worker and Alertmanager receiver");
      TemporalServer server = TemporalMode.startServer(TemporalMode.EMBEDDED, out, out, home.resolve("temporal"), 0, 0);
      try (EmbeddedStack stack = EmbeddedStack.start(config, server, "127.0.0.1", 0, cluster.client())) {
        IncidentReport report = narrator.fireApproveAndClose(stack, token, "/demo/service-down-firing.json",
            "/demo/service-down-resolved.json", "ServiceDown, prod/auth-service", "bad image", Duration.ofSeconds(kubernetes == KubernetesMode.REAL ? 120 : 60));
        RealCluster.State state = cluster.finalState(narrator::step);
        Result result =
            new Result(report, cluster.image(), cluster.servingPods(), cluster.crashingPods(), state);
        report(result, (System.nanoTime() - started) / 1_000_000_000.0);
        return result;
      }
    } finally {
      Demo.deleteTree(home);
    }
  }

  private void report(Result r, double seconds) {
    IncidentReport rep = r.report();
    out.println();
    out.println("Incident report " + rep.incidentId());
    out.printf(Locale.ROOT, "  outcome        %s%n", rep.outcome());
    out.printf(Locale.ROOT, "  actions        %s%n", String.join("; ", rep.actions().stream()
        .map(a -> a.type() + " " + a.result()).toList()));
    out.printf(Locale.ROOT, "  image now      %s (%d serving, %d crash-looping)%n", r.imageAfter(),
        r.servingAfter(), r.crashingAfter());
    out.printf(Locale.ROOT, "  duration       %d s (workflow time); demo took %.1f s%n", rep.durationSeconds(),
        seconds);
    out.println();
    out.println("Post-incident draft (Markdown, also in the workflow result):");
    rep.markdown().lines().limit(16).forEach(l -> out.println("  | " + l));
    out.println("  | ...");
    out.println(r.rolledBack() ? "Rolled back." : "NOT ROLLED BACK.");
  }

  private void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    boolean real = kubernetes == KubernetesMode.REAL;
    long deadline = System.nanoTime() + Duration.ofSeconds(real ? 120 : 30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the " + (real ? "real" : "simulated") + " cluster did not reach: " + what);
      }
      Thread.sleep(50);
    }
  }

  static String config(Path tokenFile, Probes probes) {
    return """
        receiver:
          tokenFile: %s
        defaults:
          escalation:
            - {name: platform, channels: [%s, %s], ackTimeout: 15m}
            - {name: development, channels: [%s], ackTimeout: 15m}
          approvers: [%s]
          verifySamples: 2
          verifyInterval: 1s
          rolloutTimeout: 1m
          quietPeriod: 1m
        targets:
          - service: auth-service
            namespace: prod
            database: authdb
            postgres:
              url: jdbc:postgresql://127.0.0.1:1/authdb
              user: remediator
              applicationRoles: [auth_service]
            %s
            endpoints:
              health: %s
              ready: %s
        """.formatted(tokenFile, NotificationSink.SLACK_CHANNEL, NotificationSink.PAGER_CHANNEL,
        NotificationSink.WEBHOOK_CHANNEL, Demo.APPROVER, SimulatedCluster.TARGET_YAML, probes.url("/health"),
        probes.url("/ready"));
  }

  /** The service's /health and /ready: 200 while a pod serves, 503 while every pod crash-loops. */
  static final class Probes implements AutoCloseable {
    private final HttpServer http;

    private Probes(HttpServer http) {
      this.http = http;
    }

    /** Serving while the cluster has a pod that serves (on the real control plane: a Ready pod, not being deleted). */
    static Probes start(DemoCluster cluster) throws IOException {
      HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      http.createContext("/", x -> answer(x, cluster.servingPods() > 0));
      http.start();
      return new Probes(http);
    }

    String url(String path) {
      return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    private static void answer(HttpExchange x, boolean serving) throws IOException {
      try (x) {
        byte[] body = (serving ? "ok" : "no pod serves: every container crash-loops").getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(serving ? 200 : 503, body.length);
        x.getResponseBody().write(body);
      }
    }

    @Override
    public void close() {
      http.stop(0);
    }
  }
}
