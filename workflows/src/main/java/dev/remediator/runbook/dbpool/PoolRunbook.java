package dev.remediator.runbook.dbpool;

import dev.remediator.incident.ActionOutcome;
import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.EscalationDetails;
import dev.remediator.incident.Failures;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentState;
import dev.remediator.incident.Measurement;
import dev.remediator.incident.RunbookSection;
import dev.remediator.incident.IncidentWorkflowImpl;
import dev.remediator.incident.LogSummary;
import dev.remediator.incident.Plan;
import dev.remediator.incident.PlannedAction;
import dev.remediator.incident.Reports;
import dev.remediator.incident.RestartResult;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.incident.RunbookContext;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.RunbookReport;
import dev.remediator.incident.RunbookSteps;
import dev.remediator.incident.ServiceHealth;
import dev.remediator.incident.Severity;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import dev.remediator.incident.Timeline;
import dev.remediator.incident.TimelineEntry.Kind;
import dev.remediator.incident.Waits;
import static dev.remediator.runbook.SharedStubs.kubernetes;
import static dev.remediator.runbook.SharedStubs.probes;
import static dev.remediator.runbook.SharedStubs.probesLocally;
import static dev.remediator.runbook.SharedStubs.rollout;
import static dev.remediator.runbook.dbpool.PoolStubs.database;
import static dev.remediator.runbook.dbpool.PoolStubs.databaseLocally;
import static dev.remediator.runbook.dbpool.PoolStubs.poolSize;
import static dev.remediator.runbook.dbpool.PoolStubs.restorer;
import static dev.remediator.runbook.dbpool.PoolStubs.scanner;
import static dev.remediator.runbook.dbpool.PoolStubs.terminator;

import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The connection-pool runbook's own steps ({@code database-connection-pool.md}): assess the impact, check the
 * database, identify leaks, plan, act, and take the samples verification and watching need. The incident shell
 * ({@link IncidentWorkflowImpl}) decides when each runs. Workflow code only: every effect is an activity.
 */
public final class PoolRunbook implements RunbookSteps {
  private static final int SAMPLES_KEPT = 120;
  /** Workflow change: the revert waits for its own rollout before the incident closes. */
  static final String REVERT_AWAITS_ROLLOUT = "pool-revert-awaits-rollout";
  /**
   * Workflow change: a sample taken while the database did not answer at the last one runs its probes and snapshot as
   * local activities, in the workflow task its timer woke: one workflow task per sample instead of three (timer,
   * probes' result, snapshot's result) and no activity task, so 1,000 incidents waiting on one dead database cost the
   * server a third of the tasks and none of the activity timeouts. The first sample that reaches the database ends
   * it; the sample after that is an ordinary one.
   */
  static final String LOCAL_SAMPLE_WHILE_UNREACHABLE = "pool-local-sample-while-unreachable";
  /**
   * Workflow change: a plan that came out empty because the database could not be examined (every slot taken at the
   * diagnosis) is made again once a sample reaches the database, instead of waiting for a person's {@code replan}.
   */
  static final String REPLAN_ONCE_THE_DATABASE_ANSWERS = "pool-replan-once-the-database-answers";
  /**
   * Plans made again that way per incident: a database that lets the watch's sample in and refuses the planning
   * snapshot (slots taken again) would otherwise alternate sample and plan without a wait.
   */
  static final int MAX_REPLANS_ONCE_ANSWERING = 2;

  private final IncidentState state;
  private final PoolFindings findings;
  private final Timeline timeline;
  private final RunbookPolicy policy;
  private final PoolPolicy own;
  private final Target target;
  private final Consumer<String> escalate;
  private final Waits waits;
  private boolean databaseFailing;
  private boolean diagnosisFresh;
  private int samplesThisRun;
  private boolean actedSinceSample;
  private boolean probesFailing;
  /** Whether this run samples an unreachable database locally: asked once per run, at the first such sample. */
  private Boolean localWhileUnreachable;

  public PoolRunbook(RunbookContext context) {
    this.state = context.state();
    this.findings = PoolFindings.of(state);
    this.waits = context.waits();
    this.timeline = context.timeline();
    this.policy = context.policy();
    this.own = PoolPolicy.of(policy);
    this.target = context.target();
    this.escalate = context.escalate();
  }

  /** Immediate response: /health and /ready, pool settings, application-log errors. */
  @Override
  public void assess() {
    assessCurrentImpact();
  }

