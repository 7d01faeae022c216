package dev.remediator.runbook.servicedown;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Another incident of the same target, e.g. its connection-pool incident.
 *
 * @param open true while its workflow runs
 * @param status the workflow's status (RUNNING, COMPLETED, ...) or NOT_FOUND
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RelatedIncident(String incidentId, boolean open, String status) {}
