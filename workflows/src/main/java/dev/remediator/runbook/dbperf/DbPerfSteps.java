package dev.remediator.runbook.dbperf;

import dev.remediator.incident.ActionMode;
import dev.remediator.incident.ActionOutcome;
import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.DiagnosisSummary;
import dev.remediator.incident.EscalationDetails;
import dev.remediator.incident.EscalationTier;
import dev.remediator.incident.Failures;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentState;
import dev.remediator.incident.Plan;
import dev.remediator.incident.PlannedAction;
import dev.remediator.incident.Reports;
import dev.remediator.incident.RunbookContext;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.RunbookReport;
import dev.remediator.incident.RunbookSteps;
import dev.remediator.incident.Severity;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import dev.remediator.incident.Timeline;
import dev.remediator.incident.TimelineEntry.Kind;
import dev.remediator.incident.Waits;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Database Performance runbook's steps ({@code docs/runbooks/database-performance.md}): sample the database,
 * diagnose (the blocking tree, long-running statements, top statements, table statistics; {@link
 * PerformanceDiagnosis}), then cancel the root blockers' statements, terminate the same transactions only if the
 * cancel did not clear the waits within the grace, or ANALYZE tables with stale statistics — each gated by its
 * policy mode and identity-checked by the activity at execution — and verify: N samples without lock waits or
 * long-running statements. Long-running statements that block nobody, dead tuples and slow queries change nothing:
 * the shell escalates with the evidence (never VACUUM FULL, never DDL). Workflow code only.
 */
public final class DbPerfSteps implements RunbookSteps {
  /**
   * Change ID: the check for similar issues at close reads the other databases on the same server. Incidents that
   * recorded the shell's {@link RunbookSteps#SIMILAR_ISSUES_AT_CLOSE} before it ran no activity there.
   */
  static final String SIMILAR_DATABASES = "dbperf-similar-databases";

  /**
   * Change ID: a diagnosis that could not examine the database (every slot taken, or it did not answer) is made
   * again by the first sample that reaches it and finds a problem; before, the incident watched without a cause
   * until a person asked for a new plan.
   */
  static final String DIAGNOSE_ONCE_THE_DATABASE_ANSWERS = "dbperf-diagnose-once-the-database-answers";

  /**
   * Diagnoses made again that way per incident: a diagnosis that keeps failing (a statement timeout under the lock
   * contention it is to find) while the light sample succeeds is not repeated at every sample.
   */
  static final int MAX_DIAGNOSES_ONCE_ANSWERING = 2;

  /** Plans one incident makes at most: a blocker that changed, then a termination, then a new blocker, … */
  static final int MAX_PLANS = 6;

  /** Plans whose blockers all changed before their execution, after which the runbook escalates. */
  static final int MAX_CHANGED = 2;

  /** The ladder's tiers that are the database team, in order of preference. */
  static final List<String> DATABASE_TIERS = List.of("database", "dba");

  private final IncidentState state;
  private final Timeline timeline;
  private final RunbookPolicy policy;
  private final PerformancePolicy own;
  private final Target target;
  private final Waits waits;
  private final PerformanceFindings findings;
  private final java.util.function.Consumer<String> escalate;
  private boolean diagnosisFresh;
  private boolean unreachable;
  private int samplesThisRun;
  /** Set by a sample whose new diagnosis found a cause to act on: the shell plans ({@link #causeBecameActionable}). */
  private boolean causeBecameActionable;

  public DbPerfSteps(RunbookContext context) {
    this.state = context.state();
    this.timeline = context.timeline();
    this.policy = context.policy();
    this.own = PerformancePolicy.of(policy);
    this.target = context.target();
    this.waits = context.waits();
    this.escalate = context.escalate();
    if (state.findings instanceof PerformanceFindings carried) {
      this.findings = carried;
    } else {
      this.findings = new PerformanceFindings();
      state.findings = findings;
    }
  }

