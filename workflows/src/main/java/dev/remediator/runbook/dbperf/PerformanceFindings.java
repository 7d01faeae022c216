package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.remediator.incident.ActionTarget;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.RunbookFindings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Database Performance runbook's own state, carried in {@code IncidentState.findings} across continue-as-new:
 * the samples and diagnosis passes, the cause, and what was done to which blocker and table (each transaction is
 * cancelled at most once and terminated only after its cancel did not clear the waits; each table analyzed once).
 */
@JsonTypeName(PerformanceFindings.NAME)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class PerformanceFindings implements RunbookFindings {
  /** The findings' logical name in payloads: never changes. */
  public static final String NAME = "dbperf";

  /** The first sample (the report's "before") and the latest one. */
  public PerformanceSample firstSample;
  public PerformanceSample lastSample;
  /** The sample taken as the incident closed (the report's "after"). */
  public PerformanceSample closingSample;
  /** The first diagnosis pass (the report's blocking tree at diagnosis) and the latest one. */
  public PerformanceSnapshot firstSnapshot;
  public PerformanceSnapshot lastSnapshot;
  public PerformanceDiagnosis diagnosis = PerformanceDiagnosis.unknown("not diagnosed yet");
  /** Blockers whose statement was cancelled (exact transactions), and those terminated. */
  public List<BackendSession> cancelled = new ArrayList<>();
  public List<BackendSession> terminated = new ArrayList<>();
  /** Tables an ANALYZE was asked for (never planned twice). */
  public List<String> analyzed = new ArrayList<>();
  /** What became of each blocker and table, one line each, in order: the report's actions. */
  public List<String> outcomes = new ArrayList<>();
  /** The last cancel left sessions waiting past the grace: the next plan terminates the same transactions. */
  public boolean cancelDidNotClear;
  /** Actions refused because every blocker changed between plan and approval. */
  public int changedBlockers;
  /** Plans made (bounded: {@code DbPerfSteps.MAX_PLANS}). */
  public int plans;
  /** Diagnoses made again because a sample reached the database the diagnosis could not examine (at most 2). */
  public int diagnosesOnceAnswering;

  public PerformanceCause cause() {
    return diagnosis == null ? PerformanceCause.UNKNOWN : diagnosis.cause();
  }

  /** True if this transaction's statement was cancelled before. */
  public boolean wasCancelled(BackendSession s) {
    return cancelled.stream().anyMatch(c -> c.sameTransactionAs(s));
  }

  public boolean wasTerminated(BackendSession s) {
    return terminated.stream().anyMatch(c -> c.sameTransactionAs(s));
  }

  /** The report's "after": the sample at close, else the last one. */
  public PerformanceSample afterSample() {
    return closingSample != null ? closingSample : lastSample;
  }

  /** Registers the runbook's payload names: its findings and its action targets. */
  public static final class Names implements RunbookFindings.Names {
    @Override
    public Map<String, Class<?>> byName() {
      return Map.of(NAME, PerformanceFindings.class);
    }

    @Override
    public Map<ActionType, Class<? extends ActionTarget>> actionTargets() {
      return Map.of(ActionType.CANCEL_BLOCKERS, BlockersTarget.class,
          ActionType.TERMINATE_BLOCKERS, BlockersTarget.class,
          ActionType.ANALYZE_TABLES, TablesTarget.class);
    }
  }
}
