package dev.remediator.runbook.servicedown;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** The Service Down runbook's look-up of another incident in Temporal: the link to the pool incident. */
@ActivityInterface
public interface IncidentLookupActivities {

  /** Whether the connection-pool incident of the same target is open (running): the workflow links it. */
  @ActivityMethod
  RelatedIncident relatedIncident(String incidentId);
}