  // ---- immediate response and investigation -------------------------------------------------------------------

  /** Immediate response: one sample of the database (lock waits, long-running statements, active sessions). */
  @Override
  public void assess() {
    PerformanceSample s = takeSample("Sample the database: lock waits, long-running statements");
    if (s != null) {
      findings.firstSample = s;
      timeline.note(Kind.CHECK, "Database " + target.database() + ": " + PerformanceText.sample(s));
    }
  }

  /** Investigation: the diagnosis pass, the cause and its evidence. */
  @Override
  public void diagnose() {
    diagnose("Diagnose: blocking tree, long-running and top statements, table statistics");
  }

  private void diagnose(String summary) {
    try {
      PerformanceSnapshot s = PerfStubs.reader(summary).diagnose(target, policy);
      state.reachable();
      unreachable = false;
      if (findings.firstSnapshot == null) {
        findings.firstSnapshot = s;
      }
      findings.lastSnapshot = s;
      findings.diagnosis = PerformanceDiagnosis.of(s, own);
      List<String> tree = PerformanceText.tree(s);
      if (!tree.isEmpty()) {
        timeline.note(Kind.DIAGNOSIS, "Blocking tree: " + String.join(" | ", tree));
      }
      if (!s.statementsAvailable()) {
        timeline.note(Kind.DIAGNOSIS, PerformanceText.statements(s).get(0));
      }
    } catch (ActivityFailure e) {
      state.unreachable(Failures.unreachable(e), Workflow.currentTimeMillis());
      unreachable = true;
      findings.diagnosis = PerformanceDiagnosis.unknown("the database could not be examined: " + Failures.message(e));
    }
    state.diagnosis = DbPerfReport.diagnosis(findings);
    timeline.note(Kind.DIAGNOSIS, "Cause: " + findings.cause().words() + " — "
        + String.join("; ", findings.diagnosis.evidence()));
    diagnosisFresh = true;
  }

  // ---- resolution ---------------------------------------------------------------------------------------------

  /** Act when a critical alert fires or the diagnosis found a cause (acting on it, or escalating with it). */
  @Override
  public boolean remediationWanted() {
    return state.severity == Severity.CRITICAL || findings.cause() != PerformanceCause.UNKNOWN;
  }

  @Override
  public List<PlannedAction> plan(int round) {
    causeBecameActionable = false; // planning now: a cause found by an earlier sample is planned for here
    if (!diagnosisFresh) {
      diagnose("Diagnose again before planning");
    }
    diagnosisFresh = false;
    if (findings.lastSnapshot == null || findings.plans >= MAX_PLANS) {
      return List.of();
    }
    List<PlannedAction> actions = switch (findings.cause()) {
      case LOCK_CONTENTION -> blockerActions();
      case STALE_STATISTICS -> analyzeActions();
      default -> List.of();
    };
    if (!actions.isEmpty()) {
      findings.plans++;
      findings.cancelDidNotClear = false;
    }
    return actions;
  }

  /**
   * The root blockers: a transaction cancelled before that still blocks is terminated (its cancel did not clear the
   * waits), any other has its statement cancelled first.
   */
  private List<PlannedAction> blockerActions() {
    List<BackendSession> roots = findings.diagnosis.blockers();
    List<BackendSession> terminate = roots.stream()
        .filter(b -> findings.wasCancelled(b) && !findings.wasTerminated(b)).toList();
    List<BackendSession> cancel = roots.stream().filter(b -> !findings.wasCancelled(b)).toList();
    int waiting = PerformanceText.list(findings.lastSnapshot.lockWaits()).size();
    List<PlannedAction> actions = new ArrayList<>();
    if (!terminate.isEmpty() && own.terminateBlockers() != ActionMode.OFF) {
      actions.add(new PlannedAction(ActionType.TERMINATE_BLOCKERS, own.terminateBlockers(),
          "cancelling did not clear the lock waits: " + waiting + " session(s) still wait behind the same"
              + " transaction(s); terminate them",
          new BlockersTarget(BlockersTarget.Signal.TERMINATE, terminate)));
    }
    if (!cancel.isEmpty() && own.cancelBlockers() != ActionMode.OFF) {
      actions.add(new PlannedAction(ActionType.CANCEL_BLOCKERS, own.cancelBlockers(),
          "lock contention: " + waiting + " session(s) wait behind " + cancel.size() + " root blocker(s); cancel"
              + " their statements (pg_cancel_backend), terminate only if that does not clear the waits",
          new BlockersTarget(BlockersTarget.Signal.CANCEL, cancel)));
    }
    return actions;
  }

