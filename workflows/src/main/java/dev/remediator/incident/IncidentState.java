package dev.remediator.incident;

import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.Diagnosis;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.UtilizationSample;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything an incident knows, in one object: the shell's parts (alert inbox, approval gate, escalation ladder,
 * timeline) and the runbook read and write it, and continue-as-new carries it whole to the next run. Workflow code
 * only; field names are its JSON (older runs' carried state still reads: unknown and missing fields are tolerated).
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

  // What the runbook found
  public ConnectionSnapshot firstSnapshot;
  public ConnectionSnapshot lastSnapshot;
  /** The highest utilization sampled in the incident (0 before any sample). */
  public double sampledPeak;
  /** The sample taken as the incident closed (the report's "after"); null if it failed or in older runs. */
  public ConnectionSnapshot closingSnapshot;
  public ServiceHealth lastHealth;
  public LogSummary errorLogs;
  public Diagnosis diagnosis = Diagnosis.unknown();
  public boolean kubernetesAvailable;
  public PoolSettings pool;
  public List<UtilizationSample> samples = new ArrayList<>();

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
  public int sessionsFound;
  public int sessionsTerminated;
  public PoolSettings poolBefore;
  public long revertAtMillis;

  // Escalation (EscalationLadder)
  public String escalationReason;
  public List<String> escalationTriggers = new ArrayList<>();
  public int escalationTier;
  public long tierDeadlineMillis;
  public String acknowledgedBy;
  public List<String> pagedChannels = new ArrayList<>();

  public List<TimelineEntry> timeline = new ArrayList<>();

  /** A runbook's own findings (the pool runbook's predate this and are the fields above). */
  public RunbookFindings findings;

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

  /**
   * The episode's peak utilization, the report's "before": the highest of the alerted values and the samples
   * (0 when neither is known).
   */
  public double peakUtilization() {
    double sampled = Math.max(sampledPeak, firstSnapshot == null ? 0 : firstSnapshot.utilization());
    return Math.max(alertedPeak == null ? 0 : alertedPeak, sampled);
  }

  /** True when the peak is an alerted value above every sample. */
  public boolean peakAsAlerted() {
    return alertedPeak != null && alertedPeak > Math.max(sampledPeak,
        firstSnapshot == null ? 0 : firstSnapshot.utilization());
  }

  /** The report's "after": the sample taken at close, else the last one (older runs, a failed sample at close). */
  public ConnectionSnapshot afterSnapshot() {
    return closingSnapshot != null ? closingSnapshot : lastSnapshot;
  }

  public boolean escalated() {
    return escalationReason != null;
  }

  public boolean recovered() {
    return recoveredAtMillis > 0;
  }

  /**
   * When the outstanding temporary pool increase is reverted (0 when none is outstanding): its own time, and never
   * sooner than {@code revertAfter} past the recovery. Before a recovery, the earliest it may be.
   */
  public long poolRevertAtMillis(java.time.Duration revertAfter) {
    if (poolBefore == null) {
      return 0;
    }
    return recovered() ? Math.max(revertAtMillis, recoveredAtMillis + revertAfter.toMillis()) : revertAtMillis;
  }

  /** Keeps the last {@code max} samples for the report chart (bounded state). */
  public void addSample(UtilizationSample sample, int max) {
    samples.add(sample);
    if (samples.size() > max) {
      samples.subList(0, samples.size() - max).clear();
    }
  }
}
