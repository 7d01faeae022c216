package dev.remediator.incident;

import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * The incident shell around the connection-pool runbook, one run per incident of one target. {@link #run} reads like
 * the runbook: immediate response (assess, check the database, identify leaks), then remediate — plan, approve, act,
 * verify — until the pool has recovered and every alert is resolved, escalating on the runbook's triggers; then
 * report. The parts stand alone: {@link AlertInbox}, {@link ApprovalGate}, {@link EscalationLadder},
 * {@link Timeline}, {@link PoolRunbook}; all state is one {@link IncidentState}, carried whole across
 * continue-as-new. Signal and update handlers only change that state; commands come from the workflow's threads.
 */
public class IncidentWorkflowImpl implements IncidentWorkflow {
  private static final Logger log = Workflow.getLogger(IncidentWorkflowImpl.class);
  private static final int MAX_AUTOMATIC_REPLANS = 2;
  private static final Duration MAX_SAMPLE_INTERVAL = Duration.ofMinutes(1);

  /** What the incident does next. */
  private enum Stage {
    REMEDIATE,
    WATCH,
    RECOVERED,
    QUIET,
    DONE
  }

  private final IncidentInput input;
  private final IncidentState state;
  private final RunbookPolicy policy;
  private final Timeline timeline;
  private final AlertInbox inbox;
  private final ApprovalGate gate;
  private final EscalationLadder ladder;
  private final PoolRunbook runbook;
  private final Waits waits = new Waits();
  private IncidentMetadata metadata;
  private boolean legacy;
  private boolean raisedSinceRecovery;

  /** Runs before any signal or update: alerts that arrive before the first workflow task are applied in order. */
  @WorkflowInit
  public IncidentWorkflowImpl(IncidentInput input) {
    this.input = input;
    this.policy = input.policy();
    this.state = input.carried() == null ? new IncidentState() : input.carried();
    this.timeline = new Timeline(state);
    this.inbox = new AlertInbox(state, timeline);
    this.gate = new ApprovalGate(state, timeline, input, waits);
    EscalationLadder[] ladderRef = new EscalationLadder[1];
    this.runbook = new PoolRunbook(state, timeline, input, waits, reason -> ladderRef[0].escalate(reason));
    this.ladder = new EscalationLadder(state, timeline, input, waits, runbook::escalationDetails);
    ladderRef[0] = ladder;
    if (input.carried() == null) {
      state.openedAtMillis = Workflow.currentTimeMillis();
      inbox.open(input.alert(), true);
    } else {
      inbox.open(null, false);
      timeline.note("Continued as new run (history bounded); state carried over");
    }
  }

  @Override
  public IncidentReport run(IncidentInput ignored) {
    legacy = Workflow.getVersion("alert-model", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION;
    waits.legacy(legacy);
    metadata = new IncidentMetadata(state, input.target(), legacy);
    if (legacy) {
      metadata.publish();
    }
    metadata.start(); // search attributes and current details follow the state
    try {
      if (input.carried() == null) {
        countStarted();
        enter(IncidentPhase.ASSESSING);
        runbook.assessCurrentImpact(); // 1. /health, /ready, pool utilization, application-log errors
        enter(IncidentPhase.DIAGNOSING);
        runbook.checkDatabaseConnections(); // 2. the pg_stat_activity summary
        runbook.identifyConnectionLeaks(); // 3. long-running, idle in transaction, blocking → root-cause hint
      }
      ladder.start(); // escalation: critical for too long, or any trigger below
      respondUntilClosed(); // resolution strategies: plan, approve, act, verify; watch; quiet period
      runbook.revertTemporaryPoolIncrease();
    } catch (CanceledFailure e) {
      // Cancelled by an operator: still restore what we changed, in a scope the cancellation does not reach.
      Workflow.newDetachedCancellationScope(runbook::revertTemporaryPoolIncrease).run();
      throw e;
    }
    return close();
  }

  private void respondUntilClosed() {
    Stage stage = firstStage();
    int round = 0;
    while (stage != Stage.DONE) {
      stage =
          switch (stage) {
            case REMEDIATE -> remediate(round++);
            case WATCH -> watch();
            case RECOVERED -> stayOpenUntilResolved();
            case QUIET -> quietPeriod();
            case DONE -> Stage.DONE;
          };
    }
  }

  private Stage firstStage() {
    if (input.carried() == null) {
      return runbook.critical() ? Stage.REMEDIATE : Stage.WATCH;
    }
    if (state.resolved && !legacy) {
      return state.recovered() ? Stage.DONE : Stage.QUIET;
    }
    if (state.recovered()) {
      return Stage.RECOVERED;
    }
    boolean watching = state.phase == IncidentPhase.WATCHING || state.escalated() || !runbook.critical();
    return watching ? Stage.WATCH : Stage.REMEDIATE;
  }

  /** One round: plan, get approval, execute the actions one by one with verification after each. */
  private Stage remediate(int round) {
    enter(IncidentPhase.PLANNING);
    List<PlannedAction> planned = runbook.plan(round);
    if (planned.isEmpty()) {
      ladder.escalate(runbook.nothingLeft());
      return Stage.WATCH;
    }
    Plan plan = new Plan("plan-" + Workflow.randomUUID().toString().substring(0, 8), Timeline.now(), planned);
    state.plan = plan;
    state.plans++;
    state.planDeclined = false;
    timeline.note("Plan " + plan.planId() + ": " + Reports.describe(planned));
    if (!plan.executable()) {
      planned.forEach(a -> runbook.outcome(plan, a.type(), ActionResult.DRY_RUN, "dry run: would " + a.describe()));
      return Stage.WATCH;
    }
    if (plan.needsApproval()) {
      enter(IncidentPhase.AWAITING_APPROVAL);
      ApprovalGate.Outcome decision = gate.await(plan);
      if (decision != ApprovalGate.Outcome.APPROVED) {
        String why = switch (decision) {
          case RESOLVED -> "alert resolved before approval";
          case REJECTED -> "plan rejected by " + gate.rejectedBy();
          case REPLAN -> "withdrawn: a new plan was asked for";
          default -> "no decision within the approval timeout";
        };
        planned.forEach(a -> runbook.outcome(plan, a.type(), ActionResult.SKIPPED, why));
        return switch (decision) {
          case RESOLVED -> legacy ? Stage.DONE : Stage.QUIET;
          case REPLAN -> takeReplan();
          case REJECTED -> {
            state.planDeclined = true;
            yield Stage.WATCH;
          }
          case TIMED_OUT -> {
            ladder.escalate("no approval decision within " + Reports.duration(policy.approvalTimeout()));
            yield Stage.WATCH;
          }
          default -> Stage.WATCH;
        };
      }
    }
    return act(plan);
  }

  private Stage act(Plan plan) {
    enter(IncidentPhase.ACTING);
    boolean executedAny = false;
    for (PlannedAction action : plan.actions()) {
      if (action.mode() == ActionMode.DRY_RUN) {
        runbook.outcome(plan, action.type(), ActionResult.DRY_RUN, "dry run: would " + action.describe());
        continue;
      }
      if (state.resolved) {
        runbook.outcome(plan, action.type(), ActionResult.SKIPPED, "alert resolved");
        continue;
      }
      ActionOutcome done = runbook.execute(action, plan);
      if (done.result() == ActionResult.FAILED) {
        ladder.escalate("action failed: " + action.describe() + " (" + done.detail() + ")");
        return Stage.WATCH;
      }
      if (done.result() == ActionResult.EXECUTED) {
        executedAny = true;
        if (verifyRecovery()) {
          state.mitigatedAtMillis = Workflow.currentTimeMillis();
          Workflow.getMetricsScope().timer("remediator_time_to_mitigate")
              .record(com.uber.m3.util.Duration.ofMillis(state.mitigatedAtMillis - state.openedAtMillis));
          return Stage.RECOVERED;
        }
        enter(IncidentPhase.ACTING);
      }
    }
    if (state.resolved) {
      return legacy ? Stage.DONE : Stage.QUIET;
    }
    state.planDeclined = !executedAny; // all refused at execution time (sessions changed): watch, maybe plan anew
    return executedAny ? Stage.REMEDIATE : Stage.WATCH;
  }

  private boolean verifyRecovery() {
    enter(IncidentPhase.VERIFYING);
    boolean recovered = runbook.verify();
    if (recovered) {
      markRecovered();
    }
    return recovered;
  }

  /**
   * Watching without acting: a warning-only incident (until it recovers, resolves or turns critical), or a critical
   * one after a plan was refused, rejected or timed out (escalation may be running). A leak that is still there
   * gets a new plan, a bounded number of times; a person can ask for one at any time ({@code replan}).
   */
  private Stage watch() {
    enter(IncidentPhase.WATCHING);
    boolean warningOnly = !runbook.critical() && !state.escalated();
    int good = 0;
    Duration interval = policy.verifyInterval();
    while (true) {
      if (state.resolved) {
        return legacy ? Stage.DONE : Stage.QUIET;
      }
      if (gate.replanRequested()) {
        return takeReplan();
      }
      if (warningOnly && runbook.critical()) {
        timeline.note("Severity is now critical: remediation starts");
        return Stage.REMEDIATE;
      }
      continueAsNewIfSuggested();
      good = runbook.sample() ? good + 1 : 0;
      if (good >= policy.verifySamples()) {
        timeline.note("Recovered without action: utilization " + state.lastSnapshot.utilizationPercent());
        markRecovered();
        return Stage.RECOVERED;
      }
      if (automaticReplanDue(warningOnly)) {
        state.automaticReplans++;
        timeline.note("Leaked sessions are still there after plan " + state.plan.planId()
            + ": a new plan (automatic, " + state.automaticReplans + " of " + MAX_AUTOMATIC_REPLANS + ")");
        return Stage.REMEDIATE;
      }
      interval = runbook.databaseFailing() ? backOff(interval) : policy.verifyInterval();
      waits.until("Watch: next utilization sample", interval,
          () -> state.resolved || gate.replanRequested() || (warningOnly && state.severity == Severity.CRITICAL));
    }
  }

  private boolean automaticReplanDue(boolean warningOnly) {
    return !legacy && !warningOnly && state.planDeclined && !state.escalated() && runbook.critical()
        && runbook.leakPersists() && state.automaticReplans < MAX_AUTOMATIC_REPLANS;
  }

  /**
   * Recovered: stays open until every alert is resolved, sampling for a relapse (every verify interval during the
   * quiet period, then less often). Runs recorded before the alert model closed at the end of the quiet period.
   */
  private Stage stayOpenUntilResolved() {
    enter(IncidentPhase.RECOVERED);
    long quietUntil = state.recoveredAtMillis + policy.quietPeriod().toMillis();
    raisedSinceRecovery = false;
    Duration interval = policy.verifyInterval();
    while (!state.resolved) {
      boolean quiet = Workflow.currentTimeMillis() < quietUntil;
      if (legacy && !quiet) {
        break;
      }
      continueAsNewIfSuggested();
      interval = quiet ? policy.verifyInterval() : backOff(interval);
      Duration wait = legacy || quiet ? min(interval, Waits.remaining(quietUntil)) : interval;
      waits.until("Recovered: next relapse check", wait, () -> state.resolved || raisedSinceRecovery);
      if (state.resolved) {
        break;
      }
      boolean relapse = raisedSinceRecovery
          || (!runbook.sample() && state.lastSnapshot != null
              && state.lastSnapshot.utilization() >= policy.criticalUtilization());
      if (relapse) {
        timeline.note("Relapse: the pool is critical again");
        state.recoveredAtMillis = 0;
        raisedSinceRecovery = false;
        return Stage.REMEDIATE;
      }
    }
    return Stage.DONE;
  }

  /** Every alert resolved before recovery was verified: a quiet period in case one fires again, then close. */
  private Stage quietPeriod() {
    enter(IncidentPhase.RESOLVED);
    boolean firingAgain = waits.until("Quiet period after every alert resolved",
        Waits.remaining(state.allResolvedAtMillis + policy.quietPeriod().toMillis()), () -> !state.resolved);
    if (!firingAgain) {
      return Stage.DONE;
    }
    return runbook.critical() ? Stage.REMEDIATE : Stage.WATCH;
  }

  private Stage takeReplan() {
    gate.takeReplanRequest();
    return Stage.REMEDIATE;
  }

  private void markRecovered() {
    state.recoveredAtMillis = Workflow.currentTimeMillis();
  }

  private IncidentReport close() {
    IncidentOutcome outcome = state.mitigatedAtMillis > 0 ? IncidentOutcome.MITIGATED
        : state.recovered() ? IncidentOutcome.RECOVERED : IncidentOutcome.RESOLVED;
    if (!legacy) {
      runbook.refreshAfterActions(); // the report's "after" is what the database shows now, not a stale sample
    }
    enter(IncidentPhase.CLOSED);
    timeline.note("Closed: " + outcome);
    ladder.close(outcome);
    Workflow.getMetricsScope().tagged(Map.of("outcome", outcome.name())).counter("remediator_incidents_closed")
        .inc(1);
    return Reports.report(state, input.target(), policy, outcome, Workflow.currentTimeMillis());
  }

  private void continueAsNewIfSuggested() {
    if (!Workflow.getInfo().isContinueAsNewSuggested() && runbook.samplesThisRun() < policy.maxSamplesPerRun()) {
      return;
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
    log.info("{}: continuing as new after {} samples", input.target().incidentId(), runbook.samplesThisRun());
    IncidentWorkflow next = Workflow.newContinueAsNewStub(IncidentWorkflow.class);
    next.run(new IncidentInput(input.target(), policy, state.lastAlert, input.requestedBy(), state));
  }

  private void enter(IncidentPhase next) {
    if (state.phase == next && next != IncidentPhase.ASSESSING) {
      return;
    }
    state.phase = next;
    log.info("{}: {}", input.target().incidentId(), next);
    metadata.phaseEntered();
  }

  private void countStarted() {
    Workflow.getMetricsScope().counter("remediator_incidents_started").inc(1);
  }

  /** Doubles the wait between samples, up to 8 × the verify interval or a minute, whichever is less. */
  private Duration backOff(Duration interval) {
    Duration cap = min(policy.verifyInterval().multipliedBy(8), MAX_SAMPLE_INTERVAL);
    return min(interval.multipliedBy(2), cap.compareTo(policy.verifyInterval()) < 0 ? policy.verifyInterval() : cap);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Signals, update, query: they change the state only; the workflow's threads act on it.

  @Override
  public void alert(Alert alert) {
    Alert previous = state.lastAlert;
    AlertInbox.Change change = inbox.receive(alert);
    if (change == AlertInbox.Change.SEVERITY_RAISED || change == AlertInbox.Change.REOPENED) {
      raisedSinceRecovery = true;
    }
    if (legacy && metadata != null && alert.firing() && !sameNotification(previous, alert)) {
      metadata.publish(); // what runs recorded before the alert model did: keeps their histories replaying
    }
  }

  @Override
  public void alerts(AlertBatch batch) {
    batch.alerts().forEach(this::alert);
  }

  @Override
  public void approve(ApprovalDecision decision) {
    gate.decide(DecisionAction.APPROVE, decision);
  }

  @Override
  public void reject(ApprovalDecision decision) {
    gate.decide(DecisionAction.REJECT, decision);
  }

  @Override
  public void replan(ApprovalDecision request) {
    gate.decide(DecisionAction.REPLAN, request);
  }

  @Override
  public void acknowledge(Acknowledgement ack) {
    ladder.acknowledge(ack == null ? null : ack.by(), ack == null ? null : ack.note());
  }

  @Override
  public DecisionResult decide(DecisionRequest request) {
    if (request.action() == DecisionAction.ACKNOWLEDGE) {
      return ladder.acknowledge(request.approver(), request.reason());
    }
    return gate.decide(request.action(),
        new ApprovalDecision(request.planId(), request.approver(), request.reason()));
  }

  @Override
  public void validateDecide(DecisionRequest request) {
    if (request == null || request.approver() == null || request.approver().isBlank()) {
      throw new IllegalArgumentException("a decision needs an approver");
    }
    if (request.action() == null) {
      throw new IllegalArgumentException("unknown action: use approve, reject, acknowledge or replan");
    }
  }

  @Override
  public IncidentStatus status() {
    return Reports.status(input.target(), state, ladder.escalatedTo());
  }

  private static boolean sameNotification(Alert a, Alert b) {
    return a != null
        && Objects.equals(a.alertName(), b.alertName())
        && Objects.equals(a.status(), b.status())
        && Objects.equals(a.severity(), b.severity());
  }
}