  /** Immediate response 2 and 3: the pg_stat_activity summary, then the leak analysis and root-cause hint. */
  @Override
  public void diagnose() {
    checkDatabaseConnections();
    identifyConnectionLeaks();
  }

  /** Immediate response 1: /health and /ready, pool settings, connection errors in the application logs. */
  private void assessCurrentImpact() {
    checkServiceHealth();
    try {
      PoolSettings pool = poolSize("Read deployment replicas and pool settings").poolSettings(target);
      findings.kubernetesAvailable = pool.notConfigured() == null;
      if (findings.kubernetesAvailable) {
        findings.pool = pool;
      } else {
        timeline.note(Kind.CHECK, "Kubernetes: " + pool.notConfigured() + " (restart and pool changes unavailable)");
      }
    } catch (ActivityFailure e) {
      findings.kubernetesAvailable = false;
      timeline.note(Kind.CHECK, "Kubernetes: " + Failures.message(e) + " (restart and pool changes unavailable)");
    }
    if (findings.kubernetesAvailable) {
      try {
        state.errorLogs = kubernetes("Count connection errors in application logs (30 min)")
            .errorLogs(target, Duration.ofMinutes(30));
        timeline.note(Kind.CHECK, "Application logs (30 min, " + state.errorLogs.pods() + " pods): "
            + Reports.counts(state.errorLogs));
      } catch (ActivityFailure e) {
        timeline.note(Kind.CHECK, "Application logs unavailable: " + Failures.message(e));
      }
    }
  }

  /** Immediate response 2: the pg_stat_activity summary. */
  private void checkDatabaseConnections() {
    takeSnapshot("Check database connection status (pg_stat_activity)");
    ConnectionSnapshot s = findings.lastSnapshot;
    if (s != null) {
      timeline.note(Kind.DIAGNOSIS, String.format(Locale.ROOT,
          "Connections to %s: %d total, %d active, %d idle, %d idle in transaction; longest query %.0f s",
          target.database(), s.totalConnections(), s.active(), s.idle(), s.idleInTransaction(),
          s.longestQuerySeconds()));
    }
  }

  /** Immediate response 3: long-running, idle in transaction, blocked sessions → the root-cause hint. */
  private void identifyConnectionLeaks() {
    ConnectionSnapshot s = findings.lastSnapshot;
    if (s == null) {
      diagnosed(new PoolDiagnosis(RootCause.UNKNOWN, List.of("the database could not be examined")));
      return;
    }
    int leaked = RunbookPlanner.leakedSessions(own, s).size();
    findings.sessionsFound = Math.max(findings.sessionsFound, leaked);
    timeline.note(Kind.DIAGNOSIS, s.longRunningQueries().size() + " long-running quer(ies) > "
        + Reports.duration(own.longRunningQueryAfter()) + ", " + s.idleInTransactionSessions().size()
        + " idle in transaction > " + Reports.duration(own.idleInTransactionReportAfter()) + " (" + leaked + " > "
        + Reports.duration(own.idleInTransactionTerminateAfter()) + "), " + s.blocked().size()
        + " blocked by locks");
    diagnosed(s.diagnosis() == null ? PoolDiagnosis.unknown() : s.diagnosis());
    timeline.note(Kind.DIAGNOSIS, "Root-cause hint: " + findings.diagnosis.cause() + PoolText.evidence(findings.diagnosis));
    diagnosisFresh = true;
  }

  /** The actions for this round, from what the database shows now (diagnosed again unless just done). */
  @Override
  public List<PlannedAction> plan(int round) {
    if (!diagnosisFresh) {
      checkDatabaseConnections();
      identifyConnectionLeaks();
    }
    diagnosisFresh = false;
    List<PlannedAction> planned = RunbookPlanner.plan(new RunbookPlanner.Situation(policy, findings.lastSnapshot,
        findings.diagnosis, state.restarts, findings.kubernetesAvailable, findings.pool,
        findings.poolBefore != null, round));
    findings.plannedBlind = planned.isEmpty() && (databaseFailing || findings.lastSnapshot == null);
    return planned;
  }

