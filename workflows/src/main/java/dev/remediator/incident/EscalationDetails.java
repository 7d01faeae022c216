package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The runbook's "Information to Provide" when escalating. Runbook-neutral: what the runbook says of its target is
 * in {@link #facts} (lines for people) and {@link #runbook} (its own typed part of the page).
 *
 * @param reason why the incident escalates (trigger)
 * @param recentChanges recent application changes (rollout history)
 * @param errorLogs error-log counts and samples
 * @param timeline the incident timeline so far
 * @param facts what the runbook says of the target now, in its own words, first in a page (e.g. the pool's
 *     utilization, a Deployment's ready replicas and the likely cause); null in pages recorded before it, whose
 *     section says them ({@link Section#earlierFacts})
 * @param runbook the runbook's own part of the page (e.g. the pool runbook's database snapshot); null when it has
 *     none, and in pages recorded before it, which carried the pool runbook's fields at the top: those are in
 *     {@link #earlier}
 * @param earlier fields of a page written by an earlier layout that this record no longer has, by name
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EscalationDetails(
    String reason,
    List<RolloutRevision> recentChanges,
    LogSummary errorLogs,
    List<TimelineEntry> timeline,
    List<String> facts,
    Section runbook,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> earlier) {

  public EscalationDetails {
    earlier = earlier == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(earlier));
  }

  public EscalationDetails(String reason, List<RolloutRevision> recentChanges, LogSummary errorLogs,
      List<TimelineEntry> timeline, List<String> facts, Section runbook) {
    this(reason, recentChanges, errorLogs, timeline, facts, runbook, Map.of());
  }

  /** The runbook's part: {@link #runbook}, else read from the fields an earlier layout carried at the top. */
  public Section section() {
    return runbook != null ? runbook : FindingsNames.earlierSection(earlier) instanceof Section s ? s : null;
  }

  /** The facts lines a page shows first: {@link #facts}, else (a page from before them) its section's. */
  public List<String> factLines() {
    if (facts != null) {
      return facts;
    }
    Section s = section();
    return s == null ? List.of() : s.earlierFacts();
  }

  /**
   * A runbook's part of a page: {@link #lines} follow the facts in the page's text; {@link #customDetails} are
   * added to the page's machine-readable details (PagerDuty's {@code custom_details}), in order.
   */
  public interface Section extends RunbookSection {
    /** Named values for the page's custom details, in order (values JSON-friendly); empty when none. */
    List<Map.Entry<String, Object>> customDetails();

    /** The facts of a page recorded before pages carried {@link EscalationDetails#facts}. */
    default List<String> earlierFacts() {
      return List.of();
    }
  }
}
