package dev.remediator.runbook;

import dev.remediator.incident.ServiceHealth;
import dev.remediator.incident.Target;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The probe contract both runbooks share, their "Check if requests are failing": the service's configured /health
 * and /ready URLs.
 */
@ActivityInterface
public interface ProbeActivities {

  /** Probes both endpoints with timeouts. Failures are data in the result, never exceptions. */
  @ActivityMethod
  ServiceHealth probe(Target target);
}