  /**
   * After a sample while watching: true, once, when the last plan came out empty because the database could not be
   * examined ({@link #nothingLeft}: "planned again once it answers"), this sample reached it, and the incident is
   * critical. The shell then plans from what the database shows (the leaked sessions the refused diagnosis could not
   * see). At most {@link #MAX_REPLANS_ONCE_ANSWERING} times per incident; a person can always ask for a plan.
   */
  @Override
  public boolean causeBecameActionable() {
    if (!findings.plannedBlind || databaseFailing || findings.lastSnapshot == null) {
      return false;
    }
    findings.plannedBlind = false;
    if (!critical() || findings.replansOnceAnswering >= MAX_REPLANS_ONCE_ANSWERING
        || Workflow.getVersion(REPLAN_ONCE_THE_DATABASE_ANSWERS, Workflow.DEFAULT_VERSION, 1)
            == Workflow.DEFAULT_VERSION) {
      return false;
    }
    findings.replansOnceAnswering++;
    timeline.note(Kind.DIAGNOSIS, "The database answers again (" + measurement() + "): planning from what it shows");
    return true;
  }

  /** Below critical: terminating the leaked sessions the last sample shows (policy terminateLeaksAtWarning). */
  @Override
  public List<PlannedAction> planAtWarning() {
    return critical() || databaseFailing ? List.of() : RunbookPlanner.planAtWarning(own, findings.lastSnapshot);
  }

  /**
   * Why nothing is left to plan, for the escalation: what holds for now, not for good (the database may answer
   * again, sessions may age past the threshold; a leak at warning gets its plan, a person can ask for one).
   */
  @Override
  public String nothingLeft() {
    if (state.restarts >= policy.maxRestarts() && policy.maxRestarts() > 0) {
      return state.restarts + " restart(s) did not resolve it";
    }
    return databaseFailing || findings.lastSnapshot == null
        ? "nothing to plan while the database cannot be examined (planned again once it answers)"
        : "no remediation the policy allows for what the database shows now (replan if that changes)";
  }

  /** True while the last sample shows leaked sessions a new plan could act on. */
  @Override
  public boolean problemPersists() {
    return findings.lastSnapshot != null && !RunbookPlanner.leakedSessions(own, findings.lastSnapshot).isEmpty();
  }

  /** Remediation is warranted: a critical alert fires, or the pool measures critical. */
  @Override
  public boolean remediationWanted() {
    return critical();
  }

  private boolean critical() {
    return state.severity == Severity.CRITICAL
        || (findings.lastSnapshot != null && findings.lastSnapshot.utilization() >= policy.criticalUtilization());
  }

  /** Executes one approved (or automatic) action; EXECUTED means it changed something. */
  @Override
  public ActionOutcome execute(PlannedAction action, Plan plan) {
    try {
      return switch (action.type()) {
        case TERMINATE_SESSIONS -> terminateSessions(action, plan);
        case ROLLING_RESTART -> restartApplication(action, plan);
        case POOL_INCREASE -> increasePoolTemporarily(action, plan);
        default -> record(plan, action.type(), ActionResult.REFUSED, "not a connection-pool action");
      };
    } catch (ActivityFailure e) {
      return record(plan, action.type(), ActionResult.FAILED, Failures.message(e));
    }
  }

  private ActionOutcome terminateSessions(PlannedAction action, Plan plan) {
    List<SessionInfo> sessions = action.target(TerminationTarget.class).sessions();
    TerminationResult r = terminator("Terminate " + sessions.size() + " idle-in-transaction session(s)")
        .terminateIdleInTransaction(target, policy, sessions);
    long carriedGone = r.attempt() > 1 ? r.count(SessionOutcome.Result.GONE) : 0;
    findings.sessionsTerminated += (int) (r.terminated() + carriedGone);
    boolean acted = r.terminated() > 0 || carriedGone > 0;
    actedSinceSample |= acted;
    return record(plan, action.type(), acted ? ActionResult.EXECUTED : ActionResult.REFUSED, PoolText.outcomes(r));
  }

  private ActionOutcome restartApplication(PlannedAction action, Plan plan) {
    RestartResult r = kubernetes("kubectl rollout restart")
        .rollingRestart(target, plan.planId() + "/restart", policy.restartCooldown());
    if (!r.restarted()) {
      return record(plan, action.type(), ActionResult.REFUSED, r.refusal());
    }
    state.restarts++;
    actedSinceSample = true;
    timeline.note(Kind.ACTION,
        "Rolling restart started (restartedAt " + r.restartedAt() + "); waiting for the rollout");
    return awaitRollout(action, plan);
  }

  private static List<PoolSettings.EnvValue> poolValues(PlannedAction action) {
    return action.target(PoolIncreaseTarget.class).poolValues();
  }

