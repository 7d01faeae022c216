package dev.remediator.kubernetes;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.Target;
import dev.remediator.kubernetes.dbpool.PoolSizeActivitiesImpl;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.StandardHttpRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * fabric8's mock API server in CRUD mode (expectations first, then CRUD), the client, and the test acting as the
 * controller: it writes the deployment's status the way the deployment controller would.
 */
final class KubeFixture implements AutoCloseable {
  static final String NS = "prod";
  static final String NAME = "auth-service";
  static final Target TARGET = new Target(NS, NAME, "authdb");
  static final Target WITHOUT_KUBERNETES = new Target(NS, "billing", "billingdb");
  static final Target UNCONFIGURED = new Target(NS, "payments", "paymentsdb");

  static final String CONFIG =
      """
      targets:
        - service: auth-service
          namespace: prod
          database: authdb
          postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator}
          kubernetes: {deployment: auth-service, container: auth-service, podSelector: app=auth-service}
        - service: billing
          namespace: prod
          database: billingdb
          postgres: {url: "jdbc:postgresql://db:5432/billingdb", user: remediator}
      """;

  /** A request as the client sent it (the mock server consumes request bodies). */
  record Sent(String method, String path, String contentType, String body) {}

  final List<Sent> sent = new CopyOnWriteArrayList<>();
  final KubernetesMockServer server;
  final KubernetesClient client;
  final TargetDirectory targets = new TargetDirectory(ConfigLoader.parse(CONFIG, "test"));

  KubeFixture() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(
        new Context(), new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), false);
    server.init();
    // No retries inside the client: the tests see each failure as the activity does.
    client = server.createClient(b -> b
        .editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig()
        .withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("record", new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            sent.add(new Sent(request.method(), request.uri().getRawPath()
                + (request.uri().getRawQuery() == null ? "" : "?" + request.uri().getRawQuery()),
                request instanceof StandardHttpRequest r ? r.getContentType() : request.header("Content-Type"),
                request.bodyString()));
          }
        })));
  }

  PoolSizeActivitiesImpl poolSize() {
    return new PoolSizeActivitiesImpl(targets, () -> client);
  }

  KubernetesActivitiesImpl activities() {
    return new KubernetesActivitiesImpl(targets, () -> client, java.time.Duration.ofMillis(20));
  }

  static DeploymentBuilder deployment(List<EnvVar> env) {
    return new DeploymentBuilder()
        .withNewMetadata().withName(NAME).withNamespace(NS).addToLabels("app", NAME).endMetadata()
        .withNewSpec()
        .withReplicas(3)
        .withNewSelector().addToMatchLabels("app", NAME).endSelector()
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", NAME).endMetadata()
        .withNewSpec()
        .addNewContainer().withName("istio-proxy").withImage("istio/proxyv2:1.22").endContainer()
        .addNewContainer().withName(NAME).withImage("registry.example/auth-service:2.4.1").withEnv(env)
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec();
  }

  static List<EnvVar> env(String... nameValues) {
    List<EnvVar> env = new ArrayList<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      env.add(new EnvVar(nameValues[i], nameValues[i + 1], null));
    }
    return env;
  }

  /** Creates the deployment and, as the controller, marks its first rollout complete. */
  Deployment create(Deployment d) {
    client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).create();
    return rolledOut();
  }

  Deployment get() {
    return client.apps().deployments().inNamespace(NS).withName(NAME).get();
  }

  /** Controller: observed the current generation and every replica is updated and available. */
  Deployment rolledOut() {
    Deployment d = get();
    int r = d.getSpec().getReplicas();
    return status(d.getMetadata().getGeneration(), r, r, r);
  }

  Deployment status(long observedGeneration, int replicas, int updated, int available, DeploymentCondition... c) {
    return client.apps().deployments().inNamespace(NS).withName(NAME).editStatus(d -> {
      d.setStatus(new DeploymentStatusBuilder()
          .withObservedGeneration(observedGeneration)
          .withReplicas(replicas)
          .withUpdatedReplicas(updated)
          .withAvailableReplicas(available)
          .withReadyReplicas(available)
          .withConditions(c)
          .build());
      return d;
    });
  }

  static DeploymentCondition progressDeadlineExceeded() {
    return new DeploymentConditionBuilder()
        .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
        .withMessage("ReplicaSet \"auth-service-7d9f\" has timed out progressing.")
        .build();
  }

  void pod(String name, Map<String, String> labels) {
    pod(name, labels, "Running");
  }

  void pod(String name, Map<String, String> labels, String phase) {
    client.pods().inNamespace(NS).resource(new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
        .withNewSpec()
        .addNewContainer().withName("istio-proxy").endContainer()
        .addNewContainer().withName(NAME).endContainer()
        .endSpec()
        .withNewStatus().withPhase(phase).endStatus()
        .build()).create();
  }

  /** Every request sent since the last call, in order. */
  synchronized List<Sent> requests() {
    List<Sent> all = List.copyOf(sent);
    sent.clear();
    return all;
  }

  List<Sent> patches() {
    return requests().stream().filter(r -> "PATCH".equals(r.method())).toList();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
