package dev.remediator.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.function.Supplier;

/** The production Kubernetes client: in-cluster service account, or kubeconfig (KUBECONFIG, ~/.kube/config). */
public final class KubernetesClients {
  private KubernetesClients() {}

  /**
   * {@code new KubernetesClientBuilder().build()}'s auto-configuration with bounded I/O: 5 s to connect, 15 s per
   * request, and at most 2 quick retries inside the client (the default 10 could keep an activity busy for
   * minutes); further retries are the workflow's.
   */
  public static KubernetesClient fromEnvironment() {
    Config config =
        new ConfigBuilder(Config.autoConfigure(null))
            .withConnectionTimeout(5_000)
            .withRequestTimeout(15_000)
            .withRequestRetryBackoffLimit(2)
            .withRequestRetryBackoffInterval(250)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Builds {@link #fromEnvironment()} on first use only, once; for workers whose targets may not need it. */
  public static Supplier<KubernetesClient> lazyFromEnvironment() {
    return new Supplier<>() {
      private KubernetesClient client;

      @Override
      public synchronized KubernetesClient get() {
        if (client == null) {
          client = fromEnvironment();
        }
        return client;
      }
    };
  }
}