  private ActionOutcome increasePoolTemporarily(PlannedAction action, Plan plan) {
    PoolSettings previous;
    try {
      previous = poolSize("kubectl set env (pool size)").setPoolSettings(target, poolValues(action));
    } catch (ActivityFailure e) {
      if (Failures.isType(e, PoolSizeActivities.ROLLOUT_IN_PROGRESS)) {
        // Another rollout is under way: the change would merge into it (and be credited with it). Nothing changed.
        return record(plan, action.type(), ActionResult.REFUSED, Failures.message(e));
      }
      throw e;
    }
    if (findings.poolBefore == null) {
      findings.poolBefore = previous;
    }
    actedSinceSample = true;
    findings.revertAtMillis = Workflow.currentTimeMillis() + own.poolIncreaseRevertAfter().toMillis();
    timeline.note(Kind.ACTION, "Pool settings changed from " + PoolText.env(previous) + " to "
        + PoolText.env(new PoolSettings(previous.replicas(), poolValues(action))) + "; revert scheduled");
    return awaitRollout(action, plan);
  }

  private ActionOutcome awaitRollout(PlannedAction action, Plan plan) {
    RolloutStatus rollout =
        rollout("kubectl rollout status", policy.rolloutTimeout()).awaitRollout(target, policy.rolloutTimeout());
    return record(plan, action.type(), rollout.complete() ? ActionResult.EXECUTED : ActionResult.FAILED,
        rollout.message());
  }

  /** Verify: recovered = utilization below the warning threshold for N consecutive samples, service healthy. */
  @Override
  public boolean verify() {
    int needed = policy.verifySamples();
    boolean recovered = waits.consecutive(needed, policy.verifyInterval(), this::sample);
    timeline.note(Kind.VERIFY, recovered
        ? "Recovered: utilization " + findings.lastSnapshot.utilizationPercent() + " for " + needed
            + " sample(s), service " + Reports.healthWord(state.lastHealth)
        : "Not recovered yet: utilization "
            + (findings.lastSnapshot == null ? "unknown" : findings.lastSnapshot.utilizationPercent()));
    return recovered;
  }

  /** One sample (probes + snapshot): true if below the warning threshold with the service available. */
  @Override
  public boolean sample() {
    samplesThisRun++;
    diagnosisFresh = false;
    boolean local = databaseFailing && sampleLocallyWhileUnreachable();
    checkServiceHealth(local);
    takeSnapshot("Sample pool utilization", true, local);
    return findings.lastSnapshot != null
        && !databaseFailing
        && findings.lastSnapshot.utilization() < policy.warningUtilization()
        && (state.lastHealth == null || state.lastHealth.available());
  }

  /** After recovery: a sample showing the pool critical again (a relapse). */
  @Override
  public boolean relapsed() {
    return !sample() && findings.lastSnapshot != null && findings.lastSnapshot.utilization() >= policy.criticalUtilization();
  }

  @Override
  public String measurement() {
    ConnectionSnapshot s = findings.lastSnapshot;
    return s == null ? "" : "utilization " + s.utilizationPercent() + " · " + s.idleInTransaction()
        + " idle in transaction · " + s.active() + " active";
  }

  /**
   * Post-incident "check for similar issues in other services": the other targets' pools, read-only, for leaked
   * sessions and utilization past the warning threshold, within the policy's budget and concurrency.
   */
  @Override
  public SimilarIssues similarElsewhere() {
    try {
      return scanner("Check other services for the same pattern (read-only)", own)
          .similarElsewhere(target, policy);
    } catch (ActivityFailure e) {
      return PoolPattern.notRun(policy, Failures.message(e));
    }
  }

