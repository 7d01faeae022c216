package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Answer of the {@code status} query: what the incident is doing now and what it has done. Runbook-neutral: the
 * runbook's own state is in {@link #runbook}.
 *
 * @param severity the highest severity of the alerts firing now
 * @param awaitingApproval true while {@link #plan()} waits for a decision
 * @param diagnosis the runbook's root-cause hint and evidence, in its words; null before its diagnosis
 * @param escalatedTo the last tier paged, or null
 * @param acknowledgedBy who acknowledged the escalation, or null
 * @param alerts every alert of the incident as last reported
 * @param repeatedAlerts notifications that changed nothing (repeats, HA copies)
 * @param measurement the one-line measurement people look at first (e.g. "utilization 24.3 %"); null from workers
 *     before it
 * @param latest the runbook's latest reading of its measurement series; null before the first
 * @param runbook the runbook's own section (e.g. the pool runbook's last snapshot and outstanding revert); null
 *     from workers before it, whose pool fields are in {@link #earlier}
 * @param earlier fields of an answer of an earlier layout that this record no longer has, by name
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
    ServiceHealth lastHealth,
    DiagnosisSummary diagnosis,
    List<ActionOutcome> actions,
    String escalatedTo,
    String acknowledgedBy,
    List<TimelineEntry> timeline,
    List<TrackedAlert> alerts,
    int repeatedAlerts,
    String measurement,
    Measurement latest,
    RunbookSection runbook,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> earlier) {

  public IncidentStatus {
    earlier = earlier == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(earlier));
  }

  /** The runbook's section: {@link #runbook}, else read from the fields an earlier layout carried at the top. */
  public RunbookSection section() {
    return runbook != null ? runbook : FindingsNames.earlierSection(earlier);
  }
}
