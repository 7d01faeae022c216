package dev.remediator.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.function.Consumer;

/** The cluster a demo runs on: {@link SimulatedCluster} or {@link RealCluster}. */
interface DemoCluster extends AutoCloseable {
  /** The client the worker's Kubernetes activities use (on the real control plane: the worker's own token). */
  KubernetesClient client();

  /** One line saying what the cluster is and what it holds, for the demo's output. */
  String describe();

  /** Rolls out {@code image} ({@code kubectl set image}) with {@code changeCause}; its containers crash at start. */
  void rollOutBrokenImage(String image, String changeCause);

  /** The image the deployment's pod template runs now. */
  String image();

  /** Pods that serve. */
  int servingPods();

  /** Pods crash-looping. */
  int crashingPods();

  /** Rollouts completed since the demo started. */
  int completedRollouts();

  /**
   * The Deployment as the cluster left it, announced through {@code step}: on the real control plane its revision,
   * Ready pods and ReplicaSets as the controller wrote them; null (and nothing said) on the simulated one.
   */
  default RealCluster.State finalState(Consumer<String> step) {
    return null;
  }

  @Override
  void close();
}
