package dev.remediator.incident;

import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.Diagnosis;
import dev.remediator.runbook.dbpool.PoolSettings;
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
 * @param poolRevertTo the pool settings an outstanding temporary increase is reverted to; null when none is
 * @param poolRevertAt when that revert is scheduled (ISO-8601 UTC); null when none is outstanding
 * @param poolRevertFinal false while that time may still move later (not recovered yet: the revert waits the
 *     runbook's revert delay past the recovery)
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
    int repeatedAlerts,
    PoolSettings poolRevertTo,
    String poolRevertAt,
    boolean poolRevertFinal) {}
