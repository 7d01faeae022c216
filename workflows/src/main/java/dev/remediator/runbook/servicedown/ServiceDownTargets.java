package dev.remediator.runbook.servicedown;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which configured target a Service Down alert is about. Only targets with a {@code kubernetes.deployment} qualify,
 * and the first one configured for a Deployment stands for it, so both alerts of a Deployment are one incident
 * ({@code servicedown:<namespace>:<service>:<database>} of that target).
 *
 * <ul>
 *   <li>{@code ServiceDown} names {@code namespace} and {@code service}: the target with that namespace and
 *       service.
 *   <li>{@code KubePodCrashLooping} names {@code namespace} and {@code pod}: the target in that namespace whose
 *       Deployment's pods are named like it ({@code <deployment>-<pod-template-hash>-<5 chars>}, the longest
 *       matching Deployment name wins). The name is only the route: the workflow confirms the pod's Deployment
 *       through its ReplicaSet's ownerReferences ({@link WorkloadActivities#resolvePod}) and acts on nothing
 *       else.
 * </ul>
 */
public final class ServiceDownTargets {
  private ServiceDownTargets() {}

  public static Optional<TargetConfig> forLabels(RemediatorConfig config, Map<String, String> labels) {
    String alert = labels.get("alertname");
    String namespace = labels.get("namespace");
    if (namespace == null || config.targets() == null) {
      return Optional.empty();
    }
    if (ServiceDownRunbook.SERVICE_DOWN.equals(alert)) {
      String service = labels.get("service");
      return config.targets().stream()
          .filter(t -> t != null && hasDeployment(t) && namespace.equals(t.namespace()) && t.service().equals(service))
          .findFirst()
          .map(t -> representative(config, t));
    }
    if (ServiceDownRunbook.CRASH_LOOPING.equals(alert)) {
      String pod = labels.get("pod");
      if (pod == null) {
        return Optional.empty();
      }
      return config.targets().stream()
          .filter(t -> t != null && hasDeployment(t) && namespace.equals(t.namespace()))
          .filter(t -> podOf(t.kubernetes().deployment()).matcher(pod).matches())
          .max(Comparator.comparingInt(t -> t.kubernetes().deployment().length()))
          .map(t -> representative(config, t));
    }
    return Optional.empty();
  }

  /**
   * The target the incident runs on: the first configured target of the same Deployment (so the alerts of a
   * Deployment, whichever target they named, land in one incident). {@link #forLabels} already answers with it.
   */
  public static TargetConfig representative(RemediatorConfig config, TargetConfig target) {
    return config.targets().stream()
        .filter(t -> t != null && hasDeployment(t) && t.namespace().equals(target.namespace())
            && t.kubernetes().deployment().equals(target.kubernetes().deployment()))
        .findFirst()
        .orElse(target);
  }

  static boolean hasDeployment(TargetConfig t) {
    return t.kubernetes() != null && t.kubernetes().deployment() != null && !t.kubernetes().deployment().isBlank()
        && t.namespace() != null && t.service() != null;
  }

  /** A Deployment's pod names: the ReplicaSet's {@code <deployment>-<hash>}, then {@code -<5 chars>}. */
  static Pattern podOf(String deployment) {
    return Pattern.compile(Pattern.quote(deployment) + "-[a-z0-9]{1,10}-[a-z0-9]{5}");
  }
}
