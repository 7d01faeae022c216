package dev.remediator.runbook.servicedown;

import dev.remediator.runbook.Runbook;
import java.util.List;

/** The Service Down runbook ({@code docs/runbooks/service-down.md}). */
public final class ServiceDownRunbook {
  private ServiceDownRunbook() {}

  /** The incident ID prefix. */
  public static final String NAME = "servicedown";

  /** Every blackbox probe of the service fails for 1 min (labels namespace, service). */
  public static final String SERVICE_DOWN = "ServiceDown";

  /** kube-prometheus: a container waits in CrashLoopBackOff for 15 min (labels namespace, pod, container). */
  public static final String CRASH_LOOPING = "KubePodCrashLooping";

  public static final Runbook DEFINITION = new Runbook(
      NAME,
      "Service down",
      "IncidentWorkflow",
      List.of(SERVICE_DOWN, CRASH_LOOPING),
      List.of(),
      List.of("kubernetes.deployment", "endpoints.health or endpoints.ready"),
      ServiceDownSteps::new,
      ServiceDownTargets::forLabels,
      ServiceDownPolicy.SECTION);
}
