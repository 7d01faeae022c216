package dev.remediator.incident;

import dev.remediator.incident.TimelineEntry.Kind;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The incident shell, one run per incident of one target, around the runbook its ID names ({@code Runbooks}; each
 * runbook's steps are its {@link RunbookSteps}). {@link #run} reads like a runbook: immediate response (assess,
 * diagnose), then remediate — plan, approve, act, verify — until the target has recovered and every alert is
 * resolved, escalating on the runbook's triggers; then report. The parts stand alone: {@link AlertInbox},
 * {@link ApprovalGate}, {@link EscalationLadder}, {@link Watch}, {@link Timeline}, the runbook's
 * {@link RunbookSteps}; all state is one {@link IncidentState}, carried whole across continue-as-new. Handlers only
 * change that state; commands come from the workflow's threads.
 */
public class IncidentWorkflowImpl implements IncidentWorkflow {
  private static final Logger log = Workflow.getLogger(IncidentWorkflowImpl.class);

  private final IncidentInput input;
  private final String incidentId;
  private final IncidentState state;
  private final RunbookPolicy policy;
  private final Timeline timeline;
  private final AlertInbox inbox;
  private final ApprovalGate gate;
  private final EscalationLadder ladder;
  private final RunbookSteps runbook;
  private final Watch watch;
  private final Waits waits = new Waits();
  private IncidentMetadata metadata;
  private boolean legacy;

  /**
   * Runs before any signal or update: alerts that arrive before the first workflow task are applied in order. The
   * worker makes it through the registry's factory ({@code Runbooks.registerWorkflows}), which passes the input as
   * {@code @WorkflowInit} would and the runbooks the shell may run.
   */
  public IncidentWorkflowImpl(IncidentInput input, RunbookCatalog runbooks) {
    this.input = input;
    this.policy = input.policy();
    this.state = input.carried() == null ? new IncidentState() : input.carried();
    this.timeline = new Timeline(state);
    this.inbox = new AlertInbox(state, timeline, runbooks.criticalAlerts());
    this.gate = new ApprovalGate(state, timeline, input, waits);
    String alertName = input.alert() == null ? null : input.alert().alertName();
    var definition = runbooks.forIncident(Workflow.getInfo().getWorkflowId(), alertName);
    this.incidentId = definition.incidentId(input.target());
    EscalationLadder[] ladderRef = new EscalationLadder[1];
    this.runbook = definition.steps().create(
        new RunbookContext(incidentId, state, timeline, input, waits, reason -> ladderRef[0].escalate(reason)));
    this.ladder = new EscalationLadder(incidentId, state, timeline, input, waits, runbook);
    ladderRef[0] = ladder;
    this.watch =
        new Watch(state, policy, timeline, runbook, gate, waits, this::enter, this::continueAsNewIfSuggested);
    if (input.carried() == null) {
      state.openedAtMillis = input.openedAtMillis(Workflow.currentTimeMillis()); // when the receiver got it
      state.alerted(input.alert());
      inbox.open(input.alert(), true);
      if (input.alerts() != null) {
        alerts(input.alerts()); // the opening delivery, as if signalled before the first workflow task
      }
    } else {
      inbox.open(null, false);
      timeline.note(Kind.NOTE, "Continued as new run (history bounded); state carried over");
    }
  }

