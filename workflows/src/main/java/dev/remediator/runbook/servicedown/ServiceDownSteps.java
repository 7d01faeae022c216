package dev.remediator.runbook.servicedown;

import dev.remediator.incident.ActionMode;
import dev.remediator.incident.ActionOutcome;
import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.Alert;
import dev.remediator.incident.EscalationDetails;
import dev.remediator.incident.Failures;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentState;
import dev.remediator.incident.LogSummary;
import dev.remediator.incident.Plan;
import dev.remediator.incident.PlannedAction;
import dev.remediator.incident.ProbeResult;
import dev.remediator.incident.RestartResult;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.incident.RunbookContext;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.RunbookReport;
import dev.remediator.incident.RunbookSteps;
import dev.remediator.incident.ServiceHealth;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import dev.remediator.incident.Timeline;
import dev.remediator.incident.TimelineEntry.Kind;
import dev.remediator.incident.Waits;
import dev.remediator.runbook.SharedStubs;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Service Down runbook's steps ({@code docs/runbooks/service-down.md}): assess the probes and the Deployment
 * (replicas, pods, events, rollout history), read the crashed containers' previous logs, link an open
 * connection-pool incident, decide the cause ({@link ServiceDownDiagnosis}), then roll back a bad rollout or restart
 * once for a crash loop of unknown cause — each gated by its policy mode ({@code rollback}, {@code rollingRestart}) — and
 * verify: probes healthy and every replica ready for N samples. Out of memory, image or configuration errors and
 * unschedulable pods change nothing: the shell escalates with the evidence. Workflow code only.
 */
public final class ServiceDownSteps implements RunbookSteps {
  static final Duration EVENTS_WINDOW = Duration.ofMinutes(30);
  static final Duration SAMPLE_EVENTS_WINDOW = Duration.ofMinutes(5);
  static final int HISTORY = 5;
  static final int MAX_LOG_CONTAINERS = 5;

  private final IncidentState state;
  private final Timeline timeline;
  private final RunbookPolicy policy;
  private final ServiceDownPolicy own;
  private final Target target;
  private final Waits waits;
  private final Alert opening;
  private final ServiceDownFindings findings;
  private boolean diagnosisFresh;
  private boolean unreachable;
  /** Set by a sample that decided an unknown cause again as an actionable one; taken by the shell. */
  private boolean causeBecameActionable;
  private boolean actedSinceSample;
  private boolean probesFailing;
  private int samplesThisRun;

  public ServiceDownSteps(RunbookContext context) {
    this.state = context.state();
    this.timeline = context.timeline();
    this.policy = context.policy();
    this.own = ServiceDownPolicy.of(policy);
    this.target = context.target();
    this.waits = context.waits();
    this.opening = context.input().alert();
    if (state.findings instanceof ServiceDownFindings carried) {
      this.findings = carried;
    } else {
      this.findings = new ServiceDownFindings();
      state.findings = findings;
    }
  }

  // ---- immediate response and investigation -------------------------------------------------------------------

  /** Immediate response: /health and /ready; the Deployment's replicas, pods, events and rollout history. */
  @Override
  public void assess() {
    checkProbes();
    confirmPod();
    WorkloadStatus s = inspect("Inspect the Deployment: replicas, pods, events, rollout history", EVENTS_WINDOW,
        HISTORY);
    if (s == null) {
      return;
    }
    findings.first = s;
    timeline.note(Kind.CHECK, "Deployment " + s.deployment() + ": " + replicas(s) + "; " + s.rollout().message());
    timeline.note(Kind.CHECK, "Pods: " + pods(s));
    if (!s.events().isEmpty()) {
      timeline.note(Kind.CHECK, "Recent events: " + events(s));
    }
    if (!s.history().isEmpty()) {
      WorkloadStatus.Revision newest = s.history().get(0);
      timeline.note(Kind.CHECK, "Newest revision " + newest.revision() + ", "
          + ServiceDownDiagnosis.age(newest.ageSeconds()) + " old"
          + (newest.changes().isEmpty() ? "" : ": " + String.join("; ", newest.changes())));
    }
  }

