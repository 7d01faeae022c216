package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything an incident knows, in one object: the shell's parts (alert inbox, approval gate, escalation ladder,
 * timeline) and the runbook read and write it, and continue-as-new carries it whole to the next run. Workflow code
 * only; field names are its JSON (older runs' carried state still reads: unknown and missing fields are tolerated,
 * and fields a runbook's findings once kept here are kept in {@link #earlier} until that runbook moves them).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class IncidentState {
  // Alerts (AlertInbox)
  public List<TrackedAlert> alerts = new ArrayList<>();
  /** Highest severity of the alerts firing now (the last one when none fires). */
  public Severity severity;
  /** Highest severity the incident ever had, for the report. */
  public Severity peakSeverity;
  /** Alert name behind {@link #severity}. */
  public String alertName;
  /** The last alert received (continue-as-new passes it as the next run's input alert). */
  public Alert lastAlert;
  /** Notifications that changed nothing (repeats, HA copies, stale copies): counted, never in the timeline. */
  public int repeatedAlerts;
  /** True once every alert seen is resolved; {@link #allResolvedAtMillis} when that happened. */
  public boolean resolved;
  public long allResolvedAtMillis;
  /** The highest value a firing alert of the incident carried (its rule's {@code value} annotation); null: none. */
  public Double alertedPeak;

  // Where the incident is
  public long openedAtMillis;
  public IncidentPhase phase = IncidentPhase.ASSESSING;
  public long recoveredAtMillis;
  public long mitigatedAtMillis;
  public long criticalSinceMillis;
  /**
   * Since when the target does not answer (the earliest start the worker reports for its endpoint, else this
   * incident's first failed sample); 0 while it answers. The watch backs off with the outage's age.
   */
  public long unreachableSinceMillis;
  /**
   * How many targets the worker saw wait on the endpoint that does not answer, as its last failure reported (0:
   * unknown, or reachable). The watch spreads the endpoint's samples over them.
   */
  public int unreachableWaiting;

  // What the runbook found (its own findings: {@link #findings})
  public ServiceHealth lastHealth;
  public LogSummary errorLogs;
  /** The runbook's root-cause hint and evidence, in its own words (null before its diagnosis). */
  public DiagnosisSummary diagnosis;

  // Plans and actions (ApprovalGate, runbook)
  public Plan plan;
  /** Plans made so far; {@link #automaticReplans} of them offered again after a refusal or rejection. */
  public int plans;
  public int automaticReplans;
  /** Plans made at warning by the runbook's own rule ({@link RunbookSteps#planAtWarning}), bounded. */
  public int warningPlans;
  /** The last plan was rejected, or every action of it refused: a leak still there gets a new plan. */
  public boolean planDeclined;
  public List<ActionOutcome> actions = new ArrayList<>();
  public int restarts;

  // Escalation (EscalationLadder)
  public String escalationReason;
  public List<String> escalationTriggers = new ArrayList<>();
  public int escalationTier;
  public long tierDeadlineMillis;
  public String acknowledgedBy;
  public List<String> pagedChannels = new ArrayList<>();

  public List<TimelineEntry> timeline = new ArrayList<>();

  /** What the check for similar issues in other services found at close (null: not run, or before it existed). */
  public SimilarIssues similarElsewhere;

  /** A runbook's own findings (JSON by logical name: {@link RunbookFindings}). */
  public RunbookFindings findings;

  /**
   * Fields of a state carried by a run of an earlier layout that this class no longer has (e.g. the pool runbook's
   * snapshots, once at the top level): kept by name, in key order, until the runbook that owns them moves them into
   * its findings; written back as they came.
   */
  private final Map<String, JsonNode> earlier = new TreeMap<>();

  @JsonAnySetter
  void earlier(String name, JsonNode value) {
    earlier.put(name, value);
  }

  /** The fields of {@link #earlier}; a runbook removes those it took over. */
  @JsonAnyGetter
  public Map<String, JsonNode> earlier() {
    return earlier;
  }

  /** True for a continued run's state that came from before the alert model existed. */
  public boolean fromBeforeAlertModel() {
    return alerts.isEmpty() && lastAlert != null;
  }

  /** A firing alert's value raises the alerted peak (repeats of an episode carry the value re-evaluated). */
  public void alerted(Alert alert) {
    if (alert != null && alert.firing() && alert.value() != null) {
      alertedPeak = alertedPeak == null ? alert.value() : Math.max(alertedPeak, alert.value());
    }
  }

  public boolean escalated() {
    return escalationReason != null;
  }

  public boolean recovered() {
    return recoveredAtMillis > 0;
  }

  /**
   * A sample could not reach the target: the outage started at the earliest of what the worker reports for the
   * endpoint ({@code reportedSinceMillis}, 0 if nothing) and this incident's first failed sample ({@code nowMillis}).
   */
  public void unreachable(long reportedSinceMillis, long nowMillis) {
    long since = unreachableSinceMillis == 0 ? nowMillis : unreachableSinceMillis;
    unreachableSinceMillis = reportedSinceMillis > 0 ? Math.min(since, reportedSinceMillis) : since;
  }

  /** A sample could not reach the target: {@link #unreachable(long, long)} with the failure's details (null: none). */
  public void unreachable(Unreachable reported, long nowMillis) {
    unreachable(reported == null ? 0 : reported.sinceMillis(), nowMillis);
    unreachableWaiting = reported == null ? 0 : reported.waiting();
  }

  /** A sample reached the target: no outage. */
  public void reachable() {
    unreachableSinceMillis = 0;
    unreachableWaiting = 0;
  }
}
