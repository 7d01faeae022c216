package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.DiagnosisSummary;
import java.util.List;

/**
 * A root-cause hint computed from a snapshot, with the evidence for it (human-readable lines).
 *
 * @param cause the most likely cause
 * @param evidence facts that support it, e.g. "25 of 34 connections idle in transaction, oldest 14 min"
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PoolDiagnosis(RootCause cause, List<String> evidence) {
  public static PoolDiagnosis unknown() {
    return new PoolDiagnosis(RootCause.UNKNOWN, List.of());
  }

  /** As the shell shows it. */
  public DiagnosisSummary summary() {
    return new DiagnosisSummary(cause == null ? RootCause.UNKNOWN.name() : cause.name(), evidence);
  }

  /** The shell's summary read back (a state carried before the findings existed); an unknown word is UNKNOWN. */
  static PoolDiagnosis of(DiagnosisSummary summary) {
    RootCause cause = RootCause.UNKNOWN;
    for (RootCause c : RootCause.values()) {
      if (c.name().equals(summary.cause())) {
        cause = c;
      }
    }
    return new PoolDiagnosis(cause, summary.evidence());
  }
}
