package dev.remediator.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.uber.m3.tally.Scope;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's registry exposes what a workflow emits through {@code Workflow.getMetricsScope()} under the documented
 * Prometheus names: a small workflow emits exactly what the incident workflow is to emit.
 */
class WorkerMetricsTest {

  @WorkflowInterface
  public interface EmittingWorkflow {
    @WorkflowMethod
    void run(String incidentId);

    @SignalMethod
    void decide();
  }

  /** Emits like the incident workflow: pending while waiting, then an action, the close and time to mitigate. */
  public static class EmittingWorkflowImpl implements EmittingWorkflow {
    private boolean decided;

    @Override
    public void run(String incidentId) {
      Scope scope = Workflow.getMetricsScope().tagged(Map.of("incident", incidentId));
      long started = Workflow.currentTimeMillis();
      scope.gauge("remediator_approvals_pending").update(1);
      Workflow.await(() -> decided);
      scope.gauge("remediator_approvals_pending").update(0);
      scope.tagged(Map.of("type", "terminate_sessions", "outcome", "succeeded")).counter("remediator_actions").inc(1);
      scope.tagged(Map.of("outcome", "MITIGATED")).counter("remediator_incidents_closed").inc(1);
      scope
          .timer("remediator_time_to_mitigate")
          .record(com.uber.m3.util.Duration.ofMillis(Workflow.currentTimeMillis() - started + 42_000));
    }

    @Override
    public void decide() {
      decided = true;
    }
  }

  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private WorkerMetrics metrics;
  private Scope scope;
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private MetricsServer http;

  @BeforeEach
  void start() {
    metrics = new WorkerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), clock::get);
    scope = metrics.temporalScope(Duration.ofMillis(50));
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setMetricsScope(scope).build());
    Worker worker = env.newWorker("metrics-test");
    worker.registerWorkflowImplementationTypes(EmittingWorkflowImpl.class);
    env.start();
    client = env.getWorkflowClient();
    http = MetricsServer.start("127.0.0.1", 0, metrics, env.getWorkflowServiceStubs());
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    env.close();
  }

  private EmittingWorkflow start(String incidentId) {
    EmittingWorkflow wf =
        client.newWorkflowStub(
            EmittingWorkflow.class,
            WorkflowOptions.newBuilder().setWorkflowId(incidentId).setTaskQueue("metrics-test").build());
    WorkflowClient.start(wf::run, incidentId);
    return wf;
  }

  private String get(String path, int expectedStatus) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(expectedStatus);
    return r.body();
  }

  private static double value(String exposition, String prefix) {
    return exposition
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void workflowMetricsAreExposedUnderTheDocumentedNames() throws Exception {
    EmittingWorkflow a = start("dbpool:prod:a:adb");
    EmittingWorkflow b = start("dbpool:prod:b:bdb");

    await().atMost(Duration.ofSeconds(10)).until(() -> value(metrics.scrape(), "remediator_approvals_pending ") == 2);
    clock.addAndGet(Duration.ofSeconds(90).toNanos());
    assertThat(value(get("/metrics", 200), "remediator_approval_pending_oldest_seconds ")).isEqualTo(90);

    a.decide(); // no getResult here: it would unlock time skipping while b still waits
    await().atMost(Duration.ofSeconds(10)).until(() -> value(metrics.scrape(), "remediator_approvals_pending ") == 1);
    b.decide();
    client.newUntypedWorkflowStub("dbpool:prod:b:bdb").getResult(Void.class);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String m = get("/metrics", 200);
              assertThat(value(m, "remediator_approvals_pending ")).isZero();
              assertThat(value(m, "remediator_approval_pending_oldest_seconds ")).isZero();
              assertThat(value(m, "remediator_actions_total{")).isEqualTo(2);
              assertThat(m).containsPattern(
                  "remediator_actions_total\\{[^}]*outcome=\"succeeded\"[^}]*type=\"terminate_sessions\"[^}]*} 1");
              assertThat(value(m, "remediator_incidents_closed_total{")).isEqualTo(2);
              assertThat(m).contains("outcome=\"MITIGATED\"");
              assertThat(value(m, "remediator_time_to_mitigate_seconds_count{")).isEqualTo(2);
              assertThat(value(m, "remediator_time_to_mitigate_seconds_sum{")).isGreaterThanOrEqualTo(84);
              assertThat(m).contains("remediator_time_to_mitigate_seconds_bucket{");
              // and the SDK's own worker metrics
              assertThat(m).contains("temporal_workflow_completed_total{");
            });
  }

  @Test
  void healthAndReadiness() throws Exception {
    assertThat(get("/healthz", 200)).contains("ok");
    assertThat(get("/readyz", 200)).contains("reachable");
    get("/nope", 404);

    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    WorkflowServiceStubs down =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + closed).build());
    try (MetricsServer unready = MetricsServer.start("127.0.0.1", 0, metrics, down)) {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + unready.port() + "/readyz")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("not reachable");
    } finally {
      down.shutdownNow();
    }
  }
}
