package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A root-cause hint computed from a snapshot, with the evidence for it (human-readable lines).
 *
 * @param cause the most likely cause
 * @param evidence facts that support it, e.g. "25 of 34 connections idle in transaction, oldest 14 min"
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Diagnosis(RootCause cause, List<String> evidence) {
  public static Diagnosis unknown() {
    return new Diagnosis(RootCause.UNKNOWN, List.of());
  }
}