  @Override
  public IncidentReport run(IncidentInput ignored) {
    legacy = Workflow.getVersion("alert-model", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION;
    waits.legacy(legacy);
    watch.legacy(legacy);
    watch.plansAtWarning(
        Workflow.getVersion("plan-at-warning", Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION);
    metadata = new IncidentMetadata(state, input.target(), legacy, runbook::measurement);
    if (legacy) {
      metadata.publish();
    }
    metadata.start(); // search attributes and current details follow the state
    try {
      if (input.carried() == null) {
        Workflow.getMetricsScope().counter("remediator_incidents_started").inc(1);
        enter(IncidentPhase.ASSESSING);
        runbook.assess(); // immediate response: how badly is the target affected
        enter(IncidentPhase.DIAGNOSING);
        runbook.diagnose(); // investigation: evidence → root-cause hint
      }
      ladder.start(); // escalation: critical for too long, or any trigger below
      respondUntilClosed(); // resolution strategies: plan, approve, act, verify; watch; quiet period
      runbook.restore(); // temporary changes undone at their durable time
    } catch (CanceledFailure e) {
      // Cancelled by an operator: still restore what we changed, in a scope the cancellation does not reach.
      Workflow.newDetachedCancellationScope(runbook::restore).run();
      throw e;
    }
    return close();
  }

  private void respondUntilClosed() {
    Stage stage = firstStage();
    int round = 0;
    while (stage != Stage.DONE) {
      stage = switch (stage) {
        case REMEDIATE -> remediate(round++);
        case REMEDIATE_AT_WARNING -> remediateAtWarning();
        case WATCH -> watch.untilActionable();
        case RECOVERED -> watch.afterRecovery();
        case QUIET -> watch.quietPeriod();
        case DONE -> Stage.DONE;
      };
    }
  }

  private Stage firstStage() {
    if (input.carried() == null) {
      return runbook.remediationWanted() ? Stage.REMEDIATE : Stage.WATCH;
    }
    if (state.resolved && !legacy) {
      return state.recovered() ? Stage.DONE : Stage.QUIET;
    }
    if (state.recovered()) {
      return Stage.RECOVERED;
    }
    boolean watching = state.phase == IncidentPhase.WATCHING || state.escalated() || !runbook.remediationWanted();
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
    return offer(planned, false);
  }

  /**
   * Below critical, the runbook's own finding (leaked sessions past the threshold): the same plan → approve → act →
   * verify, with the on-call told; then watching again unless the incident turned critical.
   */
  private Stage remediateAtWarning() {
    enter(IncidentPhase.PLANNING);
    state.warningPlans++;
    Stage next = offer(runbook.planAtWarning(), true);
    return next == Stage.REMEDIATE && !runbook.remediationWanted() ? Stage.WATCH : next;
  }

  /** A plan of these actions: recorded, approved unless automatic, then acted on; at warning, the on-call is told. */
  private Stage offer(List<PlannedAction> planned, boolean atWarning) {
    Plan plan = new Plan("plan-" + Workflow.randomUUID().toString().substring(0, 8), Timeline.now(), planned);
    state.plan = plan;
    state.plans++;
    state.planDeclined = false;
    timeline.note(Kind.PLAN, "Plan " + plan.planId() + ": " + Reports.describe(planned));
    if (atWarning) {
      ladder.announce("at warning: " + Reports.describe(planned) + " — plan " + plan.planId()
          + (!plan.executable() ? " is a dry run" : plan.needsApproval() ? " awaits approval" : " runs now"));
    }
    if (!plan.executable()) {
      planned.forEach(a -> runbook.record(plan, a.type(), ActionResult.DRY_RUN, "dry run: would " + a.describe()));
      return Stage.WATCH;
    }
    if (plan.needsApproval()) {
      enter(IncidentPhase.AWAITING_APPROVAL);
      ApprovalGate.Outcome decision = gate.await(plan);
      if (decision != ApprovalGate.Outcome.APPROVED) {
        planned.forEach(a -> runbook.record(plan, a.type(), ActionResult.SKIPPED, gate.why(decision)));
        return switch (decision) {
          case RESOLVED -> watch.resolved();
          case REPLAN -> {
            gate.takeReplanRequest();
            yield Stage.REMEDIATE;
          }
          case TIMED_OUT -> {
            ladder.escalate("no approval decision within " + Reports.duration(policy.approvalTimeout()));
            yield Stage.WATCH;
          }
          default -> {
            state.planDeclined = decision == ApprovalGate.Outcome.REJECTED;
            yield Stage.WATCH;
          }
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
        runbook.record(plan, action.type(), ActionResult.DRY_RUN, "dry run: would " + action.describe());
        continue;
      }
      if (state.resolved) {
        runbook.record(plan, action.type(), ActionResult.SKIPPED, "alert resolved");
        continue;
      }
      ActionOutcome done = timeline.action(() -> runbook.execute(action, plan));
      if (done.result() == ActionResult.FAILED) {
        ladder.escalate("action failed: " + action.describe() + " (" + done.detail() + ")");
        return Stage.WATCH;
      }
      if (done.result() == ActionResult.EXECUTED) {
        executedAny = true;
        if (verifyRecovery()) {
          return Stage.RECOVERED;
        }
        enter(IncidentPhase.ACTING);
      }
    }
    if (state.resolved) {
      return watch.resolved();
    }
    state.planDeclined = !executedAny; // all refused at execution time (sessions changed): watch, maybe plan anew
    return executedAny ? Stage.REMEDIATE : Stage.WATCH;
  }

  /** Verify: the runbook's recovery criteria; a recovery after an action is a mitigation. */
  private boolean verifyRecovery() {
    enter(IncidentPhase.VERIFYING);
    if (!runbook.verify()) {
      return false;
    }
    state.recoveredAtMillis = Workflow.currentTimeMillis();
    state.mitigatedAtMillis = state.recoveredAtMillis;
    Workflow.getMetricsScope().timer("remediator_time_to_mitigate")
        .record(com.uber.m3.util.Duration.ofMillis(state.mitigatedAtMillis - state.openedAtMillis));
    return true;
  }

  private IncidentReport close() {
    IncidentOutcome outcome = state.mitigatedAtMillis > 0 ? IncidentOutcome.MITIGATED
        : state.recovered() ? IncidentOutcome.RECOVERED : IncidentOutcome.RESOLVED;
    if (!legacy) {
      runbook.beforeReport(); // the report's "after" is what the target shows now, not a stale sample
    }
    checkSimilarElsewhere(); // post-incident: the same pattern in other services?
    enter(IncidentPhase.CLOSED);
    timeline.note(Kind.CLOSE, "Closed: " + outcome);
    ladder.close(outcome, state.similarElsewhere);
    Workflow.getMetricsScope().tagged(Map.of("outcome", outcome.name())).counter("remediator_incidents_closed")
        .inc(1);
    return Reports.report(incidentId, state, input.target(), outcome, Workflow.currentTimeMillis(),
        runbook.report(outcome), policy);
  }

  /** The runbook's read-only check of the other targets it applies to; once, recorded for the report. */
  private void checkSimilarElsewhere() {
    if (Workflow.getVersion(RunbookSteps.SIMILAR_ISSUES_AT_CLOSE, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      return;
    }
    SimilarIssues found = runbook.similarElsewhere();
    if (found != null) {
      state.similarElsewhere = found;
      timeline.note(Kind.CHECK, "Similar issues in other services: " + found.line());
    }
  }

  private void continueAsNewIfSuggested() {
    if (!Workflow.getInfo().isContinueAsNewSuggested() && runbook.samplesThisRun() < policy.maxSamplesPerRun()) {
      return;
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
    log.info("{}: continuing as new after {} samples", incidentId, runbook.samplesThisRun());
    IncidentWorkflow next = Workflow.newContinueAsNewStub(IncidentWorkflow.class);
    next.run(new IncidentInput(input.target(), policy, state.lastAlert, input.requestedBy(), state));
  }

  private void enter(IncidentPhase next) {
    if (state.phase == next && next != IncidentPhase.ASSESSING) {
      return;
    }
    state.phase = next;
    log.info("{}: {}", incidentId, next);
    metadata.phaseEntered();
  }

  // Signals, update, query: they change the state only; the workflow's threads act on it.

  @Override
  public void alert(Alert alert) {
    Alert previous = state.lastAlert;
    state.alerted(alert);
    AlertInbox.Change change = timeline.alertChange(() -> inbox.receive(alert));
    if (change == AlertInbox.Change.SEVERITY_RAISED || change == AlertInbox.Change.REOPENED) {
      watch.alertRaised();
    }
    if (legacy && metadata != null) {
      metadata.alertReceived(previous, alert); // what runs recorded before the alert model did
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
  public void refused(RefusedDecision refusal) {
    if (refusal != null) {
      gate.recordRefusal(refusal.by(), refusal.action(), refusal.reason());
    }
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
    DecisionRequest.validate(request);
  }

  @Override
  public IncidentStatus status() {
    return Reports.status(incidentId, input.target(), state, ladder.escalatedTo(), runbook);
  }
}
