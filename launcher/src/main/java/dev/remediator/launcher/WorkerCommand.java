package dev.remediator.launcher;

import com.uber.m3.tally.Scope;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.temporal.TemporalConnection;
import dev.remediator.temporal.TemporalReachability;
import dev.remediator.worker.PollsWaitForReady;
import dev.remediator.worker.MetricsServer;
import dev.remediator.worker.OpenIncidentsGauge;
import dev.remediator.worker.RemediatorWorker;
import dev.remediator.worker.WorkerMetrics;
import dev.remediator.worker.WorkerTuning;
import dev.remediator.worker.WorkerVersioning;
import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs a worker against the Temporal cluster named by the environment ({@code TEMPORAL_ADDRESS}, ...). */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Run a worker (TEMPORAL_ADDRESS...).",
      "Serves GET /healthz, /readyz (Temporal reachable) and /metrics (Prometheus) on --metrics-port.",
      "With a deployment name (--deployment-name, $REMEDIATOR_DEPLOYMENT_NAME or worker.deploymentName) the worker"
          + " is one build of that Temporal Worker Deployment and each incident stays PINNED to the build that"
          + " opened it; see `remediator versions`. Without one it is unversioned."
    })
final class WorkerCommand implements Callable<Integer> {
  @Mixin ConfigOption config;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      defaultValue = "${env:REMEDIATOR_METRICS_PORT:-" + MetricsServer.DEFAULT_PORT + "}",
      description = "Port of /healthz, /readyz, /metrics (default: $REMEDIATOR_METRICS_PORT or ${DEFAULT-VALUE};"
          + " 0 turns the endpoint off).")
  int metricsPort;

  @Option(
      names = "--metrics-host",
      paramLabel = "ADDRESS",
      defaultValue = "${env:REMEDIATOR_METRICS_HOST:-127.0.0.1}",
      description = "Listen address of the metrics endpoint (default: $REMEDIATOR_METRICS_HOST or"
          + " ${DEFAULT-VALUE}; 0.0.0.0 for every interface, e.g. in a pod).")
  String metricsHost;

  @Option(
      names = "--workflow-cache-size",
      paramLabel = "N",
      description = "Incidents kept in memory between workflow tasks (default " + 32 + "; others are replayed"
          + " from history when they wake; 0: none, and no sticky execution: every workflow task from the task queue,"
          + " FIFO, measured fairer in a storm of 1,000 incidents, see BENCHMARKS.md).")
  Integer workflowCacheSize;

  @Option(
      names = "--max-workflow-threads",
      paramLabel = "N",
      description = "Threads running workflow code, at least the cache size (default 40).")
  Integer maxWorkflowThreads;

  @Option(
      names = "--max-concurrent-activities",
      paramLabel = "N",
      description = "Activities executed at once (default 32).")
  Integer maxConcurrentActivities;

  @Option(
      names = "--max-concurrent-workflow-tasks",
      paramLabel = "N",
      description = "Workflow tasks executed at once (default 16).")
  Integer maxConcurrentWorkflowTasks;

  @Option(
      names = "--max-workflow-task-pollers",
      paramLabel = "N",
      description = "Long polls for workflow tasks at once, per queue (sticky, task queue): scaled from 1 up to N"
          + " while the server hands out tasks (default 8).")
  Integer workflowPollers;

  @Option(
      names = "--max-activity-task-pollers",
      paramLabel = "N",
      description = "Long polls for activity tasks at once: scaled from 1 up to N (default 8).")
  Integer activityPollers;

  WorkerTuning tuning() {
    WorkerTuning d = WorkerTuning.DEFAULT;
    return new WorkerTuning(
        workflowCacheSize != null ? workflowCacheSize : d.workflowCacheSize(),
        maxWorkflowThreads != null ? maxWorkflowThreads : d.maxWorkflowThreads(),
        maxConcurrentWorkflowTasks != null ? maxConcurrentWorkflowTasks : d.maxConcurrentWorkflowTasks(),
        maxConcurrentActivities != null ? maxConcurrentActivities : d.maxConcurrentActivities(),
        workflowPollers != null ? workflowPollers : d.workflowPollers(),
        activityPollers != null ? activityPollers : d.activityPollers());
  }

  @Option(
      names = "--deployment-name",
      paramLabel = "NAME",
      description = "Temporal Worker Deployment this worker belongs to (default: $" + WorkerVersioning.DEPLOYMENT_ENV
          + ", else worker.deploymentName in the file; none: unversioned).")
  String deploymentName;

  @Option(
      names = "--build-id",
      paramLabel = "ID",
      description = "This worker's build within the deployment (default: $" + WorkerVersioning.BUILD_ID_ENV
          + ", else worker.buildId, else the jar's version and git commit, or a hash of the jar).")
  String buildId;

  @Option(
      names = "--embedded-server",
      hidden = true,
      description = "Treat the server as the embedded test server (`remediator server`): no sticky execution. Not"
          + " needed: the worker recognises that server by itself.")
  boolean embeddedServer;

  @Override
  public Integer call() throws InterruptedException {
    RemediatorConfig cfg = config.load();
    WorkerTuning tuning;
    WorkerVersioning versioning;
    try {
      tuning = tuning();
      versioning = WorkerVersioning.resolve(deploymentName, buildId, cfg.workerOrDefault(), System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    WorkerMetrics metrics = new WorkerMetrics();
    Scope scope = metrics.temporalScope(Duration.ofSeconds(5));
    try (TemporalConnection temporal = TemporalConnection.connect(null, stubs -> stubs.setMetricsScope(scope)
            .setGrpcClientInterceptors(java.util.List.of(PollsWaitForReady.INSTANCE)));
        MetricsServer http =
            metricsPort > 0 ? MetricsServer.start(metricsHost, metricsPort, metrics, temporal.service()) : null) {
      // The embedded test server strands a dead worker's incidents on its sticky queue: recognised, not flagged.
      TemporalReachability.logChanges(temporal.service(), "the worker");
      boolean embedded = embeddedServer || RemediatorWorker.isEmbeddedTestServer(temporal.service());
      if (embedded && versioning.enabled()) {
        System.err.println("error: the embedded test server has no Worker Versioning: run the worker without a"
            + " deployment name there (or use temporal server start-dev)");
        return 2;
      }
      WorkerFactory factory = RemediatorWorker.create(temporal.client(), cfg, embedded, tuning, versioning);
      factory.start();
      OpenIncidentsGauge open =
          OpenIncidentsGauge.start(metrics.registry(), temporal.client(), Duration.ofSeconds(30));
      System.out.println("worker polling task queue " + cfg.taskQueueOrDefault() + " in namespace "
          + temporal.namespace() + (embedded ? " (embedded test server: sticky execution off)" : "")
          + (http != null ? "; metrics on " + metricsHost + ":" + http.port() + "/metrics" : ""));
      System.out.println(versioning.enabled()
          ? "worker versioning: deployment " + versioning.deploymentName() + ", build " + versioning.buildId()
              + " (" + versioning.buildIdSource() + "); incidents pinned to the build that opened them"
              + RemediatorWorker.routingHint(temporal.client(), versioning)
          : "worker versioning: off (no deployment name): unversioned worker");
      Services.awaitShutdown(
          () -> {
            open.close();
            factory.shutdown();
            factory.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            Services.close(scope);
          });
      return 0;
    }
  }
}
