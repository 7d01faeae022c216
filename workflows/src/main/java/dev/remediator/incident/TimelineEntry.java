package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One line of the incident record: when (workflow time, RFC 3339), who (actor), what, and which kind of line it is,
 * set by the code that writes it ({@link Timeline}). Lines recorded before kinds existed (carried state of continued
 * runs, old reports, replayed histories) have none: {@code kind} is null, and {@link ReportDiagrams} reads their
 * words instead.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TimelineEntry(String at, String actor, String event, Kind kind) {

  /** A line without a kind, as recorded before kinds existed. */
  public TimelineEntry(String at, String actor, String event) {
    this(at, actor, event, null);
  }

  /** What a line records; the report's diagram draws each under its runbook stage ({@link ReportDiagrams.Stage}). */
  public enum Kind {
    /** An alert opened the incident, fires, changes the severity or relapses. */
    ALERT,
    /** An alert, or every alert of the incident, resolved. */
    RESOLVED,
    /** A probe, a utilization sample, logs, a look at the Deployment: diagnosis before the first action, after it
     * verification. */
    CHECK,
    /** What the runbook found: connections, sessions, the pod's owner, a linked incident, the cause. */
    DIAGNOSIS,
    /** A plan made. */
    PLAN,
    /** A decision on a plan: approved, rejected, a new plan asked for, a request refused. */
    DECISION,
    /** An action started, its outcome, and what undoes it (a revert and its rollout). */
    ACTION,
    /** Whether the incident recovered: recovered, not recovered yet, still there after a plan. */
    VERIFY,
    /** Escalation, paging, acknowledgement, notifications and their failures. */
    ESCALATION,
    /** The incident closed. */
    CLOSE,
    /** Bookkeeping of the run itself (continued as new). */
    NOTE
  }
}
