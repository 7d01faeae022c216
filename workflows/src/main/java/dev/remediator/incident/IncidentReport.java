package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The written record an incident ends with (the workflow result): JSON for machines, {@link #markdown()} as the
 * post-incident draft for people. Runbook-neutral: what a runbook measured and changed is in {@link #facts} (its
 * summary rows, for people) and {@link #runbook} (its own typed section, for machines).
 *
 * @param outcome how it ended
 * @param severity the highest severity the incident had
 * @param openedAt when the receiver got the alert that opened the incident (else the first workflow task)
 * @param durationSeconds from incident start to close, workflow time
 * @param diagnosis the runbook's root-cause hint and evidence, in its words
 * @param escalated whether people were paged, and {@code escalationReason} why
 * @param followUps the runbook's post-incident checklist
 * @param recommendations thresholds, settings and code findings derived from what was seen
 * @param samples the runbook's measurement series (the last readings, bounded; the pool runbook's utilization)
 * @param alerts every alert of the incident as last reported
 * @param facts the runbook's rows of the summary table (e.g. utilization peak → after); empty in reports from
 *     before it
 * @param runbook the runbook's own section (e.g. the pool runbook's utilization and sessions); null in reports
 *     from before it, which carried the pool runbook's fields at the top: those are in {@link #earlier}
 * @param similarElsewhere what the check for similar issues in other services found at close; null when it did
 *     not run (a runbook without one, a report from before it)
 * @param earlier fields of a report written by an earlier layout that this record no longer has, by name
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IncidentReport(
    String incidentId,
    Target target,
    IncidentOutcome outcome,
    long durationSeconds,
    List<TimelineEntry> timeline,
    Severity severity,
    String openedAt,
    String closedAt,
    DiagnosisSummary diagnosis,
    List<ActionOutcome> actions,
    boolean escalated,
    String escalationReason,
    String acknowledgedBy,
    List<String> followUps,
    List<String> recommendations,
    String markdown,
    List<Measurement> samples,
    List<TrackedAlert> alerts,
    List<RunbookReport.Fact> facts,
    RunbookSection runbook,
    SimilarIssues similarElsewhere,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> earlier) {

  public IncidentReport {
    earlier = earlier == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(earlier));
  }

  /** The runbook's section: {@link #runbook}, else read from the fields an earlier layout carried at the top. */
  public RunbookSection section() {
    return runbook != null ? runbook : FindingsNames.earlierSection(earlier);
  }
}
