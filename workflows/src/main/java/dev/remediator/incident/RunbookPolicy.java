package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Duration;
import java.util.List;

/**
 * The thresholds and rules of the connection-pool runbook for one target. Part of the workflow input, so it is
 * fixed for the life of an incident run; it never holds credentials.
 *
 * @param warningUtilization the runbook's High threshold (fraction of usable connections, default 0.70)
 * @param criticalUtilization the runbook's Critical threshold (default 0.90)
 * @param idleInTransactionReportAfter sessions idle in transaction longer than this are reported (default 30 s)
 * @param idleInTransactionTerminateAfter sessions idle in transaction longer than this may be terminated (10 min)
 * @param longRunningQueryAfter queries running longer than this are reported (default 1 min)
 * @param maxSessionsPerTermination cap on sessions terminated by one action (default 50)
 * @param terminateSessions policy for terminating idle-in-transaction sessions (default APPROVE)
 * @param approvalTimeout how long to wait for a decision before escalating (default 15 min)
 * @param approvers who may approve or reject plans for this target
 * @param verifySamples consecutive samples below the warning threshold that count as recovered (default 3)
 * @param verifyInterval time between verification samples (default 20 s)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunbookPolicy(
    double warningUtilization,
    double criticalUtilization,
    Duration idleInTransactionReportAfter,
    Duration idleInTransactionTerminateAfter,
    Duration longRunningQueryAfter,
    int maxSessionsPerTermination,
    ActionMode terminateSessions,
    Duration approvalTimeout,
    List<String> approvers,
    int verifySamples,
    Duration verifyInterval) {

  /** The runbook's own numbers; configuration overrides them field by field. */
  public static RunbookPolicy runbookDefaults() {
    return new RunbookPolicy(
        0.70,
        0.90,
        Duration.ofSeconds(30),
        Duration.ofMinutes(10),
        Duration.ofMinutes(1),
        50,
        ActionMode.APPROVE,
        Duration.ofMinutes(15),
        List.of(),
        3,
        Duration.ofSeconds(20));
  }

  public boolean isApprover(String name) {
    return name != null && approvers != null && approvers.contains(name);
  }
}
