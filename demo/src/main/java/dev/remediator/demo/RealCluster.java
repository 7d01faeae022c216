package dev.remediator.demo;

import dev.remediator.kubeplane.ControlPlane;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The demos' cluster on a REAL Kubernetes control plane ({@code demo --kubernetes=real}): {@link ControlPlane} (etcd,
 * kube-apiserver with RBAC and deploy/'s Role, controller-manager, scheduler, KWOK with one node). The demo's
 * Deployment {@code prod/auth-service} (the container, labels and env the demo target names) is created as the admin
 * and awaited until available; the worker's activities get {@link ControlPlane#worker()}, the
 * {@code remediator-worker} ServiceAccount's own token, never the admin. The real deployment controller makes every
 * ReplicaSet and revision; KWOK plays the kubelet (Ready pods, or a crash loop for an image whose name contains
 * {@code crashloop}). {@link #close()} stops the control plane (a shutdown hook does too, on Ctrl-C).
 */
final class RealCluster implements DemoCluster {
  static final String NAMESPACE = SimulatedCluster.NAMESPACE;
  static final String DEPLOYMENT = SimulatedCluster.DEPLOYMENT;
  static final String REVISION = "deployment.kubernetes.io/revision";
  static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
  static final String HASH_LABEL = "pod-template-hash";
  private static final Duration DEADLINE = Duration.ofSeconds(120);

  /** The Deployment's rollout strategy: the pool demo rolls, the Service Down demo's release replaces every pod. */
  enum Strategy { ROLLING_UPDATE, RECREATE }

  /** The Deployment as the real controller left it: its revision and image, and each ReplicaSet's. */
  record State(long revision, String image, int readyPods, List<RevisionState> replicaSets) {}

  /** One ReplicaSet of the Deployment: revision, the revisions it had before (a reused one), image, replicas. */
  record RevisionState(String name, long revision, String revisionHistory, String image, int replicas) {}

  private final ControlPlane controlPlane;
  private final long startedMillis;
  private final String initialHash;
  private final long initialRevision;

  private RealCluster(ControlPlane controlPlane, long startedMillis) {
    this.controlPlane = controlPlane;
    this.startedMillis = startedMillis;
    this.initialRevision = revision(deployment().getMetadata().getAnnotations());
    this.initialHash = newest().getMetadata().getLabels().get(HASH_LABEL);
  }

  /**
   * Starts the control plane, creates the demo's Deployment with {@code image} and waits until it is available;
   * throws {@link IllegalStateException} (what is missing, how to install it) without the binaries.
   */
  static RealCluster start(String image, Strategy strategy) {
    long t0 = System.nanoTime();
    ControlPlane cp = ControlPlane.start();
    try {
      cp.admin().apps().deployments().inNamespace(NAMESPACE).resource(deployment(image, strategy)).create();
      awaitCondition("deployment " + NAMESPACE + "/" + DEPLOYMENT + " available", () -> {
        Deployment d = cp.admin().apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
        return d.getStatus() != null && d.getStatus().getObservedGeneration() != null
            && d.getStatus().getObservedGeneration() >= d.getMetadata().getGeneration()
            && Integer.valueOf(SimulatedCluster.REPLICAS).equals(d.getStatus().getAvailableReplicas())
            && Integer.valueOf(SimulatedCluster.REPLICAS).equals(d.getStatus().getUpdatedReplicas())
            && Integer.valueOf(SimulatedCluster.REPLICAS).equals(d.getStatus().getReplicas());
      });
      return new RealCluster(cp, (System.nanoTime() - t0) / 1_000_000);
    } catch (RuntimeException e) {
      cp.close();
      throw e;
    }
  }

  private static Deployment deployment(String image, Strategy strategy) {
    Container container = new ContainerBuilder()
        .withName(SimulatedCluster.CONTAINER).withImage(image)
        .addNewEnv().withName("LOG_LEVEL").withValue("info").endEnv()
        .addNewEnv().withName("DATABASE_POOL_SIZE").withValue("20").endEnv()
        .addNewEnv().withName("DATABASE_MAX_OVERFLOW").withValue("10").endEnv()
        .addNewPort().withContainerPort(8000).endPort()
        .build();
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(DEPLOYMENT).withNamespace(NAMESPACE).addToLabels("app", DEPLOYMENT)
        .addToAnnotations(SimulatedCluster.CHANGE_CAUSE, "upgrade SQLAlchemy to 2.0, sessions per request (#1234)")
        .endMetadata()
        .withNewSpec()
        .withReplicas(SimulatedCluster.REPLICAS)
        .withNewStrategy().withType(strategy == Strategy.RECREATE ? "Recreate" : "RollingUpdate").endStrategy()
        .withNewSelector().addToMatchLabels("app", DEPLOYMENT).endSelector()
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", DEPLOYMENT).endMetadata()
        .withNewSpec().addToContainers(container).endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** The worker's own client: ServiceAccount {@code remediator/remediator-worker}, as deploy/ binds it. */
  @Override
  public KubernetesClient client() {
    return controlPlane.worker();
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "REAL Kubernetes control plane (kube-apiserver %s with RBAC, controllers, KWOK node"
        + " %s) at %s, up in %.1f s; the worker acts as ServiceAccount %s/%s (its own token, deploy/'s Role):"
        + " deployment %s/%s at revision %d, %d/%d available", ControlPlane.KUBE_VERSION, ControlPlane.NODE,
        controlPlane.apiServerUrl(), startedMillis / 1000.0, ControlPlane.WORKER_NAMESPACE, ControlPlane.WORKER,
        NAMESPACE, DEPLOYMENT, revision(), servingPods(), SimulatedCluster.REPLICAS);
  }

  /** {@code kubectl set image} with a change cause, as the admin (the release, not the worker). */
  @Override
  public void rollOutBrokenImage(String image, String changeCause) {
    admin().apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).edit(d -> {
      d.getMetadata().getAnnotations().put(SimulatedCluster.CHANGE_CAUSE, changeCause);
      d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      return d;
    });
  }

  @Override
  public String image() {
    return deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  /** Pods the kubelet (KWOK) reports Ready and that are not being deleted: the ones a Service sends traffic to. */
  @Override
  public int servingPods() {
    return (int) pods().stream().filter(RealCluster::ready).count();
  }

  /** Pods with a container waiting in {@code CrashLoopBackOff}. */
  @Override
  public int crashingPods() {
    return (int) pods().stream().filter(p -> p.getStatus() != null && p.getStatus().getContainerStatuses() != null
        && p.getStatus().getContainerStatuses().stream().anyMatch(c -> c.getState() != null
            && c.getState().getWaiting() != null
            && "CrashLoopBackOff".equals(c.getState().getWaiting().getReason()))).count();
  }

  /** Rollouts since the demo created the Deployment: the revisions the real controller added. */
  @Override
  public int completedRollouts() {
    return (int) (revision() - initialRevision);
  }

  /** Whether a pod of the Deployment's first ReplicaSet (the one the demo created) still runs. */
  boolean podsOfFirstRevisionRun() {
    return pods().stream().anyMatch(p -> initialHash.equals(p.getMetadata().getLabels().get(HASH_LABEL)));
  }

  long revision() {
    return revision(deployment().getMetadata().getAnnotations());
  }

  /** The Deployment and its ReplicaSets as the real controller wrote them, oldest revision first. */
  @Override
  public State finalState(Consumer<String> step) {
    State state = state();
    step.accept("Deployment prod/auth-service as the real controller left it: revision " + state.revision() + ", "
        + state.readyPods() + " Ready pod(s); " + history());
    return state;
  }

  State state() {
    List<RevisionState> sets = replicaSets().stream()
        .map(rs -> new RevisionState(rs.getMetadata().getName(), revision(rs.getMetadata().getAnnotations()),
            rs.getMetadata().getAnnotations() == null ? null
                : rs.getMetadata().getAnnotations().get(REVISION_HISTORY),
            rs.getSpec().getTemplate().getSpec().getContainers().get(0).getImage(),
            rs.getStatus() == null || rs.getStatus().getReplicas() == null ? 0 : rs.getStatus().getReplicas()))
        .sorted(Comparator.comparingLong(RevisionState::revision))
        .toList();
    return new State(revision(), image(), servingPods(), sets);
  }

  /** For the demo's output: "revision 1 auth-service-5d… (image …, 0 pods); revision 3 … (was 1; …, 3 pods)". */
  String history() {
    return String.join("; ", state().replicaSets().stream()
        .map(r -> "revision " + r.revision() + " " + r.name() + " (" + (r.revisionHistory() == null ? ""
            : "was revision " + r.revisionHistory() + "; ") + r.image() + ", " + r.replicas() + " pod(s))")
        .toList());
  }

  /** Waits until {@code condition} holds, at most two minutes (a real controller, under load). */
  static void awaitCondition(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the real control plane did not reach within " + DEADLINE.toSeconds()
            + " s: " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for: " + what, e);
      }
    }
  }

  @Override
  public void close() {
    controlPlane.close();
  }

  private KubernetesClient admin() {
    return controlPlane.admin();
  }

  private Deployment deployment() {
    return admin().apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
  }

  private ReplicaSet newest() {
    return replicaSets().stream().max(Comparator.comparingLong(rs -> revision(rs.getMetadata().getAnnotations())))
        .orElseThrow(() -> new IllegalStateException("no ReplicaSet of " + DEPLOYMENT));
  }

  private List<ReplicaSet> replicaSets() {
    return admin().apps().replicaSets().inNamespace(NAMESPACE).withLabel("app", DEPLOYMENT).list().getItems();
  }

  /** The Deployment's pods that are not being deleted. */
  private List<Pod> pods() {
    return admin().pods().inNamespace(NAMESPACE).withLabel("app", DEPLOYMENT).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  private static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static long revision(Map<String, String> annotations) {
    String r = annotations == null ? null : annotations.get(REVISION);
    return r == null ? 0 : Long.parseLong(r);
  }
}
