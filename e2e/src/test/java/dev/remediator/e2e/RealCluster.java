package dev.remediator.e2e;

import static org.awaitility.Awaitility.await;

import dev.remediator.kubeplane.ControlPlane;
import dev.remediator.kubeplane.ControlPlaneExtension;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Deployment {@code prod/auth-service} on the real control plane ({@link ControlPlane}: API server, controllers,
 * scheduler, KWOK), seen and changed by the admin — the test's own hands; the worker processes reach it with the
 * {@code remediator-worker} ServiceAccount's token ({@link ControlPlane#workerKubeconfig()}). The same Deployment
 * as the simulated cluster's: 3 replicas, container {@code auth-service}, label {@code app=auth-service}, pool env.
 *
 * <p>{@link #onControlPlane()}, called first in a scenario, gives it the one control plane of the test JVM
 * ({@link ControlPlaneExtension#require()}, started on first use). Without the binaries the scenario is skipped there,
 * with its reason in the durability report, unless {@code REMEDIATOR_REQUIRE_KUBE} makes that a failure. (Not in a
 * parameter resolver: JUnit turns a skip there into an error.) Registered as an extension, it hands the control
 * plane to JUnit's root store after each scenario, which closes it after the last test of the run.
 */
final class RealCluster implements AfterEachCallback {
  static final String NS = ControlPlane.TARGET_NAMESPACE;
  static final String NAME = "auth-service";
  static final String REVISION = "deployment.kubernetes.io/revision";
  static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
  static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
  static final Duration ROLLOUT = Duration.ofSeconds(120);
  private static volatile ControlPlane started;

  final ControlPlane controlPlane;
  final KubernetesClient admin;

  /** For JUnit (the extension). */
  RealCluster() {
    this.controlPlane = null;
    this.admin = null;
  }

  private RealCluster(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
    this.admin = controlPlane.admin();
  }

  /** The test JVM's control plane, started on first use; or the scenario is skipped (fails where required). */
  static RealCluster onControlPlane() {
    String unavailable = ControlPlane.unavailableReason();
    if (unavailable != null && !ControlPlaneExtension.required()) {
      DurabilityReport.note("skipped: " + unavailable);
    }
    started = ControlPlaneExtension.require();
    return new RealCluster(started);
  }

  @Override
  public void afterEach(ExtensionContext e) {
    ControlPlane cp = started;
    if (cp != null) {
      e.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
          .getOrComputeIfAbsent(ControlPlane.class, k -> cp, ControlPlane.class);
    }
  }

  // ---- the Deployment ---------------------------------------------------------------------------------------------

  /** How the Deployment replaces its pods. */
  enum Strategy {
    /** All old pods go at once ({@code maxUnavailable: 100%, maxSurge: 0}): a bad image takes the service down. */
    REPLACE_ALL,
    /** All new pods first ({@code maxSurge: 100%, maxUnavailable: 0}): the old ones serve until the new are available. */
    SURGE_ALL
  }

  /**
   * Creates the Deployment as the admin (an earlier one is removed first); pods count as available only after
   * {@code minReadySeconds}, so every rollout of it takes at least that long — the real controller's own mechanism.
   */
  void create(String image, int minReadySeconds, Strategy strategy) {
    remove();
    IntOrString all = new IntOrString("100%");
    IntOrString none = new IntOrString(0);
    IntOrString unavailable = strategy == Strategy.REPLACE_ALL ? all : none;
    IntOrString surge = strategy == Strategy.REPLACE_ALL ? none : all;
    Deployment d = new DeploymentBuilder()
        .withNewMetadata().withName(NAME).withNamespace(NS).addToLabels("app", NAME).endMetadata()
        .withNewSpec()
        .withReplicas(3)
        .withMinReadySeconds(minReadySeconds)
        .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
        .withMaxUnavailable(unavailable).withMaxSurge(surge).endRollingUpdate().endStrategy()
        .withNewSelector().addToMatchLabels("app", NAME).endSelector()
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", NAME).endMetadata()
        .withNewSpec()
        .addNewContainer().withName(NAME).withImage(image)
        .addNewEnv().withName("DATABASE_POOL_SIZE").withValue("20").endEnv()
        .addNewEnv().withName("DATABASE_MAX_OVERFLOW").withValue("10").endEnv()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    admin.apps().deployments().inNamespace(NS).resource(d).create();
  }

  /** Waits until the controller has observed the latest spec and every replica is updated and available. */
  void awaitComplete(Duration timeout) {
    await("deployment " + NS + "/" + NAME + " rolled out: " + NAME).atMost(timeout)
        .pollInterval(Duration.ofMillis(250)).until(this::complete);
  }

  /** What {@code kubectl rollout status} calls complete. */
  boolean complete() {
    Deployment d = get();
    if (d == null || d.getStatus() == null || d.getStatus().getObservedGeneration() == null) {
      return false;
    }
    var s = d.getStatus();
    return s.getObservedGeneration() >= d.getMetadata().getGeneration()
        && n(s.getUpdatedReplicas()) == 3 && n(s.getReplicas()) == 3 && n(s.getAvailableReplicas()) == 3;
  }

  /** The admin changes the image, as a release pipeline would: a new revision. */
  void setImage(String image) {
    admin.apps().deployments().inNamespace(NS).withName(NAME).patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"" + NAME + "\",\"image\":\"" + image
            + "\"}]}}}}");
  }

  /** Deletes the Deployment (foreground: ReplicaSets and pods first) and waits until all of it is gone. */
  void remove() {
    if (get() == null) {
      return;
    }
    admin.apps().deployments().inNamespace(NS).withName(NAME)
        .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
    await("deployment " + NS + "/" + NAME + " and its pods are gone").atMost(ROLLOUT)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> get() == null && pods().isEmpty() && replicaSets().isEmpty());
  }

  Deployment get() {
    return admin.apps().deployments().inNamespace(NS).withName(NAME).get();
  }

  long generation() {
    return get().getMetadata().getGeneration();
  }

  /** The Deployment's revision ({@code deployment.kubernetes.io/revision}). */
  long revision() {
    return revision(get().getMetadata().getAnnotations());
  }

  String annotation(String key) {
    Map<String, String> a = get().getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  List<Pod> pods() {
    return admin.pods().inNamespace(NS).withLabel("app", NAME).list().getItems();
  }

  /** Pods whose Ready condition is True (what a Service would send traffic to). */
  List<Pod> readyPods() {
    return pods().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
        && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))).toList();
  }

  /** The Deployment's ReplicaSets, oldest revision first. */
  List<ReplicaSet> replicaSets() {
    return admin.apps().replicaSets().inNamespace(NS).withLabel("app", NAME).list().getItems().stream()
        .sorted(Comparator.comparingLong(rs -> revision(rs.getMetadata().getAnnotations()))).toList();
  }

  static long revision(Map<String, String> annotations) {
    return annotations == null ? 0 : Long.parseLong(annotations.getOrDefault(REVISION, "0"));
  }

  static String image(ReplicaSet rs) {
    return rs.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  static String image(Pod p) {
    return p.getSpec().getContainers().get(0).getImage();
  }

  /** Its container waits in {@code CrashLoopBackOff} after a restart (KWOK's crash-loop stage, as a kubelet). */
  static boolean crashLooping(Pod p) {
    return p.getStatus() != null && p.getStatus().getContainerStatuses() != null
        && !p.getStatus().getContainerStatuses().isEmpty()
        && p.getStatus().getContainerStatuses().stream().allMatch(c -> c.getRestartCount() != null
            && c.getRestartCount() > 0 && c.getState() != null && c.getState().getWaiting() != null
            && "CrashLoopBackOff".equals(c.getState().getWaiting().getReason()));
  }

  /** A template annotation of the ReplicaSet (e.g. its {@code restartedAt}), or null. */
  static String templateAnnotation(ReplicaSet rs, String key) {
    Map<String, String> a = rs.getSpec().getTemplate().getMetadata() == null ? null
        : rs.getSpec().getTemplate().getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  /** The rollout history as the report notes it: "rev 1 image ×replicas, ..." with restart stamps and reuse. */
  String history() {
    return replicaSets().stream().map(rs -> "rev " + revision(rs.getMetadata().getAnnotations()) + " "
            + image(rs).substring(image(rs).lastIndexOf('/') + 1)
            + (templateAnnotation(rs, RESTARTED_AT) == null ? "" : " restartedAt")
            + (rs.getMetadata().getAnnotations().containsKey(REVISION_HISTORY)
                ? " (was rev " + rs.getMetadata().getAnnotations().get(REVISION_HISTORY) + ")" : "")
            + " ×" + n(rs.getSpec().getReplicas()))
        .collect(Collectors.joining(", "));
  }

  /** The rollout's state in {@code kubectl rollout status}'s numbers, for the notes. */
  String rolloutState() {
    var s = get().getStatus();
    List<ReplicaSet> sets = replicaSets();
    ReplicaSet newest = sets.get(sets.size() - 1);
    return s.getReplicas() + " pods, the new revision's " + n(newest.getStatus().getReadyReplicas()) + " Ready and "
        + n(newest.getStatus().getAvailableReplicas()) + " available of 3";
  }

  static int n(Integer i) {
    return i == null ? 0 : i;
  }
}
