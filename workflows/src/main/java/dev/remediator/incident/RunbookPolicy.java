package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The thresholds and rules of the incident shell for one target, plus each runbook's own section ({@link
 * #runbooks}). Part of the workflow input, so it is fixed for the life of an incident run; it never holds credentials
 * (channels and targets are referred to by name).
 *
 * @param warningUtilization the runbook's High threshold (fraction of usable connections, default 0.70)
 * @param criticalUtilization the runbook's Critical threshold (default 0.90)
 * @param approvalTimeout how long to wait for a decision before escalating (default 15 min)
 * @param approvers who may approve or reject plans for this target
 * @param verifySamples consecutive samples below the warning threshold that count as recovered (default 3)
 * @param verifyInterval time between verification samples (default 20 s)
 * @param rollingRestart policy for a rolling restart of the deployment (default APPROVE)
 * @param fourEyes the person who requested an incident may not approve its plans (default true)
 * @param maxRestarts restarts per incident before escalating (the runbook's "multiple restarts", default 2)
 * @param restartCooldown no restart within this time of the previous one (default 10 min)
 * @param rolloutTimeout how long a restart's rollout may take (default 10 min)
 * @param criticalEscalateAfter utilization above critical for longer than this escalates (default 10 min)
 * @param quietPeriod after recovery the incident stays open this long to absorb re-sends (default 10 min)
 * @param escalation the escalation ladder, first tier first
 * @param maxSamplesPerRun samples after which a long incident continues as new, at the latest (default 500); the
 *     SDK's own suggestion (history size) applies too
 * @param runbooks each runbook's own keys by runbook name ({@code policy.runbooks.<name>}), in the payload form its
 *     {@code dev.remediator.runbook.PolicySection} reads; empty in inputs recorded before a runbook had one
 * @param earlier keys of inputs recorded before they moved into a runbook's section (read by that runbook as its
 *     aliases); written back as they came, never set from configuration
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunbookPolicy(
    double warningUtilization,
    double criticalUtilization,
    Duration approvalTimeout,
    List<String> approvers,
    int verifySamples,
    Duration verifyInterval,
    ActionMode rollingRestart,
    boolean fourEyes,
    int maxRestarts,
    Duration restartCooldown,
    Duration rolloutTimeout,
    Duration criticalEscalateAfter,
    Duration quietPeriod,
    List<EscalationTier> escalation,
    int maxSamplesPerRun,
    Map<String, JsonNode> runbooks,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> earlier) {

  public RunbookPolicy {
    runbooks = sorted(runbooks);
    earlier = sorted(earlier);
  }

  /** A copy in key order (payloads serialize the same way on every run); no null values. */
  private static Map<String, JsonNode> sorted(Map<String, JsonNode> m) {
    java.util.TreeMap<String, JsonNode> copy = new java.util.TreeMap<>();
    if (m != null) {
      m.forEach((k, v) -> {
        if (k != null && v != null) {
          copy.put(k, v);
        }
      });
    }
    return java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * The runbooks' own numbers, with each registered runbook's section at its defaults ({@code runbookSections}, by
   * runbook name: the registry's {@code Runbooks.defaultPolicy()} passes them); configuration overrides them key by
   * key.
   */
  public static RunbookPolicy runbookDefaults(Map<String, JsonNode> runbookSections) {
    Duration ack = Duration.ofMinutes(15);
    return new RunbookPolicy(
        0.70,
        0.90,
        Duration.ofMinutes(15),
        List.of(),
        3,
        Duration.ofSeconds(20),
        ActionMode.APPROVE,
        true,
        2,
        Duration.ofMinutes(10),
        Duration.ofMinutes(10),
        Duration.ofMinutes(10),
        Duration.ofMinutes(10),
        List.of(
            new EscalationTier("database", List.of(), ack),
            new EscalationTier("platform", List.of(), ack),
            new EscalationTier("development", List.of(), ack),
            new EscalationTier("management", List.of(), ack)),
        500,
        runbookSections,
        Map.of());
  }

  public boolean isApprover(String name) {
    return name != null && approvers != null && approvers.contains(name);
  }
}
