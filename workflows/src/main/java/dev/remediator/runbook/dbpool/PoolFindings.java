package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remediator.incident.ActionTarget;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.IncidentState;
import dev.remediator.incident.RunbookFindings;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The connection-pool runbook's own state, carried in {@code IncidentState.findings} across continue-as-new: the
 * snapshots and samples, the diagnosis, the pool settings and what the runbook changed. States carried before it
 * existed had these fields at the top of the state; {@link #of} moves them here (same names, same JSON).
 */
@JsonTypeName(PoolFindings.NAME)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class PoolFindings implements RunbookFindings {
  /** The findings' logical name in payloads: never changes. */
  public static final String NAME = "dbpool";

  /** The state fields an earlier layout kept at the top of {@code IncidentState} (same names here). */
  static final List<String> EARLIER_STATE_FIELDS = List.of("firstSnapshot", "lastSnapshot", "sampledPeak",
      "closingSnapshot", "kubernetesAvailable", "pool", "samples", "sessionsFound", "sessionsTerminated",
      "poolBefore", "revertAtMillis");

  private static final ObjectMapper PAYLOAD = JacksonJsonPayloadConverter.newDefaultObjectMapper();

  public ConnectionSnapshot firstSnapshot;
  public ConnectionSnapshot lastSnapshot;
  /** The highest utilization sampled in the incident (0 before any sample). */
  public double sampledPeak;
  /** When {@link #sampledPeak} was first sampled (RFC 3339, workflow time); null before, and in older states. */
  public String sampledPeakAt;
  /** The sample taken as the incident closed (the report's "after"); null if it failed or in older runs. */
  public ConnectionSnapshot closingSnapshot;
  public PoolDiagnosis diagnosis = PoolDiagnosis.unknown();
  public boolean kubernetesAvailable;
  public PoolSettings pool;
  public List<UtilizationSample> samples = new ArrayList<>();
  /** Idle-in-transaction sessions past the termination threshold at diagnosis, and those terminated. */
  public int sessionsFound;
  public int sessionsTerminated;
  /** The settings an outstanding temporary increase is reverted to (null: none), and when. */
  public PoolSettings poolBefore;
  public long revertAtMillis;
  /**
   * A plan came out empty because the database could not be examined (refused or unreachable): the first sample that
   * reaches it plans again, once ({@code PoolRunbook.causeBecameActionable}).
   */
  public boolean plannedBlind;
  /** Plans made again that way in this incident: at most {@code PoolRunbook.MAX_REPLANS_ONCE_ANSWERING}. */
  public int replansOnceAnswering;

  /**
   * The pool findings of an incident: those its state carries, else new ones (from the top-level fields a state
   * carried before this class existed), put in {@code state.findings}. Pure and deterministic: a data migration.
   */
  public static PoolFindings of(IncidentState state) {
    if (state.findings instanceof PoolFindings carried) {
      return carried;
    }
    PoolFindings findings = new PoolFindings();
    ObjectNode earlier = PAYLOAD.createObjectNode();
    for (String field : EARLIER_STATE_FIELDS) {
      JsonNode value = state.earlier().get(field);
      if (value != null && !value.isNull()) {
        earlier.set(field, value);
      }
    }
    if (!earlier.isEmpty()) {
      ObjectNode node = ((ObjectNode) PAYLOAD.valueToTree(findings)).setAll(earlier);
      findings = PAYLOAD.convertValue(node.put("@class", NAME), PoolFindings.class);
      EARLIER_STATE_FIELDS.forEach(state.earlier()::remove);
    }
    if (state.diagnosis != null) {
      findings.diagnosis = PoolDiagnosis.of(state.diagnosis);
    } else {
      state.diagnosis = findings.diagnosis.summary();
    }
    state.findings = findings;
    return findings;
  }

  /**
   * The episode's peak utilization, the report's "before": the highest of the alerted values ({@code alertedPeak},
   * null: none) and the samples (0 when neither is known).
   */
  public double peakUtilization(Double alertedPeak) {
    return Math.max(alertedPeak == null ? 0 : alertedPeak, samplePeak());
  }

  /** True when the peak is an alerted value above every sample. */
  public boolean peakAsAlerted(Double alertedPeak) {
    return alertedPeak != null && alertedPeak > samplePeak();
  }

  private double samplePeak() {
    return Math.max(sampledPeak, firstSnapshot == null ? 0 : firstSnapshot.utilization());
  }

  /**
   * When the highest sample was taken: its own record, else (states from before it) the time of a kept sample of
   * that value; null when unknown.
   */
  public String sampledPeakAt() {
    if (sampledPeakAt != null || sampledPeak == 0) {
      return sampledPeakAt;
    }
    return samples.stream().filter(s -> s.utilization() == sampledPeak).map(UtilizationSample::at).findFirst()
        .orElse(null);
  }

  /** The report's "after": the sample taken at close, else the last one (older runs, a failed sample at close). */
  public ConnectionSnapshot afterSnapshot() {
    return closingSnapshot != null ? closingSnapshot : lastSnapshot;
  }

  /**
   * When the outstanding temporary pool increase is reverted (0 when none is outstanding): its own time, and never
   * sooner than {@code revertAfter} past the recovery ({@code recoveredAtMillis}, 0: not recovered). Before a
   * recovery, the earliest it may be.
   */
  public long poolRevertAtMillis(long recoveredAtMillis, Duration revertAfter) {
    if (poolBefore == null) {
      return 0;
    }
    return recoveredAtMillis > 0 ? Math.max(revertAtMillis, recoveredAtMillis + revertAfter.toMillis())
        : revertAtMillis;
  }

  /** Keeps the last {@code max} samples for the report chart (bounded state). */
  public void addSample(UtilizationSample sample, int max) {
    samples.add(sample);
    if (samples.size() > max) {
      samples.subList(0, samples.size() - max).clear();
    }
  }

  /** Registers the runbook's payload names: its findings and its sections of the report and status. */
  public static final class Names implements RunbookFindings.Names {
    @Override
    public Map<String, Class<?>> byName() {
      return Map.of(NAME, PoolFindings.class, PoolReportSection.NAME, PoolReportSection.class,
          PoolStatusSection.NAME, PoolStatusSection.class, PoolPageSection.NAME, PoolPageSection.class);
    }

    @Override
    public Map<ActionType, Class<? extends ActionTarget>> actionTargets() {
      return Map.of(ActionType.TERMINATE_SESSIONS, TerminationTarget.class,
          ActionType.POOL_INCREASE, PoolIncreaseTarget.class);
    }

    @Override
    public Map<String, List<String>> earlierSections() {
      return Map.of(PoolReportSection.NAME, List.of("utilizationBefore", "sessionsTerminated"),
          PoolStatusSection.NAME, List.of("lastSnapshot", "poolRevertTo"),
          PoolPageSection.NAME, PoolPageSection.EARLIER_FIELDS);
    }
  }
}