  /**
   * A crash-loop alert names a pod and reached this target by its name only: the pod's ReplicaSet's
   * ownerReferences must lead to the target's Deployment, else the runbook acts on nothing (and escalates why).
   */
  private void confirmPod() {
    String pod = opening == null ? null : opening.label("pod");
    if (pod == null || pod.isBlank()) {
      return;
    }
    try {
      PodOwner owner = Stubs.workload("Which Deployment owns pod " + pod + "? (ownerReferences)")
          .resolvePod(target, pod);
      if (owner.ofTarget()) {
        timeline.note(Kind.DIAGNOSIS, "Pod " + pod + " is Deployment " + owner.deployment() + "'s (ReplicaSet "
            + owner.replicaSet() + ")");
      } else {
        findings.foreignPod = owner.reason() == null ? "pod " + pod + " is not the target's" : owner.reason();
        timeline.note(Kind.DIAGNOSIS, "Not acting on the alert's pod: " + findings.foreignPod);
      }
    } catch (ActivityFailure e) {
      timeline.note(Kind.DIAGNOSIS, "Could not confirm pod " + pod + "'s Deployment: " + Failures.message(e));
    }
  }

  /** Investigation: previous logs of crashed containers, the pool incident of the same target, the cause. */
  @Override
  public void diagnose() {
    WorkloadStatus s = findings.last;
    if (s != null && s.pods().stream().anyMatch(p -> p.containers().stream().anyMatch(c -> c.restarts() > 0))) {
      try {
        findings.crashLogs = Stubs.workload("kubectl logs --previous of the crashed containers")
            .crashLogs(target, MAX_LOG_CONTAINERS);
        timeline.note(Kind.DIAGNOSIS, "Previous logs (" + findings.crashLogs.containers() + " container(s)): "
            + counts(findings.crashLogs) + (findings.crashLogs.unavailable() == null ? ""
                : "; " + findings.crashLogs.unavailable()));
      } catch (ActivityFailure e) {
        timeline.note(Kind.DIAGNOSIS, "Previous logs unavailable: " + Failures.message(e));
      }
    }
    try {
      findings.poolIncident = Stubs.incidents("Is a connection-pool incident open for this service?")
          .relatedIncident(DbPoolRunbook.DEFINITION.incidentId(target));
      if (findings.poolIncident.open()) {
        timeline.note(Kind.DIAGNOSIS,
            "Linked: connection-pool incident " + findings.poolIncident.incidentId() + " is open");
      }
    } catch (ActivityFailure e) {
      timeline.note(Kind.DIAGNOSIS, "Could not look up the connection-pool incident: " + Failures.message(e));
    }
    decide();
  }

  private void decide() {
    if (findings.last == null) {
      findings.cause = ServiceDownCause.UNKNOWN;
      findings.evidence = List.of("the Deployment could not be examined");
      findings.badRevision = 0;
    } else {
      ServiceDownDiagnosis.Finding f = ServiceDownDiagnosis.diagnose(findings.last, findings.crashLogs,
          findings.poolIncident, own.badRolloutAge());
      findings.cause = f.cause();
      findings.evidence = new ArrayList<>(f.evidence());
      findings.badRevision = f.badRevision();
    }
    publishDiagnosis();
    timeline.note(Kind.DIAGNOSIS, "Cause: " + findings.cause.words() + (findings.evidence.isEmpty() ? ""
        : " — " + String.join("; ", findings.evidence)));
    diagnosisFresh = true;
  }

  /** The shell's diagnosis (status, UI, report) carries the cause and its evidence. */
  private void publishDiagnosis() {
    state.diagnosis = ServiceDownReport.diagnosis(findings);
  }

  // ---- resolution ---------------------------------------------------------------------------------------------

  /** Act while the Deployment is unhealthy, unless the database is the problem (its own incident handles it). */
  @Override
  public boolean remediationWanted() {
    if (findings.cause == ServiceDownCause.DEPENDENCY_DOWN) {
      return false;
    }
    return findings.last == null || !healthy(findings.last) || (state.lastHealth != null
        && !state.lastHealth.available());
  }

