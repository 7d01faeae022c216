package dev.remediator.incident;

import static dev.remediator.incident.ActivityStubs.database;
import static dev.remediator.incident.ActivityStubs.kubernetes;
import static dev.remediator.incident.ActivityStubs.notifications;
import static dev.remediator.incident.ActivityStubs.probes;
import static dev.remediator.incident.ActivityStubs.restorer;
import static dev.remediator.incident.ActivityStubs.rollout;
import static dev.remediator.incident.ActivityStubs.terminator;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * The connection-pool runbook as a durable workflow, one run per incident of one target. {@link #run} reads like the
 * runbook: assess, check the database, identify leaks, then remediate (plan, approve, act, verify) until the pool
 * has recovered, escalating on the runbook's triggers; then report. Deterministic: workflow time, workflow logger,
 * no I/O (every effect is an activity).
 */
public class IncidentWorkflowImpl implements IncidentWorkflow {
  private static final Logger log = Workflow.getLogger(IncidentWorkflowImpl.class);
  private static final String REMEDIATOR = "remediator";

  /** What the remediation loop does next. */
  private enum Stage {
    REMEDIATE,
    WATCH,
    RECOVERED,
    DONE
  }

  // The incident, as carried across continue-as-new (see IncidentState).
  private IncidentInput input;
  private RunbookPolicy policy;
  private Target target;
  private long openedAtMillis;
  private String severity;
  private String alertName;
  private IncidentPhase phase = IncidentPhase.ASSESSING;
  private ConnectionSnapshot firstSnapshot;
  private ConnectionSnapshot lastSnapshot;
  private ServiceHealth lastHealth;
  private LogSummary errorLogs;
  private Diagnosis diagnosis = Diagnosis.unknown();
  private Plan plan;
  private final List<ActionOutcome> actions = new ArrayList<>();
  private int restarts;
  private int sessionsFound;
  private int sessionsTerminated;
  private PoolSettings poolBefore;
  private long revertAtMillis;
  private long criticalSinceMillis;
  private boolean resolved;
  private String escalationReason;
  private int escalationTier;
  private long tierDeadlineMillis;
  private String acknowledgedBy;
  private final List<String> pagedChannels = new ArrayList<>();
  private long recoveredAtMillis;
  private long mitigatedAtMillis;
  private boolean kubernetesAvailable;
  private Alert lastAlert;
  private int repeatedAlerts;
  private final List<TimelineEntry> timeline = new ArrayList<>();

  // This run only.
  private PoolSettings pool;
  private ApprovalDecision approval;
  private ApprovalDecision rejection;
  private boolean severityRaised;
  private boolean closed;
  private int samplesThisRun;
  private boolean databaseFailing;
  private boolean diagnosisFresh;
  private final List<String> triggers = new ArrayList<>();

  @Override
  public IncidentReport run(IncidentInput input) {
    begin(input);
    try {
      if (input.carried() == null) {
        // Immediate response, as the runbook orders it.
        assessCurrentImpact(); // 1. /health, /ready, pool utilization, application-log errors
        checkDatabaseConnections(); // 2. the pg_stat_activity summary
        identifyConnectionLeaks(); // 3. long-running, idle in transaction, blocking → root-cause hint
      }
      Async.procedure(this::escalateWhenCriticalTooLong);
      if (input.carried() != null && escalationReason != null) {
        Async.procedure(this::climbEscalationLadder); // resumed after continue-as-new (escalate() started it before)
      }
      respondUntilResolved(); // resolution strategies: plan, approve, act, verify; escalate; watch
      revertTemporaryPoolIncrease();
    } catch (CanceledFailure e) {
      // Cancelled by an operator: still restore what we changed, in a scope the cancellation does not reach.
      Workflow.newDetachedCancellationScope(this::revertTemporaryPoolIncrease).run();
      throw e;
    }
    return closeWithReport();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Immediate response

  private void assessCurrentImpact() {
    enter(IncidentPhase.ASSESSING);
    checkServiceHealth();
    try {
      pool = kubernetes("Read deployment replicas and pool settings").poolSettings(target);
      kubernetesAvailable = true;
    } catch (ActivityFailure e) {
      kubernetesAvailable = false;
      record(REMEDIATOR, "Kubernetes: " + failureMessage(e) + " (restart and pool changes unavailable)");
    }
    if (kubernetesAvailable) {
      try {
        errorLogs = kubernetes("Count connection errors in application logs (30 min)")
            .errorLogs(target, Duration.ofMinutes(30));
        record(REMEDIATOR, "Application logs (30 min, " + errorLogs.pods() + " pods): " + Reports.counts(errorLogs));
      } catch (ActivityFailure e) {
        record(REMEDIATOR, "Application logs unavailable: " + failureMessage(e));
      }
    }
  }

  private void checkDatabaseConnections() {
    enter(IncidentPhase.DIAGNOSING);
    takeSnapshot("Check database connection status (pg_stat_activity)");
    firstSnapshot = lastSnapshot;
    if (lastSnapshot != null) {
      ConnectionSnapshot s = lastSnapshot;
      record(
          REMEDIATOR,
          String.format(
              Locale.ROOT,
              "Connections to %s: %d total, %d active, %d idle, %d idle in transaction; longest query %.0f s",
              target.database(), s.totalConnections(), s.active(), s.idle(), s.idleInTransaction(),
              s.longestQuerySeconds()));
    }
  }

  private void identifyConnectionLeaks() {
    if (lastSnapshot == null) {
      diagnosis = new Diagnosis(RootCause.UNKNOWN, List.of("the database could not be examined"));
      return;
    }
    ConnectionSnapshot s = lastSnapshot;
    sessionsFound = RunbookPlanner.leakedSessions(policy, s).size();
    record(
        REMEDIATOR,
        s.longRunningQueries().size() + " long-running quer(ies) > " + Reports.duration(policy.longRunningQueryAfter())
            + ", " + s.idleInTransactionSessions().size() + " idle in transaction > "
            + Reports.duration(policy.idleInTransactionReportAfter()) + " (" + sessionsFound + " > "
            + Reports.duration(policy.idleInTransactionTerminateAfter()) + "), " + s.blocked().size()
            + " blocked by locks");
    diagnosis = s.diagnosis() == null ? Diagnosis.unknown() : s.diagnosis();
    record(REMEDIATOR, "Root-cause hint: " + diagnosis.cause() + Reports.evidence(diagnosis));
    diagnosisFresh = true;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Resolution strategies

  private void respondUntilResolved() {
    Stage stage = critical() ? Stage.REMEDIATE : Stage.WATCH;
    if (input.carried() != null) {
      stage = recoveredAtMillis > 0 ? Stage.RECOVERED : stageAfterResume();
    }
    int round = 0;
    while (stage != Stage.DONE) {
      stage =
          switch (stage) {
            case REMEDIATE -> remediate(round++);
            case WATCH -> watch();
            case RECOVERED -> stayOpenForQuietPeriod();
            case DONE -> Stage.DONE;
          };
    }
  }

  private Stage stageAfterResume() {
    return phase == IncidentPhase.WATCHING || escalationReason != null || !critical() ? Stage.WATCH : Stage.REMEDIATE;
  }

  /** One round: plan, get approval, execute actions one by one with verification after each. */
  private Stage remediate(int round) {
    if (!diagnosisFresh) {
      checkDatabaseConnections(); // plan from what the database shows now, not from before
      identifyConnectionLeaks();
    }
    diagnosisFresh = false;
    enter(IncidentPhase.PLANNING);
    List<PlannedAction> planned =
        RunbookPlanner.plan(
            new RunbookPlanner.Situation(
                policy, lastSnapshot, diagnosis, restarts, kubernetesAvailable, pool, poolBefore != null, round));
    if (planned.isEmpty()) {
      escalate(restarts >= policy.maxRestarts() && policy.maxRestarts() > 0
          ? restarts + " restart(s) did not resolve it"
          : "no remediation left that the policy allows");
      return Stage.WATCH;
    }
    plan = new Plan("plan-" + Workflow.randomUUID().toString().substring(0, 8), now(), planned);
    record(REMEDIATOR, "Plan " + plan.planId() + ": " + String.join("; then ",
        planned.stream().map(a -> a.describe() + " [" + a.mode().name().toLowerCase(Locale.ROOT) + "]").toList()));

    if (!plan.executable()) {
      planned.forEach(a -> outcome(a, "DRY_RUN", "dry run: would " + a.describe()));
      return Stage.WATCH;
    }
    if (plan.needsApproval()) {
      String decision = awaitDecision();
      switch (decision) {
        case "approved" -> {}
        case "resolved" -> {
          planned.forEach(a -> outcome(a, "SKIPPED", "alert resolved before approval"));
          return Stage.DONE;
        }
        case "rejected" -> {
          planned.forEach(a -> outcome(a, "SKIPPED", "plan rejected by " + rejection.approver()));
          return Stage.WATCH;
        }
        default -> {
          planned.forEach(a -> outcome(a, "SKIPPED", "no decision within the approval timeout"));
          escalate("no approval decision within " + Reports.duration(policy.approvalTimeout()));
          return Stage.WATCH;
        }
      }
    }

    enter(IncidentPhase.ACTING);
    boolean executedAny = false;
    for (PlannedAction action : planned) {
      if (action.mode() == ActionMode.DRY_RUN) {
        outcome(action, "DRY_RUN", "dry run: would " + action.describe());
        continue;
      }
      if (resolved) {
        outcome(action, "SKIPPED", "alert resolved");
        continue;
      }
      ActionOutcome done = execute(action);
      if ("FAILED".equals(done.result())) {
        escalate("action failed: " + action.describe() + " (" + done.detail() + ")");
        return Stage.WATCH;
      }
      if ("EXECUTED".equals(done.result())) {
        executedAny = true;
        if (verifyRecovery()) {
          mitigatedAtMillis = Workflow.currentTimeMillis();
          Workflow.getMetricsScope()
              .timer("remediator_time_to_mitigate")
              .record(com.uber.m3.util.Duration.ofMillis(mitigatedAtMillis - openedAtMillis));
          return Stage.RECOVERED;
        }
        enter(IncidentPhase.ACTING);
      }
    }
    if (resolved) {
      return Stage.DONE;
    }
    if (!executedAny) {
      return Stage.WATCH; // every action was refused at execution time: nothing new to try
    }
    return Stage.REMEDIATE;
  }

  private String awaitDecision() {
    approval = null;
    rejection = null;
    enter(IncidentPhase.AWAITING_APPROVAL);
    Workflow.getMetricsScope().tagged(java.util.Map.of("incident", target.id()))
        .gauge("remediator_approvals_pending").update(1);
    boolean decided =
        Workflow.await(policy.approvalTimeout(), () -> approval != null || rejection != null || resolved);
    Workflow.getMetricsScope().tagged(java.util.Map.of("incident", target.id()))
        .gauge("remediator_approvals_pending").update(0);
    if (approval != null) {
      return "approved";
    }
    if (rejection != null) {
      return "rejected";
    }
    return decided ? "resolved" : "timeout";
  }

  private ActionOutcome execute(PlannedAction action) {
    try {
      return switch (action.type()) {
        case TERMINATE_SESSIONS -> terminateSessions(action);
        case ROLLING_RESTART -> restartApplication(action);
        case POOL_INCREASE -> increasePoolTemporarily(action);
      };
    } catch (ActivityFailure e) {
      return outcome(action, "FAILED", failureMessage(e));
    }
  }

  private ActionOutcome terminateSessions(PlannedAction action) {
    TerminationResult r =
        terminator("Terminate " + action.sessions().size() + " idle-in-transaction session(s)")
            .terminateIdleInTransaction(target, policy, action.sessions());
    sessionsTerminated += (int) r.terminated();
    boolean acted = r.terminated() > 0 || (r.attempt() > 1 && r.count(SessionOutcome.Result.GONE) > 0);
    return outcome(action, acted ? "EXECUTED" : "REFUSED", Reports.outcomes(r));
  }

  private ActionOutcome restartApplication(PlannedAction action) {
    RestartResult r =
        kubernetes("kubectl rollout restart")
            .rollingRestart(target, plan.planId() + "/restart", policy.restartCooldown());
    if (!r.restarted()) {
      return outcome(action, "REFUSED", r.refusal());
    }
    restarts++;
    record(REMEDIATOR, "Rolling restart started (restartedAt " + r.restartedAt() + "); waiting for the rollout");
    RolloutStatus rollout = rollout("kubectl rollout status", policy.rolloutTimeout()).awaitRollout(target, policy.rolloutTimeout());
    return outcome(action, rollout.complete() ? "EXECUTED" : "FAILED", rollout.message());
  }

  private ActionOutcome increasePoolTemporarily(PlannedAction action) {
    PoolSettings previous = kubernetes("kubectl set env (pool size)").setPoolSettings(target, action.poolValues());
    if (poolBefore == null) {
      poolBefore = previous;
    }
    revertAtMillis = Workflow.currentTimeMillis() + policy.poolIncreaseRevertAfter().toMillis();
    record(REMEDIATOR, "Pool settings changed from " + Reports.env(previous) + " to "
        + Reports.env(new PoolSettings(previous.replicas(), action.poolValues())) + "; revert scheduled");
    RolloutStatus rollout = rollout("kubectl rollout status", policy.rolloutTimeout()).awaitRollout(target, policy.rolloutTimeout());
    return outcome(action, rollout.complete() ? "EXECUTED" : "FAILED", rollout.message());
  }

  /** Verify: recovered = utilization below the warning threshold for N consecutive samples, service healthy. */
  private boolean verifyRecovery() {
    enter(IncidentPhase.VERIFYING);
    int needed = policy.verifySamples();
    int budget = needed * 2;
    int good = 0;
    for (int i = 0; i < budget && good < needed && good + (budget - i) >= needed; i++) {
      if (i > 0) {
        Workflow.sleep(policy.verifyInterval());
      }
      good = sample() ? good + 1 : 0;
    }
    boolean recovered = good >= needed;
    record(REMEDIATOR, recovered
        ? "Recovered: utilization " + lastSnapshot.utilizationPercent() + " for " + needed + " sample(s), service healthy"
        : "Not recovered yet: utilization " + (lastSnapshot == null ? "unknown" : lastSnapshot.utilizationPercent()));
    if (recovered) {
      recoveredAtMillis = Workflow.currentTimeMillis();
    }
    return recovered;
  }

  /**
   * Watching without acting: a warning-only incident (until it recovers, resolves or turns critical), or a critical
   * one after remediation stopped (until it recovers or resolves; escalation is running).
   */
  private Stage watch() {
    enter(IncidentPhase.WATCHING);
    boolean warningOnly = !critical() && escalationReason == null;
    int good = 0;
    while (true) {
      if (resolved) {
        return Stage.DONE;
      }
      if (warningOnly && critical()) {
        record(REMEDIATOR, "Severity is now critical: remediation starts");
        return Stage.REMEDIATE;
      }
      continueAsNewIfSuggested();
      good = sample() ? good + 1 : 0;
      if (good >= policy.verifySamples()) {
        recoveredAtMillis = Workflow.currentTimeMillis();
        record(REMEDIATOR, "Recovered without action: utilization " + lastSnapshot.utilizationPercent());
        return Stage.RECOVERED;
      }
      Workflow.await(policy.verifyInterval(), () -> resolved || (warningOnly && severityRaised));
      severityRaised = false;
    }
  }

  /** Recovered: stay open to absorb Alertmanager's re-sends; close on resolved or at the end of the quiet period. */
  private Stage stayOpenForQuietPeriod() {
    enter(IncidentPhase.RECOVERED);
    long quietUntil = recoveredAtMillis + policy.quietPeriod().toMillis();
    severityRaised = false;
    while (!resolved && Workflow.currentTimeMillis() < quietUntil) {
      continueAsNewIfSuggested();
      Duration wait = Duration.ofMillis(Math.min(policy.verifyInterval().toMillis(), remaining(quietUntil).toMillis()));
      Workflow.await(wait, () -> resolved || severityRaised);
      if (resolved) {
        break;
      }
      if (severityRaised || (!sample() && lastSnapshot != null && lastSnapshot.utilization() >= policy.criticalUtilization())) {
        record(REMEDIATOR, "Relapse: the pool is critical again");
        recoveredAtMillis = 0;
        severityRaised = false;
        return Stage.REMEDIATE;
      }
    }
    return Stage.DONE;
  }

  /** Restores a temporary pool increase at its durable revert time (after recovery) — also when nothing recovered. */
  private void revertTemporaryPoolIncrease() {
    if (poolBefore == null) {
      return;
    }
    if (recoveredAtMillis > 0) {
      revertAtMillis = Math.max(revertAtMillis, recoveredAtMillis + policy.poolIncreaseRevertAfter().toMillis());
    }
    Workflow.sleep(remaining(revertAtMillis));
    try {
      PoolSettings restored = restorer().restorePoolSettings(target, poolBefore);
      record(REMEDIATOR, "Temporary pool increase reverted to " + Reports.env(restored));
      actions.add(new ActionOutcome(null, ActionType.POOL_INCREASE, "REVERTED", Reports.env(restored), now()));
      poolBefore = null;
    } catch (ActivityFailure e) {
      record(REMEDIATOR, "Reverting the pool increase FAILED: " + failureMessage(e) + " — restore "
          + Reports.env(poolBefore) + " by hand");
      escalate("could not revert the temporary pool increase");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Escalation

  /** The runbook's first trigger: the pool stays above the critical threshold for too long. */
  private void escalateWhenCriticalTooLong() {
    while (!closed && escalationReason == null) {
      Workflow.await(() -> criticalSinceMillis > 0 || closed || escalationReason != null);
      if (closed || escalationReason != null) {
        return;
      }
      long since = criticalSinceMillis;
      boolean changed =
          Workflow.await(
              remaining(since + policy.criticalEscalateAfter().toMillis()),
              () -> criticalSinceMillis != since || closed || escalationReason != null);
      if (!changed) {
        escalate("connection pool above " + Reports.percent(policy.criticalUtilization()) + " for more than "
            + Reports.duration(policy.criticalEscalateAfter()));
      }
    }
  }

  private void escalate(String reason) {
    if (triggers.contains(reason)) {
      return;
    }
    triggers.add(reason);
    if (escalationReason != null) {
      record(REMEDIATOR, "Further escalation trigger: " + reason);
      return;
    }
    escalationReason = reason;
    escalationTier = 0;
    tierDeadlineMillis = 0;
    record(REMEDIATOR, "Escalating: " + reason);
    Async.procedure(this::climbEscalationLadder);
  }

  /** Database → platform → development → management, each until acknowledged or its ack timeout passes. */
  private void climbEscalationLadder() {
    List<EscalationTier> tiers = policy.escalation();
    while (escalationTier < tiers.size() && acknowledgedBy == null && !closed) {
      EscalationTier tier = tiers.get(escalationTier);
      if (tierDeadlineMillis == 0) {
        page(tier);
        tierDeadlineMillis = Workflow.currentTimeMillis() + tier.ackTimeout().toMillis();
      }
      Workflow.await(remaining(tierDeadlineMillis), () -> acknowledgedBy != null || closed);
      if (acknowledgedBy != null || closed) {
        return;
      }
      escalationTier++;
      tierDeadlineMillis = 0;
    }
    if (escalationTier >= tiers.size() && acknowledgedBy == null && !closed) {
      record(REMEDIATOR, "Escalation ladder exhausted without acknowledgement");
    }
  }

  private void page(EscalationTier tier) {
    List<String> channels = tier.channels() == null ? List.of() : tier.channels();
    record(REMEDIATOR, "Escalated to the " + tier.name() + " team"
        + (channels.isEmpty() ? " (no channel configured)" : " via " + String.join(", ", channels)));
    if (channels.isEmpty()) {
      return;
    }
    List<RolloutRevision> changes = List.of();
    LogSummary logs = errorLogs;
    if (kubernetesAvailable) {
      try {
        changes = kubernetes("Recent application changes (rollout history)").recentChanges(target, 5);
        logs = kubernetes("Error logs for the escalation").errorLogs(target, Duration.ofMinutes(30));
      } catch (ActivityFailure e) {
        record(REMEDIATOR, "Escalation details incomplete: " + failureMessage(e));
      }
    }
    EscalationDetails details =
        new EscalationDetails(
            escalationReason,
            lastSnapshot == null ? 0 : lastSnapshot.utilization(),
            changes,
            lastSnapshot,
            logs,
            List.copyOf(timeline));
    send(new Notification(target.incidentId(), "trigger", critical() ? "critical" : "warning", tier.name(), channels,
        "[" + target.id() + "] " + escalationReason, details, howToRespond()));
    for (String c : channels) {
      if (!pagedChannels.contains(c)) {
        pagedChannels.add(c);
      }
    }
  }

  private void send(Notification n) {
    try {
      NotificationResult r = notifications("Notify " + String.join(", ", n.channels())).send(n);
      for (NotificationResult.Delivery d : r.deliveries()) {
        if (!d.delivered()) {
          record(REMEDIATOR, "Notification to " + d.channel() + " failed: " + d.error());
        }
      }
    } catch (ActivityFailure e) {
      record(REMEDIATOR, "Notification failed: " + failureMessage(e));
    }
  }

  private List<String> howToRespond() {
    String id = target.incidentId();
    String planId = plan == null ? "<planId>" : plan.planId();
    return List.of(
        "./remediator ack " + id + " --by <you>",
        "./remediator approve " + id + " --by <you> --plan " + planId,
        "Temporal UI: workflow " + id + " → Send signal 'acknowledge' {\"by\":\"<you>\"} or 'approve' {\"planId\":\""
            + planId + "\",\"approver\":\"<you>\",\"reason\":\"...\"}");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Signals, update, query

  @Override
  public void alert(Alert alert) {
    // Re-sends (repeat_interval, HA pairs, signal-with-start's own signal) are counted, not recorded again.
    if (lastAlert != null && sameNotification(lastAlert, alert)) {
      repeatedAlerts++;
      return;
    }
    lastAlert = alert;
    if (input == null) {
      return; // delivered with the start: run() records the opening alert
    }
    if (!alert.firing()) {
      resolved = true;
      record("alertmanager", "Alert " + alert.alertName() + " resolved");
      return;
    }
    resolved = false;
    boolean wasCritical = critical();
    severity = alert.severity();
    alertName = alert.alertName();
    record("alertmanager", "Alert " + alert.alertName() + " firing (" + alert.severity() + ")");
    if (!wasCritical && critical()) {
      severityRaised = true;
    }
    upsertSearchAttributes();
  }

  @Override
  public void alerts(AlertBatch batch) {
    batch.alerts().forEach(this::alert);
  }

  @Override
  public void approve(ApprovalDecision decision) {
    decide(DecisionRequest.APPROVE, decision);
  }

  @Override
  public void reject(ApprovalDecision decision) {
    decide(DecisionRequest.REJECT, decision);
  }

  @Override
  public void acknowledge(Acknowledgement ack) {
    decide(new DecisionRequest(DecisionRequest.ACKNOWLEDGE, null, ack == null ? null : ack.by(),
        ack == null ? null : ack.note()));
  }

  @Override
  public DecisionResult decide(DecisionRequest request) {
    if (!DecisionRequest.ACKNOWLEDGE.equals(request.action())) {
      return decide(request.action(), new ApprovalDecision(request.planId(), request.approver(), request.reason()));
    }
    String who = request.approver();
    if (escalationReason == null) {
      record(String.valueOf(who), "Refused acknowledge: the incident is not escalated");
      return new DecisionResult(false, "the incident is not escalated");
    }
    if (acknowledgedBy != null) {
      return new DecisionResult(true, "already acknowledged by " + acknowledgedBy);
    }
    acknowledgedBy = who;
    record(who, "Acknowledged the escalation" + (request.reason() == null ? "" : ": " + request.reason()));
    if (!pagedChannels.isEmpty()) {
      Async.procedure(() -> send(new Notification(target.incidentId(), "acknowledge", "info", null,
          List.copyOf(pagedChannels), "[" + target.id() + "] acknowledged by " + who, null, List.of())));
    }
    return new DecisionResult(true, "acknowledged by " + who);
  }

  @Override
  public void validateDecide(DecisionRequest request) {
    if (request == null || request.approver() == null || request.approver().isBlank()) {
      throw new IllegalArgumentException("a decision needs an approver");
    }
    if (!List.of(DecisionRequest.APPROVE, DecisionRequest.REJECT, DecisionRequest.ACKNOWLEDGE)
        .contains(request.action())) {
      throw new IllegalArgumentException("unknown action " + request.action());
    }
  }

  /** The one handler behind the approve/reject signals and the decide update. Refusals are recorded, not applied. */
  private DecisionResult decide(String action, ApprovalDecision decision) {
    String who = decision == null ? null : decision.approver();
    String refusal = null;
    if (decision == null || who == null) {
      refusal = "a decision needs a plan ID and an approver";
    } else if (phase != IncidentPhase.AWAITING_APPROVAL || plan == null) {
      refusal = "no plan is awaiting approval";
    } else if (decision.planId() == null || !plan.planId().equals(decision.planId())) {
      refusal = "plan " + decision.planId() + " is stale; the pending plan is " + plan.planId();
    } else if (!policy.isApprover(who)) {
      refusal = who + " is not an approver for " + target.id();
    } else if (policy.fourEyes() && who.equals(input.requestedBy())) {
      refusal = who + " requested this incident and may not approve it (four-eyes)";
    }
    if (refusal != null) {
      record(String.valueOf(who), "Refused " + action + ": " + refusal);
      return new DecisionResult(false, refusal);
    }
    boolean approved = DecisionRequest.APPROVE.equals(action);
    if (approved) {
      approval = decision;
    } else {
      rejection = decision;
    }
    record(who, "Plan " + plan.planId() + (approved ? " approved" : " rejected")
        + (decision.reason() == null ? "" : ": " + decision.reason()));
    return new DecisionResult(true, "plan " + plan.planId() + (approved ? " approved" : " rejected"));
  }

  @Override
  public IncidentStatus status() {
    List<EscalationTier> tiers = policy == null ? List.of() : policy.escalation();
    String escalatedTo =
        escalationReason == null || tiers.isEmpty()
            ? null
            : tiers.get(Math.min(escalationTier, tiers.size() - 1)).name();
    return new IncidentStatus(
        target == null ? null : target.incidentId(),
        target,
        severity,
        alertName,
        phase,
        openedAtMillis == 0 ? null : Reports.time(openedAtMillis),
        plan,
        phase == IncidentPhase.AWAITING_APPROVAL,
        lastSnapshot,
        lastHealth,
        diagnosis,
        List.copyOf(actions),
        escalatedTo,
        acknowledgedBy,
        List.copyOf(timeline));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  private void begin(IncidentInput in) {
    this.input = in;
    this.policy = in.policy();
    this.target = in.target();
    IncidentState c = in.carried();
    if (c == null) {
      openedAtMillis = Workflow.currentTimeMillis();
      severity = in.alert().severity();
      alertName = in.alert().alertName();
      lastAlert = lastAlert == null ? in.alert() : lastAlert;
      record("alertmanager", "Alert " + alertName + " (" + severity + ") opened the incident"
          + (in.alert().summary() == null ? "" : ": " + in.alert().summary()));
    } else {
      restore(c);
      record(REMEDIATOR, "Continued as new run (history bounded); state carried over");
    }
    upsertSearchAttributes();
  }

  /** One sample: snapshot + probes. True if below the warning threshold and the service is available. */
  private boolean sample() {
    samplesThisRun++;
    diagnosisFresh = false;
    checkServiceHealth();
    takeSnapshot("Sample pool utilization");
    return lastSnapshot != null
        && lastSnapshot.utilization() < policy.warningUtilization()
        && (lastHealth == null || lastHealth.available());
  }

  private void checkServiceHealth() {
    try {
      ServiceHealth h = probes().probe(target);
      boolean changed = lastHealth == null || lastHealth.available() != h.available();
      lastHealth = h;
      if (changed) {
        record(REMEDIATOR, "Service " + (h.available() ? "available" : "UNAVAILABLE") + ": " + Reports.health(h));
      }
      if (!h.available() && critical()) {
        escalate("service unavailable");
      }
    } catch (ActivityFailure e) {
      record(REMEDIATOR, "Service probes failed: " + failureMessage(e));
    }
  }

  private void takeSnapshot(String summary) {
    try {
      lastSnapshot = database(summary).snapshot(target, policy);
      if (databaseFailing) {
        databaseFailing = false;
        record(REMEDIATOR, "Database reachable again");
      }
      if (lastSnapshot.utilization() >= policy.criticalUtilization()) {
        if (criticalSinceMillis == 0) {
          criticalSinceMillis = Workflow.currentTimeMillis();
        }
      } else {
        criticalSinceMillis = 0;
      }
      if (firstSnapshot == null) {
        record(REMEDIATOR, "Pool utilization " + lastSnapshot.utilizationPercent() + " (" + lastSnapshot
            .totalConnections() + " of " + (lastSnapshot.maxConnections() - lastSnapshot.reservedConnections())
            + " usable connections)");
      }
    } catch (ActivityFailure e) {
      if (!databaseFailing) {
        databaseFailing = true;
        record(REMEDIATOR, "Database check failed: " + failureMessage(e));
      }
      if (critical() || isType(e, "DatabaseRefusedConnection")) {
        escalate("database severely degraded: " + (isType(e, "DatabaseRefusedConnection")
            ? "it refuses connections (all slots taken)" : "it cannot be examined"));
      }
    }
  }

  private boolean critical() {
    return "critical".equals(severity)
        || Alert.CRITICAL.equals(alertName)
        || (lastSnapshot != null && lastSnapshot.utilization() >= policy.criticalUtilization());
  }

  private ActionOutcome outcome(PlannedAction action, String result, String detail) {
    ActionOutcome o = new ActionOutcome(plan == null ? null : plan.planId(), action.type(), result, detail, now());
    actions.add(o);
    record(REMEDIATOR, Reports.actionLine(o));
    Workflow.getMetricsScope()
        .tagged(java.util.Map.of("type", action.type().name(), "outcome", result))
        .counter("remediator_actions")
        .inc(1);
    return o;
  }

  private IncidentReport closeWithReport() {
    closed = true;
    String outcome =
        mitigatedAtMillis > 0 ? "MITIGATED" : recoveredAtMillis > 0 ? "RECOVERED" : "RESOLVED";
    enter(IncidentPhase.CLOSED);
    record(REMEDIATOR, "Closed: " + outcome);
    if (!pagedChannels.isEmpty()) {
      send(new Notification(target.incidentId(), "resolve", "info", null, List.copyOf(pagedChannels),
          "[" + target.id() + "] closed: " + outcome, null, List.of()));
    }
    Workflow.getMetricsScope().tagged(java.util.Map.of("outcome", outcome)).counter("remediator_incidents_closed")
        .inc(1);
    long closedAt = Workflow.currentTimeMillis();
    return Reports.report(
        new Reports.Facts(
            target, policy, outcome, severity, openedAtMillis, closedAt, firstSnapshot, lastSnapshot, sessionsFound,
            sessionsTerminated, diagnosis, List.copyOf(actions), escalationReason, acknowledgedBy, errorLogs,
            List.copyOf(timeline)));
  }

  private void continueAsNewIfSuggested() {
    if (!Workflow.getInfo().isContinueAsNewSuggested() && samplesThisRun < policy.maxSamplesPerRun()) {
      return;
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
    log.info("{}: continuing as new after {} samples", target.incidentId(), samplesThisRun);
    IncidentWorkflow next = Workflow.newContinueAsNewStub(IncidentWorkflow.class);
    next.run(new IncidentInput(target, policy, lastAlert, input.requestedBy(), carry()));
  }

  private IncidentState carry() {
    return new IncidentState(
        openedAtMillis, severity, alertName, phase, firstSnapshot, lastSnapshot, lastHealth, errorLogs, diagnosis,
        plan, List.copyOf(actions), restarts, sessionsFound, sessionsTerminated, poolBefore, revertAtMillis,
        criticalSinceMillis, resolved, escalationReason, escalationTier, tierDeadlineMillis, acknowledgedBy,
        List.copyOf(pagedChannels), recoveredAtMillis, mitigatedAtMillis, kubernetesAvailable, lastAlert,
        repeatedAlerts, List.copyOf(timeline));
  }

  private void restore(IncidentState c) {
    openedAtMillis = c.openedAtMillis();
    severity = c.severity();
    alertName = c.alertName();
    phase = c.phase();
    firstSnapshot = c.firstSnapshot();
    lastSnapshot = c.lastSnapshot();
    lastHealth = c.lastHealth();
    errorLogs = c.errorLogs();
    diagnosis = c.diagnosis();
    plan = c.plan();
    actions.addAll(c.actions());
    restarts = c.restarts();
    sessionsFound = c.sessionsFound();
    sessionsTerminated = c.sessionsTerminated();
    poolBefore = c.poolBefore();
    revertAtMillis = c.revertAtMillis();
    criticalSinceMillis = c.criticalSinceMillis();
    resolved = resolved || c.resolved();
    escalationReason = c.escalationReason();
    escalationTier = c.escalationTier();
    tierDeadlineMillis = c.tierDeadlineMillis();
    acknowledgedBy = c.acknowledgedBy();
    pagedChannels.addAll(c.pagedChannels());
    recoveredAtMillis = c.recoveredAtMillis();
    mitigatedAtMillis = c.mitigatedAtMillis();
    kubernetesAvailable = c.kubernetesAvailable();
    lastAlert = c.lastAlert();
    repeatedAlerts = c.repeatedAlerts();
    List<TimelineEntry> arrivedEarly = List.copyOf(timeline);
    timeline.clear();
    timeline.addAll(c.timeline());
    timeline.addAll(arrivedEarly);
  }

  private void enter(IncidentPhase next) {
    if (phase == next && next != IncidentPhase.ASSESSING) {
      return;
    }
    phase = next;
    log.info("{}: {}", target.incidentId(), next);
    upsertSearchAttributes();
    Workflow.setCurrentDetails(Reports.currentDetails(target, phase, severity, lastSnapshot, diagnosis, plan));
  }

  private void upsertSearchAttributes() {
    Workflow.upsertTypedSearchAttributes(
        IncidentSearchAttributes.SERVICE.valueSet(target.service()),
        IncidentSearchAttributes.NAMESPACE.valueSet(target.namespace()),
        IncidentSearchAttributes.DATABASE.valueSet(target.database()),
        IncidentSearchAttributes.SEVERITY.valueSet(Objects.requireNonNullElse(severity, "")),
        IncidentSearchAttributes.PHASE.valueSet(phase.name()),
        IncidentSearchAttributes.ALERT_NAME.valueSet(Objects.requireNonNullElse(alertName, "")));
  }

  private void record(String actor, String event) {
    timeline.add(new TimelineEntry(now(), actor, event));
  }

  private static boolean sameNotification(Alert a, Alert b) {
    return Objects.equals(a.alertName(), b.alertName())
        && Objects.equals(a.status(), b.status())
        && Objects.equals(a.severity(), b.severity());
  }

  private static String now() {
    return Reports.time(Workflow.currentTimeMillis());
  }

  private static Duration remaining(long untilMillis) {
    return Duration.ofMillis(Math.max(0, untilMillis - Workflow.currentTimeMillis()));
  }

  private static String failureMessage(ActivityFailure e) {
    Throwable cause = e.getCause();
    if (cause instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    return cause == null ? e.getMessage() : cause.getMessage();
  }

  private static boolean isType(ActivityFailure e, String type) {
    return e.getCause() instanceof ApplicationFailure af && type.equals(af.getType());
  }
}
