package dev.remediator.kubernetes.real;

import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.Target;
import dev.remediator.kubeplane.ControlPlane;
import dev.remediator.kubeplane.ControlPlaneExtension;
import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import dev.remediator.runbook.KubernetesActivities;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;

/**
 * What the real-Kubernetes tests share: the one control plane of the test JVM ({@link ControlPlaneExtension}; each
 * test class is {@code @ExtendWith} it, so it is running before the class's first callback), its admin (the tests'
 * own setup and checks) and worker (the code under test) clients, the target {@code prod/auth-service} and its
 * configuration, and the Deployment the tests create, change and remove as the admin.
 */
final class RealApi {
  static final String NS = ControlPlane.TARGET_NAMESPACE;
  static final String NAME = "auth-service";
  static final String GOOD = "registry.example/auth-service:2.4.1";
  static final String BAD = "registry.example/auth-service:2.5.0-crashloop";
  static final Target TARGET = new Target(NS, NAME, "authdb");
  /** A Deployment deploy/'s Role does not name. */
  static final Target BILLING = new Target(NS, "billing", "billingdb");
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
          kubernetes: {deployment: billing, container: billing, podSelector: app=billing}
      """;
  static final Duration ROLLOUT = Duration.ofMinutes(2);

  private RealApi() {}

  static ControlPlane controlPlane() {
    return ControlPlaneExtension.require();
  }

  /** Cluster admin: the tests' own setup and checks. */
  static KubernetesClient admin() {
    return controlPlane().admin();
  }

  /** The {@code remediator-worker} ServiceAccount's client: what the activities under test get. */
  static KubernetesClient worker() {
    return controlPlane().worker();
  }

  static TargetDirectory targets(String config) {
    return new TargetDirectory(ConfigLoader.parse(config, "test"));
  }

  /** The pool runbook's Kubernetes activities with the worker's token (500 ms between rollout polls). */
  static KubernetesActivitiesImpl kubernetesActivities(TargetDirectory targets) {
    return new KubernetesActivitiesImpl(targets, RealApi::worker, Duration.ofMillis(500));
  }

  /**
   * {@code kube} registered in {@code env}, and a stub to call it through (heartbeats included, as a worker would):
   * one attempt, a start-to-close timeout beyond {@link #ROLLOUT}, the runbook's 30 s heartbeat timeout.
   */
  static KubernetesActivities rolloutStub(TestActivityEnvironment env, KubernetesActivitiesImpl kube) {
    env.registerActivitiesImplementations(kube);
    return env.newActivityStub(KubernetesActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(ROLLOUT.plusMinutes(1))
        .setHeartbeatTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
  }

  // ---- the Deployment, as the admin -------------------------------------------------------------------------------

  /** 3 replicas of {@code image} in {@link #NS}, labelled {@code app=name}, container {@code name}, pool size 20. */
  static DeploymentBuilder deployment(String name, String image) {
    return new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).addToLabels("app", name).endMetadata()
        .withNewSpec()
        .withReplicas(3)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec()
        .addNewContainer().withName(name).withImage(image)
        .addNewEnv().withName("DATABASE_POOL_SIZE").withValue("20").endEnv()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec();
  }

  /** Creates it as the admin and waits for the real controller, scheduler and KWOK: every replica available. */
  static Deployment createHealthy(Deployment d) {
    admin().apps().deployments().inNamespace(NS).resource(d).create();
    String name = d.getMetadata().getName();
    await().atMost(ROLLOUT).until(() -> {
      Deployment now = get(name);
      return now.getStatus() != null && now.getStatus().getObservedGeneration() != null
          && now.getStatus().getObservedGeneration().equals(now.getMetadata().getGeneration())
          && available(now) == 3 && now.getStatus().getUpdatedReplicas() != null
          && now.getStatus().getUpdatedReplicas() == 3;
    });
    return get(name);
  }

  /** The admin changes the image, as a release pipeline would: a new revision. */
  static void setImage(String image) {
    admin().apps().deployments().inNamespace(NS).withName(NAME).patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"" + NAME + "\",\"image\":\"" + image
            + "\"}]}}}}");
  }

  /** Waits until the controller has observed the Deployment's latest generation. */
  static void awaitObserved() {
    await().atMost(ROLLOUT).until(() -> {
      Deployment d = get(NAME);
      return d.getStatus() != null && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration());
    });
  }

  /** Deletes a Deployment (foreground: its ReplicaSets and pods first) and waits until every pod of it is gone. */
  static void remove(String name) {
    if (get(name) == null) {
      return;
    }
    admin().apps().deployments().inNamespace(NS).withName(name)
        .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
    await().atMost(ROLLOUT).until(() -> get(name) == null && pods(name).isEmpty()
        && admin().apps().replicaSets().inNamespace(NS).withLabel("app", name).list().getItems().isEmpty());
  }

  static Deployment get(String name) {
    return admin().apps().deployments().inNamespace(NS).withName(name).get();
  }

  static int available(Deployment d) {
    return d.getStatus() == null || d.getStatus().getAvailableReplicas() == null
        ? 0 : d.getStatus().getAvailableReplicas();
  }

  static List<Pod> pods(String name) {
    return admin().pods().inNamespace(NS).withLabel("app", name).list().getItems();
  }
}