  private List<PlannedAction> analyzeActions() {
    if (own.analyzeTables() == ActionMode.OFF) {
      return List.of();
    }
    List<String> tables = findings.diagnosis.staleTables().stream().filter(t -> !findings.analyzed.contains(t))
        .toList();
    return tables.isEmpty() ? List.of() : List.of(new PlannedAction(ActionType.ANALYZE_TABLES, own.analyzeTables(),
        "stale statistics: ANALYZE with a " + Reports.duration(own.analyzeTimeout()) + " statement timeout",
        new TablesTarget(tables)));
  }

  @Override
  public String nothingLeft() {
    PerformanceCause cause = findings.cause();
    String why;
    if (findings.lastSnapshot == null) {
      why = "nothing to plan while the database cannot be examined (planned again once it answers)";
    } else if (findings.plans >= MAX_PLANS) {
      why = MAX_PLANS + " plans made and the problem persists";
    } else if (cause == PerformanceCause.LOCK_CONTENTION) {
      why = lockContentionLeft();
    } else if (cause == PerformanceCause.STALE_STATISTICS) {
      why = own.analyzeTables() == ActionMode.OFF
          ? "stale statistics, but the policy allows no ANALYZE (analyzeTables: off)"
          : "the tables with stale statistics were analyzed already";
    } else {
      why = cause.words() + ", which the runbook does not fix automatically (never VACUUM FULL, never DDL)";
    }
    return why + " — for the database team: " + String.join("; ", findings.diagnosis.evidence());
  }

  private String lockContentionLeft() {
    List<BackendSession> roots = findings.diagnosis.blockers();
    if (roots.isEmpty()) {
      return "lock contention, but every root blocker is excluded from actions";
    }
    if (roots.stream().allMatch(findings::wasTerminated)) {
      return "the root blockers were terminated and sessions still wait";
    }
    if (roots.stream().anyMatch(findings::wasCancelled)) {
      return "cancelling did not clear the lock waits and the policy allows no termination (terminateBlockers: "
          + own.terminateBlockers() + ")";
    }
    return "lock contention, but the policy allows no cancel (cancelBlockers: " + own.cancelBlockers() + ")";
  }

  /** Sessions still wait on locks, or stale tables are left to analyze. */
  @Override
  public boolean problemPersists() {
    PerformanceSample s = findings.lastSample;
    return s != null && (s.lockWaits() > 0 || findings.cause() == PerformanceCause.STALE_STATISTICS
        && findings.diagnosis.staleTables().stream().anyMatch(t -> !findings.analyzed.contains(t)));
  }

  @Override
  public ActionOutcome execute(PlannedAction action, Plan plan) {
    try {
      return switch (action.type()) {
        case CANCEL_BLOCKERS, TERMINATE_BLOCKERS -> signal(action, plan);
        case ANALYZE_TABLES -> analyze(action, plan);
        default -> record(plan, action.type(), ActionResult.REFUSED, "not a Database Performance action");
      };
    } catch (ActivityFailure e) {
      return record(plan, action.type(), ActionResult.FAILED, Failures.message(e));
    }
  }

