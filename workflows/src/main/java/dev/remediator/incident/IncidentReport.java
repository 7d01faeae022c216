package dev.remediator.incident;

import dev.remediator.runbook.dbpool.Diagnosis;
import dev.remediator.runbook.dbpool.UtilizationSample;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The written record an incident ends with (the workflow result): JSON for machines, {@link #markdown()} as the
 * post-incident draft for people.
 *
 * @param outcome how it ended
 * @param severity the highest severity the incident had
 * @param utilizationBefore the episode's peak utilization: the highest of the values its alerts carried (the rules'
 *     {@code value} annotation) and the samples; the Markdown says which
 * @param utilizationAfter utilization sampled at close, after the last action and every alert's resolution (the
 *     last sample in runs from before that, or when the sample at close failed)
 * @param openedAt when the receiver got the alert that opened the incident (else the first workflow task)
 * @param sessionsFound idle-in-transaction sessions past the termination threshold at diagnosis
 * @param sessionsTerminated sessions actually terminated
 * @param durationSeconds from incident start to close, workflow time
 * @param escalated whether people were paged, and {@code escalationReason} why
 * @param followUps the runbook's post-incident checklist
 * @param recommendations pool settings, thresholds and code findings derived from what was seen
 * @param samples the utilization readings taken (the last ones, bounded)
 * @param alerts every alert of the incident as last reported
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IncidentReport(
    String incidentId,
    Target target,
    IncidentOutcome outcome,
    double utilizationBefore,
    double utilizationAfter,
    int sessionsFound,
    int sessionsTerminated,
    long durationSeconds,
    List<TimelineEntry> timeline,
    Severity severity,
    String openedAt,
    String closedAt,
    Diagnosis diagnosis,
    List<ActionOutcome> actions,
    boolean escalated,
    String escalationReason,
    String acknowledgedBy,
    List<String> followUps,
    List<String> recommendations,
    String markdown,
    List<UtilizationSample> samples,
    List<TrackedAlert> alerts) {}