  @Override
  public List<PlannedAction> plan(int round) {
    if (findings.foreignPod != null) {
      return List.of();
    }
    if (!diagnosisFresh) {
      WorkloadStatus s = inspect("Inspect the Deployment again before planning", EVENTS_WINDOW, HISTORY);
      if (s != null) {
        diagnose();
      }
    }
    diagnosisFresh = false;
    if (findings.last == null) {
      return List.of();
    }
    return switch (findings.cause) {
      case BAD_ROLLOUT -> {
        ActionMode mode = rollbackMode();
        if (findings.rollbacks > 0 || mode == ActionMode.OFF) {
          yield List.of();
        }
        findings.plannedRollbackFrom = findings.badRevision;
        yield List.of(new PlannedAction(ActionType.ROLLBACK, mode,
            "bad rollout: " + String.join("; ", findings.evidence.subList(0, Math.min(2, findings.evidence.size())))
                + " — roll back from revision " + findings.badRevision + " to the previous one",
            null));
      }
      case CRASH_LOOP -> findings.restarts > 0 || policy.rollingRestart() == ActionMode.OFF
          ? List.of()
          : List.of(new PlannedAction(ActionType.ROLLING_RESTART, policy.rollingRestart(),
              "crash loop of unknown cause: one rolling restart (" + first(findings.evidence) + ")", null));
      default -> List.of();
    };
  }

  /** The policy's rollback mode ({@link ServiceDownPolicy#of}: older inputs let the restart's mode stand for it). */
  private ActionMode rollbackMode() {
    return own.rollback();
  }

  @Override
  public String nothingLeft() {
    if (findings.foreignPod != null) {
      return "the alert's pod is not the target's Deployment's (" + findings.foreignPod + "): nothing done";
    }
    String why = switch (findings.cause) {
      case BAD_ROLLOUT -> findings.rollbacks > 0
          ? "the rollback from revision " + findings.plannedRollbackFrom + " did not bring the service back"
          : "bad rollout, but the policy allows no rollback (rollback: " + rollbackMode() + ")";
      case CRASH_LOOP -> findings.restarts > 0
          ? "one rolling restart did not stop the crash loop"
          : "crash loop, but the policy allows no restart (rollingRestart: " + policy.rollingRestart() + ")";
      default -> findings.cause.words() + ", which the runbook does not fix automatically";
    };
    return why + " — for the " + findings.cause.team() + ": " + String.join("; ", findings.evidence);
  }

  @Override
  public boolean problemPersists() {
    return findings.cause.actionable() && findings.last != null && !healthy(findings.last);
  }

  @Override
  public ActionOutcome execute(PlannedAction action, Plan plan) {
    try {
      return switch (action.type()) {
        case ROLLBACK -> rollBack(action, plan);
        case ROLLING_RESTART -> restart(action, plan);
        default -> record(plan, action.type(), ActionResult.REFUSED, "not a Service Down action");
      };
    } catch (ActivityFailure e) {
      return record(plan, action.type(), ActionResult.FAILED, Failures.message(e));
    }
  }

  private ActionOutcome rollBack(PlannedAction action, Plan plan) {
    RollbackResult r = Stubs.rollback("kubectl rollout undo (from revision " + findings.plannedRollbackFrom + ")")
        .rollback(target, findings.plannedRollbackFrom, plan.planId() + "/rollback");
    if (!r.rolledBack()) {
      return record(plan, action.type(), ActionResult.REFUSED, r.refusal());
    }
    findings.rollbacks++;
    findings.rollback = r;
    actedSinceSample = true;
    timeline.note(Kind.ACTION, (r.patched() ? "Rolled back" : "Already rolled back") + " from revision "
        + r.fromRevision() + " to revision " + r.toRevision() + (r.revisionAfter() > 0 ? "'s template (now revision "
            + r.revisionAfter() + ")" : "") + (r.changes().isEmpty() ? "" : ": " + String.join("; ", r.changes()))
        + "; waiting for the rollout");
    return awaitRollout(action, plan);
  }

