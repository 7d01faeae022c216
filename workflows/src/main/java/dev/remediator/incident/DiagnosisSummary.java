package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A runbook's diagnosis as the shell shows it: the cause in the runbook's own vocabulary (the name of its cause
 * constant, e.g. {@code LEAK} or {@code BAD_ROLLOUT}) and the evidence behind it. The same JSON as the pool
 * runbook's diagnosis that states, statuses and reports recorded before carried ({@code cause}, {@code evidence}).
 *
 * @param cause the root-cause hint; {@code UNKNOWN} (or null) when none stood out
 * @param evidence what supports it, one line each
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DiagnosisSummary(String cause, List<String> evidence) {
  /** The word of a runbook with no hint. */
  public static final String UNKNOWN = "UNKNOWN";

  public DiagnosisSummary {
    evidence = evidence == null ? List.of() : List.copyOf(evidence);
  }

  /** True when a cause stood out. */
  public boolean causeKnown() {
    return cause != null && !cause.equals(UNKNOWN);
  }
}
