package dev.remediator.incident;

import java.util.List;

/**
 * A runbook's own steps, as the incident shell ({@link IncidentWorkflowImpl}) calls them: the shell owns the order
 * (assess, diagnose, then plan → approve → act → verify until recovered, watching and escalating in between), the
 * alerts, approvals, escalation ladder, timeline and report; the runbook owns what each step looks at and does.
 * Workflow code only: every effect is an activity. One instance per workflow run, made by the runbook's
 * {@link Factory} (registered in {@code dev.remediator.registry.Runbooks}).
 */
public interface RunbookSteps {

  /** Makes the steps for one run; a runbook's own state lives in {@link IncidentState#findings}. */
  @FunctionalInterface
  interface Factory {
    RunbookSteps create(RunbookContext context);
  }

  /** Immediate response: how badly the target is affected (probes, the target's own measurements). */
  void assess();

  /** Investigation: evidence and the root-cause hint, summed up in {@link IncidentState#diagnosis}. */
  void diagnose();

  /** True when the runbook acts now; otherwise the shell watches (samples) until it does, recovers or resolves. */
  boolean remediationWanted();

  /** The actions for this round (0, 1, …), from what the target shows now; empty when nothing is left to try. */
  List<PlannedAction> plan(int round);

  /**
   * Below critical, while watching: the actions the runbook takes at warning too, from its last sample (the pool
   * runbook: terminating leaked sessions); empty, the default, means it only watches.
   */
  default List<PlannedAction> planAtWarning() {
    return List.of();
  }

  /** Why nothing is left to plan, for the escalation. */
  String nothingLeft();

  /** Executes one approved (or automatic) action; EXECUTED means it changed something. */
  ActionOutcome execute(PlannedAction action, Plan plan);

  /** Records an outcome the shell decided (skipped, dry run) in the state, timeline and metrics. */
  ActionOutcome record(Plan plan, ActionType type, ActionResult result, String detail);

  /** After an action: true when the runbook's recovery criteria hold (may take several samples). */
  boolean verify();

  /** One sample while watching: true when the target looks healthy. */
  boolean sample();

  /** After recovery: one sample; true when the target is bad enough to act again. */
  boolean relapsed();

  /** True while the problem a declined plan would have fixed is still there (a new plan is offered, bounded). */
  boolean problemPersists();

  /**
   * After a sample while watching: true, once, when the runbook decided its cause again from what the sample showed
   * and it is now one the runbook acts on, where the cause it had was not (pods still starting when the alert fired
   * and crash-looping since): the shell plans again. False, the default.
   */
  default boolean causeBecameActionable() {
    return false;
  }

  /** True after a sample that could not reach the target: the shell backs off between samples. */
  boolean targetUnreachable();

  /** Samples taken in this run (the shell continues as new past the policy's limit). */
  int samplesThisRun();

  /** The one-line measurement people look at first, e.g. "utilization 24.3 %"; empty when unknown. */
  String measurement();

  /** The runbook's own section of the {@code status} answer (e.g. its last reading); null, the default: none. */
  default RunbookSection status() {
    return null;
  }

  /** The latest reading of the runbook's measurement series; null, the default: none yet or no series. */
  default Measurement latest() {
    return null;
  }

  /** Change ID: {@link #beforeReport} samples at close, whatever happened since the last sample. */
  String REPORT_SAMPLE_AT_CLOSE = "report-sample-at-close";

  /** Before the report: the "after" measurement, taken at close (after the last action and resolution). */
  void beforeReport();

  /** Change ID: at close, the shell asks {@link #similarElsewhere} once and reports what it found. */
  String SIMILAR_ISSUES_AT_CLOSE = "similar-issues-at-close";

  /**
   * Post-incident: "check for similar issues in other services". Once, as the incident closes (not when it is
   * cancelled): the runbook's same read-only check against the other configured targets it applies to (one bounded
   * activity: a time budget and a concurrency limit; a target that does not answer is listed as unchecked), never
   * acting on them. The shell records it once in the timeline, the report and the closing notification. Null, the
   * default: the runbook has no such check.
   */
  default SimilarIssues similarElsewhere() {
    return null;
  }

  /** Before closing (also when cancelled): undo temporary changes at their durable time. */
  void restore();

  /** The runbook's "information to provide" for a page. */
  EscalationDetails escalationDetails(String reason);

  /**
   * The tier of the policy's escalation ladder that the runbook's escalation goes to first, by name (its escalation
   * section: "development" for a crash, "platform" for unschedulable pods); null: the ladder's first tier.
   */
  default String escalationTier() {
    return null;
  }

  /** The trigger's words when the incident has been critical for longer than {@code after}. */
  default String criticalTooLong(java.time.Duration after) {
    return "critical for more than " + Reports.duration(after);
  }

  /** What the runbook adds to the post-incident report. */
  RunbookReport report(IncidentOutcome outcome);
}