  private ActionOutcome restart(PlannedAction action, Plan plan) {
    RestartResult r = SharedStubs.kubernetes("kubectl rollout restart")
        .rollingRestart(target, plan.planId() + "/restart", policy.restartCooldown());
    if (!r.restarted()) {
      return record(plan, action.type(), ActionResult.REFUSED, r.refusal());
    }
    findings.restarts++;
    state.restarts++;
    actedSinceSample = true;
    timeline.note(Kind.ACTION,
        "Rolling restart started (restartedAt " + r.restartedAt() + "); waiting for the rollout");
    return awaitRollout(action, plan);
  }

  private ActionOutcome awaitRollout(PlannedAction action, Plan plan) {
    RolloutStatus rollout = SharedStubs.rollout("kubectl rollout status", policy.rolloutTimeout())
        .awaitRollout(target, policy.rolloutTimeout());
    return record(plan, action.type(), rollout.complete() ? ActionResult.EXECUTED : ActionResult.FAILED,
        rollout.message());
  }

  @Override
  public ActionOutcome record(Plan plan, ActionType type, ActionResult result, String detail) {
    ActionOutcome o = new ActionOutcome(plan == null ? null : plan.planId(), type, result, detail, Timeline.now());
    state.actions.add(o);
    timeline.note(Kind.ACTION,
        type.label() + ": " + result + (detail == null || detail.isBlank() ? "" : " — " + detail));
    Workflow.getMetricsScope()
        .tagged(Map.of("type", type.name(), "outcome", result.name()))
        .counter("remediator_actions")
        .inc(1);
    return o;
  }

  // ---- verification and watching ------------------------------------------------------------------------------

  /** Recovered: probes healthy and every replica ready and available for N consecutive samples. */
  @Override
  public boolean verify() {
    int needed = policy.verifySamples();
    boolean recovered = waits.consecutive(needed, policy.verifyInterval(), this::sample);
    timeline.note(Kind.VERIFY, (recovered ? "Recovered: " : "Not recovered yet: ") + measurement()
        + (recovered ? " for " + needed + " sample(s)" : ""));
    return recovered;
  }

  @Override
  public boolean sample() {
    samplesThisRun++;
    diagnosisFresh = false;
    checkProbes();
    WorkloadStatus s = inspect("Sample the Deployment", SAMPLE_EVENTS_WINDOW, 2);
    boolean good = s != null && healthy(s) && (state.lastHealth == null || state.lastHealth.available());
    if (!good && s != null) {
      recheckLinkedIncident();
      rediagnoseOnceTheFailureShows(s);
    }
    return good;
  }

  /** Change ID: an unknown cause is decided again when a later sample shows one. */
  static final String REDIAGNOSE_WHEN_THE_FAILURE_SHOWS = "servicedown-rediagnose-when-the-failure-shows";

  /**
   * The alert can fire before the failure shows: on a real cluster a release that takes every pod down leaves them
   * Pending (creating containers) for a while, and the diagnosis made then finds no cause. Once a sample shows one
   * (the new pods crash-loop), the cause is decided again, previous logs included; if the runbook acts on it, the
   * shell plans ({@link #causeBecameActionable}).
   */
  private void rediagnoseOnceTheFailureShows(WorkloadStatus s) {
    if (findings.cause != ServiceDownCause.UNKNOWN || findings.foreignPod != null) {
      return;
    }
    ServiceDownCause shown = ServiceDownDiagnosis.diagnose(s, findings.crashLogs, findings.poolIncident,
        own.badRolloutAge()).cause();
    if (shown == ServiceDownCause.UNKNOWN
        || Workflow.getVersion(REDIAGNOSE_WHEN_THE_FAILURE_SHOWS, Workflow.DEFAULT_VERSION, 1)
            == Workflow.DEFAULT_VERSION) {
      return;
    }
    timeline.note(Kind.DIAGNOSIS, "The failure shows now (" + shown.words() + "): deciding the cause again");
    diagnose();
    causeBecameActionable = findings.cause.actionable();
  }

  @Override
  public boolean causeBecameActionable() {
    boolean taken = causeBecameActionable;
    causeBecameActionable = false;
    return taken;
  }

