package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Answer of the {@code status} query: what the incident is doing now and what it has done.
 *
 * @param severity the highest severity of the alerts firing now
 * @param awaitingApproval true while {@link #plan()} waits for a decision
 * @param escalatedTo the last tier paged, or null
 * @param acknowledgedBy who acknowledged the escalation, or null
 * @param alerts every alert of the incident as last reported
 * @param repeatedAlerts notifications that changed nothing (repeats, HA copies)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IncidentStatus(
    String incidentId,
    Target target,
    Severity severity,
    String alertName,
    IncidentPhase phase,
    String openedAt,
    Plan plan,
    boolean awaitingApproval,
    ConnectionSnapshot lastSnapshot,
    ServiceHealth lastHealth,
    Diagnosis diagnosis,
    List<ActionOutcome> actions,
    String escalatedTo,
    String acknowledgedBy,
    List<TimelineEntry> timeline,
    List<TrackedAlert> alerts,
    int repeatedAlerts) {}
