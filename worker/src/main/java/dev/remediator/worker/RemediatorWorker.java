package dev.remediator.worker;

import dev.remediator.config.EscalationCheck;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.registry.Runbooks;
import dev.remediator.kubernetes.KubernetesClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.function.Supplier;

/** Registers the incident workflow and its activities on the configured task queue. */
public final class RemediatorWorker {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RemediatorWorker.class);
  private RemediatorWorker() {}

  /**
   * Is the server at the other end the SDK's embedded test server ({@code remediator server}, the demo's)? It answers
   * {@code GetSystemInfo} without a server version and without the capabilities a real server has (schedules); a
   * Temporal server ({@code temporal server start-dev}, a cluster, Temporal Cloud) names its version. The test
   * server ignores the sticky queue's schedule-to-start timeout, so a worker that dies there strands its incidents on
   * its sticky queue unless sticky execution is off; a real server moves them back to the task queue after that
   * timeout (5 s), so sticky execution (the cache) stays on there.
   */
  public static boolean isEmbeddedTestServer(WorkflowServiceStubs service) {
    GetSystemInfoResponse info =
        service
            .blockingStub()
            .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
            .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    return info.getServerVersion().isEmpty() && !info.getCapabilities().getSupportsSchedules();
  }

  /**
   * Creates (but does not start) the worker factory. The Kubernetes client is built on first use from the
   * environment (in-cluster service account, or kubeconfig); see {@link KubernetesClients#fromEnvironment()}.
   *
   * @param embedded true against the embedded test server: there a restarted worker would strand workflows on the
   *     dead worker's sticky queue, so sticky execution is given up at once
   */
  public static WorkerFactory create(WorkflowClient client, RemediatorConfig config, boolean embedded) {
    return create(client, config, embedded, WorkerTuning.DEFAULT);
  }

  /** As {@link #create(WorkflowClient, RemediatorConfig, boolean)}, with the given cache and thread budget. */
  public static WorkerFactory create(
      WorkflowClient client, RemediatorConfig config, boolean embedded, WorkerTuning tuning) {
    return create(client, config, embedded, tuning, WorkerVersioning.OFF);
  }

  /**
   * As {@link #create(WorkflowClient, RemediatorConfig, boolean, WorkerTuning)}, as one build of a Worker Deployment
   * when {@code versioning} is enabled (incidents PINNED to the build that opened them); {@link WorkerVersioning#OFF}
   * leaves the worker unversioned.
   */
  public static WorkerFactory create(
      WorkflowClient client, RemediatorConfig config, boolean embedded, WorkerTuning tuning,
      WorkerVersioning versioning) {
    return create(client, config, embedded, KubernetesClients.lazyFromEnvironment(), tuning, versioning);
  }

  /**
   * As {@link #create(WorkflowClient, RemediatorConfig, boolean)}, against a given Kubernetes client (e.g. the
   * demo's simulated cluster or a test's mock server). The caller owns the client and closes it after the worker.
   */
  public static WorkerFactory create(
      WorkflowClient client, RemediatorConfig config, boolean embedded, KubernetesClient kubernetes) {
    return create(client, config, embedded, () -> kubernetes, WorkerTuning.DEFAULT, WorkerVersioning.OFF);
  }

  private static WorkerFactory create(
      WorkflowClient client, RemediatorConfig config, boolean embedded, Supplier<KubernetesClient> kubernetes,
      WorkerTuning tuning, WorkerVersioning versioning) {
    SearchAttributeRegistration.ensure(client);
    for (String warning : EscalationCheck.warnings(config)) {
      log.warn(warning);
    }
    WorkerFactory factory = WorkerFactory.newInstance(client, tuning.factoryOptions());
    WorkerOptions.Builder options = tuning.workerOptions();
    if (embedded) {
      options.setStickyQueueScheduleToStartTimeout(Duration.ZERO);
    }
    if (versioning.enabled()) {
      options.setDeploymentOptions(versioning.options());
    }
    Worker worker = factory.newWorker(config.taskQueueOrDefault(), options.build());
    Runbooks.registerWorkflows(worker);
    worker.registerActivitiesImplementations(RunbookActivities.all(config, kubernetes));
    return factory;
  }

  /**
   * For the start line of a versioned worker: nothing when its build is the deployment's current one already, else
   * how to route new incidents to it (asked best-effort: a deployment a first worker just created may not be
   * described yet).
   */
  public static String routingHint(WorkflowClient client, WorkerVersioning versioning) {
    String promote = "; new incidents reach it once promoted: remediator versions promote " + versioning.buildId()
        + " --deployment " + versioning.deploymentName();
    try {
      var routing = client.getWorkflowServiceStubs().blockingStub()
          .withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
          .describeWorkerDeployment(io.temporal.api.workflowservice.v1.DescribeWorkerDeploymentRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setDeploymentName(versioning.deploymentName())
              .build())
          .getWorkerDeploymentInfo().getRoutingConfig();
      if (routing.getCurrentDeploymentVersion().getBuildId().equals(versioning.buildId())) {
        return "; it is the deployment's current build";
      }
      return promote + (routing.hasCurrentDeploymentVersion()
          ? " (current: " + routing.getCurrentDeploymentVersion().getBuildId() + ")" : " (no build is current yet)");
    } catch (RuntimeException e) {
      return promote;
    }
  }
}
