package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The written record an incident ends with (the workflow result).
 *
 * @param outcome {@code MITIGATED}, {@code NO_ACTION_NEEDED}, {@code REJECTED}, {@code ESCALATED} or {@code NOT_RECOVERED}
 * @param utilizationBefore utilization when the incident was assessed
 * @param utilizationAfter utilization at verification (equal to before if nothing was done)
 * @param sessionsFound idle-in-transaction sessions past the termination threshold at diagnosis
 * @param sessionsTerminated sessions actually terminated
 * @param durationSeconds from incident start to close, workflow time
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IncidentReport(
    String incidentId,
    Target target,
    String outcome,
    double utilizationBefore,
    double utilizationAfter,
    int sessionsFound,
    int sessionsTerminated,
    long durationSeconds,
    List<TimelineEntry> timeline) {}