  /**
   * Cancels or terminates exactly the planned blockers; the activity refuses (CHANGED) any that is no longer the
   * same transaction or blocks nobody. Nothing signalled: REFUSED, and the shell plans again from a new diagnosis.
   */
  private ActionOutcome signal(PlannedAction action, Plan plan) {
    BlockersTarget t = action.target(BlockersTarget.class);
    boolean terminate = t.signal() == BlockersTarget.Signal.TERMINATE;
    List<BackendSession> blockers = t.blockers() == null ? List.of() : t.blockers();
    String pids = String.join(", ", blockers.stream().map(b -> String.valueOf(b.pid())).toList());
    PerformanceActivities db = PerfStubs.signaller(
        (terminate ? "pg_terminate_backend" : "pg_cancel_backend") + " of blocker(s) " + pids);
    SignalResult r = terminate ? db.terminateBlockers(target, policy, blockers)
        : db.cancelBlockers(target, policy, blockers);
    SignalOutcome.Result done = terminate ? SignalOutcome.Result.TERMINATED : SignalOutcome.Result.CANCELLED;
    for (SignalOutcome o : PerformanceText.list(r.outcomes())) {
      BackendSession planned = blockers.stream().filter(b -> b.pid() == o.pid()).findFirst().orElse(null);
      findings.outcomes.add(action.type().label() + " " + PerformanceText.session(planned) + ": " + o.result()
          + (o.detail() == null || o.detail().isBlank() ? "" : " — " + o.detail()));
      if (o.result() == done && planned != null) {
        (terminate ? findings.terminated : findings.cancelled).add(planned);
      }
    }
    String detail = signalled(r, done) + "; " + r.waitsAfter() + " lock wait(s) right after";
    if (r.count(done) == 0) {
      if (r.count(SignalOutcome.Result.CHANGED) > 0) {
        findings.changedBlockers++;
        timeline.note(Kind.ACTION, "The blocker(s) changed between the plan and its execution: nothing signalled;"
            + " diagnosing again for a new plan");
      }
      ActionOutcome refused = record(plan, action.type(), ActionResult.REFUSED, detail);
      if (findings.changedBlockers >= MAX_CHANGED) {
        escalate.accept("the identity check refused the planned blockers " + findings.changedBlockers + " times: "
            + detail);
      }
      return refused;
    }
    if (!terminate && r.waitsAfter() > 0) {
      awaitCancelGrace();
    }
    return record(plan, action.type(), ActionResult.EXECUTED, detail);
  }

  /**
   * After a cancel that left sessions waiting: samples until the waits are gone or the policy's {@code cancelGrace}
   * has passed; still waiting then, the cancel did not clear them (an idle-in-transaction blocker holds its locks
   * without a statement to cancel) and the next plan terminates the same transactions.
   */
  private void awaitCancelGrace() {
    long until = Workflow.currentTimeMillis() + own.cancelGrace().toMillis();
    PerformanceSample s = findings.lastSample;
    do {
      Duration left = Waits.remaining(until);
      waits.sleep("Cancel grace: are the lock waits gone?",
          left.compareTo(policy.verifyInterval()) < 0 ? left : policy.verifyInterval());
      s = takeSample("Sample lock waits after the cancel");
    } while ((s == null || s.lockWaits() > 0) && Workflow.currentTimeMillis() < until);
    findings.cancelDidNotClear = s == null || s.lockWaits() > 0;
    if (findings.cancelDidNotClear) {
      timeline.note(Kind.ACTION, "The cancel did not clear the lock waits within "
          + Reports.duration(own.cancelGrace()) + (s == null ? "" : ": " + PerformanceText.sample(s)));
    }
  }