  /**
   * Acting on nothing while the connection-pool incident is open holds only while it is: once it has closed and
   * the Deployment is still unhealthy, the cause is decided again (the shell then plans if it is actionable).
   */
  private void recheckLinkedIncident() {
    if (findings.cause != ServiceDownCause.DEPENDENCY_DOWN || findings.poolIncident == null
        || !findings.poolIncident.open()) {
      return;
    }
    try {
      RelatedIncident now = Stubs.incidents("Is the linked connection-pool incident still open?")
          .relatedIncident(findings.poolIncident.incidentId());
      if (!now.open()) {
        timeline.note(Kind.DIAGNOSIS, "Linked connection-pool incident " + now.incidentId() + " is " + now.status()
            + ": deciding the cause again");
        diagnose();
      }
    } catch (ActivityFailure e) {
      // looked up again at the next sample
    }
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
    WorkloadStatus s = findings.last;
    if (s == null) {
      return "";
    }
    long crashing = s.pods().stream().filter(ServiceDownSteps::crashing).count();
    return "ready " + s.ready() + "/" + s.desired() + " · available " + s.available() + "/" + s.desired()
        + (crashing > 0 ? " · " + crashing + " pod(s) crash-looping" : "")
        + (state.lastHealth == null ? "" : " · probes " + (state.lastHealth.available() ? "ok" : "failing"));
  }

  /**
   * Post-incident "check for similar issues in other services": the other targets' Deployments on the failing
   * revision's image, or with a new revision within {@code badRolloutAge} of it; read-only, bounded.
   */
  @Override
  public SimilarIssues similarElsewhere() {
    SameChange change = SameChange.of(findings.first, findings.badRevision, own.badRolloutAge());
    if (change == null) {
      return SimilarIssues.notRun(null, "the Deployment's revisions were never read: nothing to compare with");
    }
    try {
      return Stubs.scanner("Check other Deployments for the same image or change (read-only)", own)
          .similarElsewhere(target, policy, change);
    } catch (ActivityFailure e) {
      return SimilarIssues.notRun(change.describe(), Failures.message(e));
    }
  }

