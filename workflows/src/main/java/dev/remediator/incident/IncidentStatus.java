package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** Answer of the {@code status} query: what the incident is doing now and what it has done. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IncidentStatus(
    String incidentId,
    Target target,
    String severity,
    IncidentPhase phase,
    String openedAt,
    Plan plan,
    boolean awaitingApproval,
    ConnectionSnapshot lastSnapshot,
    List<TimelineEntry> timeline) {}