  private ActionOutcome analyze(PlannedAction action, Plan plan) {
    List<String> tables = action.target(TablesTarget.class).tables();
    findings.analyzed.addAll(tables.stream().filter(t -> !findings.analyzed.contains(t)).toList());
    AnalyzeResult r = PerfStubs.analyzer("ANALYZE " + String.join(", ", tables), own.analyzeTimeout(), tables.size())
        .analyzeTables(target, policy, tables);
    List<String> parts = new ArrayList<>();
    for (AnalyzeOutcome o : PerformanceText.list(r.outcomes())) {
      String line = o.table() + ": " + o.result() + (o.result() == AnalyzeOutcome.Result.ANALYZED
          ? " in " + String.format(java.util.Locale.ROOT, "%.1f s", o.seconds()) : "")
          + (o.detail() == null || o.detail().isBlank() ? "" : " — " + o.detail());
      findings.outcomes.add("ANALYZE " + line);
      parts.add(line);
    }
    ActionResult result = r.count(AnalyzeOutcome.Result.ANALYZED) > 0 ? ActionResult.EXECUTED : ActionResult.REFUSED;
    ActionOutcome done = record(plan, action.type(), result, String.join("; ", parts));
    long stopped = r.count(AnalyzeOutcome.Result.REFUSED) + r.count(AnalyzeOutcome.Result.TIMED_OUT);
    if (stopped > 0) {
      escalate.accept("ANALYZE refused or stopped by its timeouts for " + stopped + " table(s): "
          + String.join("; ", parts));
    }
    return done;
  }

  private static String signalled(SignalResult r, SignalOutcome.Result done) {
    List<String> parts = new ArrayList<>();
    for (SignalOutcome.Result kind : SignalOutcome.Result.values()) {
      long n = r.count(kind);
      if (n > 0) {
        parts.add(n + " " + kind.name().toLowerCase(java.util.Locale.ROOT));
      }
    }
    return parts.isEmpty() ? "no blocker signalled" : String.join(", ", parts);
  }

  @Override
  public ActionOutcome record(Plan plan, ActionType type, ActionResult result, String detail) {
    ActionOutcome o = new ActionOutcome(plan == null ? null : plan.planId(), type, result, detail, Timeline.now());
    state.actions.add(o);
    timeline.note(Kind.ACTION, Reports.actionLine(o));
    Workflow.getMetricsScope()
        .tagged(Map.of("type", type.name(), "outcome", result.name()))
        .counter("remediator_actions")
        .inc(1);
    return o;
  }

  // ---- verification and watching ------------------------------------------------------------------------------

  /** Recovered: the policy's {@code recoveredSamples} samples in a row without lock waits or long-running statements. */
  @Override
  public boolean verify() {
    if (findings.cancelDidNotClear) {
      timeline.note(Kind.VERIFY, "Not recovered: sessions still wait behind the cancelled blocker(s)");
      return false;
    }
    int needed = own.recoveredSamples();
    boolean recovered = waits.consecutive(needed, policy.verifyInterval(), this::sample);
    timeline.note(Kind.VERIFY, (recovered ? "Recovered: " : "Not recovered yet: ") + measurement()
        + (recovered ? " for " + needed + " sample(s)" : ""));
    return recovered;
  }

  @Override
  public boolean sample() {
    samplesThisRun++;
    diagnosisFresh = false;
    PerformanceSample s = takeSample("Sample lock waits and long-running statements");
    if (s != null && !healthy(s) && findings.lastSnapshot == null
        && findings.diagnosesOnceAnswering < MAX_DIAGNOSES_ONCE_ANSWERING) {
      diagnoseOnceTheDatabaseAnswers();
    }
    return s != null && healthy(s);
  }