  @Override
  public void beforeReport() {
    if (Workflow.getVersion(REPORT_SAMPLE_AT_CLOSE, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      if (actedSinceSample) {
        inspect("The Deployment after the actions, for the report", SAMPLE_EVENTS_WINDOW, HISTORY);
      }
      return;
    }
    inspect("The Deployment at close, for the report", SAMPLE_EVENTS_WINDOW, HISTORY);
  }

  /** Nothing is temporary: a rollback stays (the next rollout replaces it), a restart is done. */
  @Override
  public void restore() {}

  // ---- escalation and report ----------------------------------------------------------------------------------

  /** The runbook's "information to provide": probes, replicas, pods, events, rollout history, previous logs. */
  @Override
  public EscalationDetails escalationDetails(String reason) {
    WorkloadStatus s = findings.last;
    List<RolloutRevision> changes = s == null ? List.of() : s.history().stream()
        .map(r -> new RolloutRevision(r.revision(), r.createdAt(),
            r.changes().isEmpty() ? r.changeCause() : String.join("; ", r.changes()), r.images(), r.replicas()))
        .toList();
    CrashLogs logs = findings.crashLogs;
    LogSummary summary = logs == null ? null
        : new LogSummary(logs.containers(), logs.linesScanned(), logs.counts(), logs.samples());
    List<String> facts = new ArrayList<>();
    if (s != null) {
      facts.add("Deployment now: " + measurement());
    }
    facts.add("Likely cause: " + findings.cause.words()
        + (findings.evidence.isEmpty() ? "" : " (" + String.join("; ", findings.evidence) + ")"));
    facts.add("For the " + findings.cause.team() + " (the runbook's escalation section)");
    return new EscalationDetails(reason, changes, summary, List.copyOf(state.timeline), facts, null);
  }

  /** The cause's team: the ladder starts at that tier (development for a crash, platform for unschedulable). */
  @Override
  public String escalationTier() {
    return findings.cause.tier();
  }

  @Override
  public RunbookReport report(IncidentOutcome outcome) {
    return ServiceDownReport.report(target, findings, measurement());
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private void checkProbes() {
    try {
      ServiceHealth h = SharedStubs.probes().probe(target);
      boolean changed = h.changedFrom(state.lastHealth) || probesFailing;
      state.lastHealth = h;
      probesFailing = false;
      if (changed) {
        timeline.note(Kind.CHECK,
            "Service " + (!h.probed() ? "not probed" : h.available() ? "available" : "UNAVAILABLE") + ": /health "
                + probe(h.health()) + ", /ready " + probe(h.ready()));
      }
    } catch (ActivityFailure e) {
      if (!probesFailing) {
        timeline.note(Kind.CHECK, "Service probes failed: " + Failures.message(e)); // once, not at every sample
      }
      probesFailing = true;
    }
  }

  private WorkloadStatus inspect(String summary, Duration events, int history) {
    try {
      WorkloadStatus s = Stubs.workload(summary).inspect(target, events, history);
      findings.last = s;
      findings.kubernetesAvailable = true;
      actedSinceSample = false;
      state.reachable();
      if (unreachable) {
        unreachable = false;
        timeline.note(Kind.CHECK, "Kubernetes API reachable again");
      }
      return s;
    } catch (ActivityFailure e) {
      state.unreachable(Failures.unreachable(e), Workflow.currentTimeMillis());
      if (!unreachable) {
        unreachable = true;
        timeline.note(Kind.CHECK, "Kubernetes: " + Failures.message(e));
      }
      findings.kubernetesAvailable = false;
      return null;
    }
  }

  /** Every desired replica updated, ready and available, and no pod crash-looping. */
  static boolean healthy(WorkloadStatus s) {
    return s.desired() > 0 && s.ready() >= s.desired() && s.available() >= s.desired()
        && s.pods().stream().noneMatch(ServiceDownSteps::crashing);
  }

  static boolean crashing(WorkloadStatus.PodState p) {
    return p.containers().stream().anyMatch(c -> c.waitingReason() != null
        && (c.waitingReason().equals("CrashLoopBackOff") || ServiceDownDiagnosis.IMAGE_OR_CONFIG_REASONS
            .contains(c.waitingReason())));
  }

  private static String replicas(WorkloadStatus s) {
    return s.desired() + " desired, " + s.updated() + " updated, " + s.ready() + " ready, " + s.available()
        + " available" + (s.paused() ? ", PAUSED" : "");
  }

  private static String pods(WorkloadStatus s) {
    List<String> parts = new ArrayList<>();
    for (WorkloadStatus.PodState p : s.pods()) {
      StringBuilder b = new StringBuilder(p.name()).append(" r").append(p.revision()).append(' ').append(p.phase());
      for (WorkloadStatus.ContainerState c : p.containers()) {
        if (c.waitingReason() != null || c.restarts() > 0 || c.lastTerminationReason() != null) {
          b.append(" [").append(c.name());
          if (c.waitingReason() != null) {
            b.append(' ').append(c.waitingReason());
          }
          if (c.restarts() > 0) {
            b.append(", ").append(c.restarts()).append(" restarts");
          }
          if (c.lastTerminationReason() != null) {
            b.append(", last ").append(c.lastTerminationReason()).append('/').append(c.lastExitCode());
          }
          b.append(']');
        }
      }
      parts.add(b.toString());
    }
    return parts.isEmpty() ? "none" : String.join("; ", parts);
  }

  private static String events(WorkloadStatus s) {
    return String.join("; ", s.events().stream().limit(5)
        .map(e -> e.reason() + " " + e.object() + " ×" + e.count()).toList());
  }

  private static String counts(CrashLogs logs) {
    List<String> parts = new ArrayList<>();
    logs.counts().forEach((k, v) -> {
      if (v > 0) {
        parts.add(k + " " + v);
      }
    });
    return parts.isEmpty() ? "no known error pattern" : String.join(", ", parts);
  }

  private static String probe(ProbeResult r) {
    return r == null ? "not probed" : (r.ok() ? "ok" : "failing") + (r.status() > 0 ? " (" + r.status() + ")" : "");
  }

  private static String first(List<String> lines) {
    return lines.isEmpty() ? "" : lines.get(0);
  }
}