  /**
   * Before the report: the "after" utilization is a sample taken now, after the last action and after every alert
   * resolved — never one from before the last change. Older runs sampled only if an action ran since the last one.
   */
  @Override
  public void beforeReport() {
    if (Workflow.getVersion(REPORT_SAMPLE_AT_CLOSE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      if (actedSinceSample) {
        takeSnapshot("Utilization after the actions, for the report");
      }
      return;
    }
    takeSnapshot("Utilization at close, for the report", false);
    findings.closingSnapshot = databaseFailing ? null : findings.lastSnapshot;
  }

  /** True after a sample that could not reach the database (the shell backs off). */
  @Override
  public boolean targetUnreachable() {
    return databaseFailing;
  }

  @Override
  public int samplesThisRun() {
    return samplesThisRun;
  }

  /** Restores a temporary pool increase at its durable revert time (after recovery) — also when nothing recovered. */
  @Override
  public void restore() {
    if (findings.poolBefore == null) {
      return;
    }
    findings.revertAtMillis = findings.poolRevertAtMillis(state.recoveredAtMillis, own.poolIncreaseRevertAfter());
    waits.sleep("Revert the temporary pool increase", Waits.remaining(findings.revertAtMillis));
    try {
      PoolSettings restored = restorer().restorePoolSettings(target, findings.poolBefore);
      if (restored.notRestored() == null) {
        timeline.note(Kind.ACTION, "Temporary pool increase reverted to " + PoolText.env(restored));
        state.actions.add(new ActionOutcome(null, ActionType.POOL_INCREASE, ActionResult.REVERTED,
            PoolText.env(restored), Timeline.now()));
      } else {
        // An operator changed a value after we set it: theirs stands, the revert says so.
        String detail = restored.notRestored() + " (now " + PoolText.env(restored) + ")";
        timeline.note(Kind.ACTION, "Temporary pool increase not reverted: " + detail);
        state.actions.add(new ActionOutcome(null, ActionType.POOL_INCREASE, ActionResult.REFUSED, detail,
            Timeline.now()));
      }
      findings.poolBefore = null;
    } catch (ActivityFailure e) {
      timeline.note(Kind.ACTION, "Reverting the pool increase FAILED: " + Failures.message(e) + " — restore "
          + PoolText.env(findings.poolBefore) + " by hand");
      escalate.accept("could not revert the temporary pool increase");
      return;
    }
    if (Workflow.getVersion(REVERT_AWAITS_ROLLOUT, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION) {
      awaitRevertRollout();
    }
  }

  /** The revert rolls the deployment: the incident closes once that rollout completed (or says it did not). */
  private void awaitRevertRollout() {
    try {
      RolloutStatus r = rollout("kubectl rollout status (after the revert)", policy.rolloutTimeout())
          .awaitRollout(target, policy.rolloutTimeout());
      if (r.complete()) {
        timeline.note(Kind.ACTION, "Rollout after the revert complete: " + r.message());
        return;
      }
      timeline.note(Kind.ACTION, "Rollout after the revert did not complete: " + r.message());
    } catch (ActivityFailure e) {
      timeline.note(Kind.ACTION, "Rollout after the revert not confirmed: " + Failures.message(e));
    }
    escalate.accept("the rollout after reverting the temporary pool increase did not complete");
  }

  /** The runbook's "information to provide" for a page: utilization, recent changes, DB metrics, error logs. */
  @Override
  public EscalationDetails escalationDetails(String reason) {
    List<RolloutRevision> changes = List.of();
    LogSummary logs = state.errorLogs;
    if (findings.kubernetesAvailable) {
      try {
        changes = kubernetes("Recent application changes (rollout history)").recentChanges(target, 5);
        logs = kubernetes("Error logs for the escalation").errorLogs(target, Duration.ofMinutes(30));
      } catch (ActivityFailure e) {
        timeline.note(Kind.ESCALATION, "Escalation details incomplete: " + Failures.message(e));
      }
    }
    double utilization = findings.lastSnapshot == null ? 0 : findings.lastSnapshot.utilization();
    return new EscalationDetails(reason, changes, logs, List.copyOf(state.timeline),
        List.of(PoolPageSection.utilizationFact(utilization)), new PoolPageSection(utilization, findings.lastSnapshot));
  }

  @Override
  public String criticalTooLong(Duration after) {
    return "connection pool above " + Reports.percent(policy.criticalUtilization()) + " for more than "
        + Reports.duration(after);
  }

  @Override
  public RunbookReport report(IncidentOutcome outcome) {
    return PoolReport.report(target, policy, state);
  }

  /** The status answer's pool part: the last snapshot and the outstanding revert. */
  @Override
  public RunbookSection status() {
    long revertAt = findings.poolRevertAtMillis(state.recoveredAtMillis, own.poolIncreaseRevertAfter());
    return new PoolStatusSection(findings.lastSnapshot, revertAt == 0 ? null : findings.poolBefore,
        revertAt == 0 ? null : Reports.time(revertAt), state.recovered());
  }

  @Override
  public Measurement latest() {
    ConnectionSnapshot s = findings.lastSnapshot;
    return s == null ? null : new Measurement(s.takenAt(), s.utilization());
  }

  @Override
  public ActionOutcome record(Plan plan, ActionType type, ActionResult result, String detail) {
    ActionOutcome o = new ActionOutcome(plan == null ? null : plan.planId(), type, result, detail, Timeline.now());
    state.actions.add(o);
    timeline.note(Kind.ACTION, Reports.actionLine(o));
    Workflow.getMetricsScope()
        .tagged(java.util.Map.of("type", type.name(), "outcome", result.name()))
        .counter("remediator_actions")
        .inc(1);
    return o;
  }

  private void checkServiceHealth() {
    checkServiceHealth(false);
  }

  /** {@code local}: the probes run as a local activity ({@link #LOCAL_SAMPLE_WHILE_UNREACHABLE}). */
  private void checkServiceHealth(boolean local) {
    try {
      ServiceHealth h = (local ? probesLocally() : probes()).probe(target);
      boolean changed = h.changedFrom(state.lastHealth) || probesFailing;
      state.lastHealth = h;
      probesFailing = false;
      if (changed) {
        // "not probed" when no probe is configured, as the report says
        timeline.note(Kind.CHECK, Reports.healthLine(h));
      }
      if (!h.available() && critical()) {
        escalate.accept("service unavailable");
      }
    } catch (ActivityFailure e) {
      if (!probesFailing) {
        timeline.note(Kind.CHECK, "Service probes failed: " + Failures.message(e)); // once, not at every sample
      }
      probesFailing = true;
    }
  }

  private void takeSnapshot(String summary) {
    takeSnapshot(summary, true);
  }

  private void takeSnapshot(String summary, boolean mayEscalate) {
    takeSnapshot(summary, mayEscalate, false);
  }

  private boolean sampleLocallyWhileUnreachable() {
    if (localWhileUnreachable == null) {
      localWhileUnreachable = Workflow.getVersion(LOCAL_SAMPLE_WHILE_UNREACHABLE, Workflow.DEFAULT_VERSION, 1)
          != Workflow.DEFAULT_VERSION;
    }
    return localWhileUnreachable;
  }

  /** The runbook's diagnosis, and the shell's summary of it. */
  private void diagnosed(PoolDiagnosis diagnosis) {
    findings.diagnosis = diagnosis;
    state.diagnosis = diagnosis.summary();
  }

  /**
   * One pg_stat_activity snapshot; a failure escalates when critical (not at close: the incident is over). {@code
   * local}: as a local activity ({@link #LOCAL_SAMPLE_WHILE_UNREACHABLE}).
   */
  private void takeSnapshot(String summary, boolean mayEscalate, boolean local) {
    try {
      ConnectionSnapshot s = (local ? databaseLocally(summary) : database(summary)).snapshot(target, policy);
      findings.lastSnapshot = s;
      actedSinceSample = false;
      state.reachable();
      UtilizationSample sample = new UtilizationSample(Timeline.now(), s.utilization());
      findings.addSample(sample, SAMPLES_KEPT);
      if (s.utilization() > findings.sampledPeak) {
        findings.sampledPeak = s.utilization();
        findings.sampledPeakAt = sample.at();
      }
      if (databaseFailing) {
        databaseFailing = false;
        timeline.note(Kind.CHECK, "Database reachable again");
      }
      if (s.utilization() >= policy.criticalUtilization()) {
        state.criticalSinceMillis =
            state.criticalSinceMillis == 0 ? Workflow.currentTimeMillis() : state.criticalSinceMillis;
      } else {
        state.criticalSinceMillis = 0;
      }
      if (findings.firstSnapshot == null) {
        // Once: later samples are the utilization series (report chart), not timeline lines.
        findings.firstSnapshot = s;
        timeline.note(Kind.CHECK, "Pool utilization " + s.utilizationPercent() + " (" + s.totalConnections() + " of "
            + (s.maxConnections() - s.reservedConnections()) + " usable connections)");
      }
    } catch (ActivityFailure e) {
      state.unreachable(Failures.unreachable(e), Workflow.currentTimeMillis());
      if (!databaseFailing) {
        databaseFailing = true;
        timeline.note(Kind.CHECK, "Database check failed: " + Failures.message(e));
      }
      boolean refused = Failures.isType(e, "DatabaseRefusedConnection");
      if (mayEscalate && (critical() || refused)) {
        escalate.accept("database severely degraded: "
            + (refused ? "it refuses connections (all slots taken)" : "it cannot be examined"));
      }
    }
  }
}