  /**
   * The diagnosis could not examine the database; this sample reached it and shows a problem: diagnose now, and if
   * the runbook acts on what it finds, the shell plans (the escalation made without a cause stands).
   */
  private void diagnoseOnceTheDatabaseAnswers() {
    if (Workflow.getVersion(DIAGNOSE_ONCE_THE_DATABASE_ANSWERS, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      return;
    }
    findings.diagnosesOnceAnswering++;
    diagnose("The database answers again: diagnose");
    causeBecameActionable = findings.lastSnapshot != null && remediationWanted();
  }

  @Override
  public boolean causeBecameActionable() {
    boolean taken = causeBecameActionable;
    causeBecameActionable = false;
    return taken;
  }

  static boolean healthy(PerformanceSample s) {
    return s.lockWaits() == 0 && s.longRunning() == 0;
  }

  @Override
  public boolean relapsed() {
    return !sample() && !unreachable;
  }

  @Override
  public boolean targetUnreachable() {
    return unreachable;
  }

  @Override
  public int samplesThisRun() {
    return samplesThisRun;
  }

  @Override
  public String measurement() {
    return PerformanceText.sample(findings.lastSample);
  }

  /**
   * Post-incident "check for similar issues in other services": the other configured databases on the same server,
   * read-only, for lock waits, long-running statements, stale statistics and dead tuples (this incident's cause
   * first), within the policy's budget and concurrency.
   */
  @Override
  public SimilarIssues similarElsewhere() {
    if (Workflow.getVersion(SIMILAR_DATABASES, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return null;
    }
    // the cause the incident was opened for: its first diagnosis (later ones may follow the remedy)
    PerformanceCause cause = findings.firstSnapshot == null ? findings.cause()
        : PerformanceDiagnosis.of(findings.firstSnapshot, own).cause();
    try {
      return PerfStubs.scanner("Check the other databases on the server for the same pattern (read-only)", own)
          .similarElsewhere(target, policy, cause);
    } catch (ActivityFailure e) {
      return PerformancePattern.notRun(own, cause, Failures.message(e));
    }
  }

  @Override
  public void beforeReport() {
    PerformanceSample s = takeSample("The database at close, for the report");
    if (s != null) {
      findings.closingSample = s;
    }
  }

  /** Nothing is temporary: a cancelled statement, a terminated session and an ANALYZE stay done. */
  @Override
  public void restore() {}

  // ---- escalation and report ----------------------------------------------------------------------------------

  /** The runbook's "information to provide": the cause, the blocking tree, the top statements, the tables. */
  @Override
  public EscalationDetails escalationDetails(String reason) {
    List<String> facts = new ArrayList<>();
    if (findings.lastSample != null) {
      facts.add("Database " + target.database() + " now: " + measurement());
    }
    facts.add("Likely cause: " + findings.cause().words() + " (" + String.join("; ", findings.diagnosis.evidence())
        + ")");
    PerformanceSnapshot s = findings.lastSnapshot;
    PerformanceText.tree(s).forEach(line -> facts.add("Blocking tree: " + line));
    PerformanceText.statements(s).forEach(line -> facts.add("Top statement " + line));
    PerformanceText.tables(s).forEach(line -> facts.add("Table " + line));
    findings.outcomes.forEach(line -> facts.add("Done: " + line));
    facts.add("For the database team (the runbook's escalation section)");
    return new EscalationDetails(reason, List.of(), null, List.copyOf(state.timeline), facts, null);
  }

  /** The database team's tier, if the policy's ladder has one; else the ladder's first. */
  @Override
  public String escalationTier() {
    List<EscalationTier> tiers = policy.escalation() == null ? List.of() : policy.escalation();
    for (String name : DATABASE_TIERS) {
      if (tiers.stream().anyMatch(t -> name.equals(t.name()))) {
        return name;
      }
    }
    return null;
  }

  @Override
  public RunbookReport report(IncidentOutcome outcome) {
    return DbPerfReport.report(target, findings);
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private PerformanceSample takeSample(String summary) {
    try {
      PerformanceSample s = PerfStubs.sampler(summary).sample(target, policy);
      findings.lastSample = s;
      state.reachable();
      if (unreachable) {
        unreachable = false;
        timeline.note(Kind.CHECK, "Database reachable again");
      }
      return s;
    } catch (ActivityFailure e) {
      state.unreachable(Failures.unreachable(e), Workflow.currentTimeMillis());
      if (!unreachable) {
        unreachable = true;
        timeline.note(Kind.CHECK, "Database: " + Failures.message(e));
      }
      return null;
    }
  }
}
