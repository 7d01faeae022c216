package dev.remediator.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.function.Supplier;

/**
 * One Kubernetes API call, its failure mapped the way the workflow should retry it: 401/403 and 404 are
 * permanent and say which RBAC verb or object is missing; timeouts, throttling, conflicts and 5xx are retried.
 */
public final class KubeCalls {
  public static final String UNAUTHORIZED = "KubernetesUnauthorized";
  public static final String FORBIDDEN = "KubernetesForbidden";
  public static final String NOT_FOUND = "KubernetesNotFound";
  public static final String CONFLICT = "KubernetesConflict";
  public static final String UNAVAILABLE = "KubernetesUnavailable";
  public static final String REJECTED = "KubernetesRequestRejected";
  /** A pod's log cannot be read because the API server cannot reach its node's kubelet: not retried. */
  public static final String LOGS_UNAVAILABLE = "KubernetesLogsUnavailable";

  /** API server messages for a node whose kubelet cannot be reached: no log will come from it, retry or not. */
  private static final List<String> NO_KUBELET =
      List.of("no preferred addresses found", "error dialing backend");

  /**
   * The API server answered a pod-log read with HTTP 500 because it cannot reach the pod's kubelet (a node without
   * one, e.g. KWOK's, or one that is down): a retry gets the same answer.
   */
  public static boolean kubeletUnreachable(KubernetesClientException e) {
    String message = e.getStatus() == null || e.getStatus().getMessage() == null ? "" : e.getStatus().getMessage();
    return e.getCode() == 500 && NO_KUBELET.stream().anyMatch(message::contains);
  }

  public static final String DEPLOYMENTS = "deployments.apps";
  public static final String REPLICA_SETS = "replicasets.apps";
  public static final String PODS = "pods";
  public static final String POD_LOGS = "pods/log";

  private KubeCalls() {}

  /**
   * @param verb the RBAC verb the call needs ({@code get}, {@code list}, {@code patch})
   * @param resource the RBAC resource, e.g. {@code deployments.apps}
   * @param name the object's name, or null for a list
   */
  public static <T> T call(String verb, String resource, String namespace, String name, Supplier<T> call) {
    try {
      return call.get();
    } catch (KubernetesClientException e) {
      throw failure(e, verb, resource, namespace, name);
    }
  }

  public static ApplicationFailure notFound(String resource, String namespace, String name) {
    return ApplicationFailure.newNonRetryableFailure(
        "not found: " + resource + " " + name + " in namespace " + namespace
            + " (404); check targets[].kubernetes in the configuration",
        NOT_FOUND);
  }

  public static ApplicationFailure failure(
      KubernetesClientException e, String verb, String resource, String namespace, String name) {
    int code = e.getCode();
    String object = resource + (name == null ? "" : " " + name) + " in namespace " + namespace;
    String server = serverMessage(e);
    switch (code) {
      case 401:
        return ApplicationFailure.newNonRetryableFailureWithCause(
            "unauthorized: the Kubernetes API rejected Remediator's credentials (401) when trying to " + verb + " "
                + object + "; check the service-account token or kubeconfig",
            UNAUTHORIZED,
            e);
      case 403:
        return ApplicationFailure.newNonRetryableFailureWithCause(
            "forbidden: cannot " + verb + " " + resource + " in namespace " + namespace + " — grant verb " + verb
                + " on " + resource + " in namespace " + namespace + " to Remediator's service account"
                + " (API server: " + server + ")",
            FORBIDDEN,
            e);
      case 404:
        return ApplicationFailure.newNonRetryableFailureWithCause(
            "not found: " + object + " (404); check targets[].kubernetes in the configuration", NOT_FOUND, e);
      case 409:
        return ApplicationFailure.newFailureWithCause(
            "conflict: " + object + " changed while Remediator was changing it (409): " + server, CONFLICT, e);
      default:
        if (code <= 0 || code == 408 || code == 429 || code >= 500) {
          return ApplicationFailure.newFailureWithCause(
              "Kubernetes API unavailable when trying to " + verb + " " + object
                  + (code <= 0 ? "" : " (HTTP " + code + ")") + ": " + server,
              UNAVAILABLE,
              e);
        }
        return ApplicationFailure.newNonRetryableFailureWithCause(
            "Kubernetes API rejected " + verb + " " + object + " (HTTP " + code + "): " + server, REJECTED, e);
    }
  }

  private static String serverMessage(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null && !e.getStatus().getMessage().isBlank()) {
      return e.getStatus().getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return root == e ? m : root.getClass().getSimpleName() + ": " + m;
  }
}
