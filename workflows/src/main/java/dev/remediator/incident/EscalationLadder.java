package dev.remediator.incident;

import static dev.remediator.incident.ActivityStubs.notifications;

import dev.remediator.incident.TimelineEntry.Kind;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.List;

/**
 * The policy's escalation path (e.g. database → platform → development → management): the first trigger pages the
 * tier the runbook names for it (else the first), each tier waits its acknowledgement timeout, an {@code
 * acknowledge} stops the climb. Later triggers are recorded, once each. Also owns the shell's own trigger: critical
 * for too long, in the runbook's words. A page carries the runbook's "information to provide". Workflow code.
 */
final class EscalationLadder {

  private final IncidentState state;
  private final Timeline timeline;
  private final RunbookPolicy policy;
  private final String incidentId;
  private final Target target;
  private final RunbookSteps runbook;
  private final Waits waits;
  private boolean closed;

  EscalationLadder(
      String incidentId, IncidentState state, Timeline timeline, IncidentInput input, Waits waits,
      RunbookSteps runbook) {
    this.incidentId = incidentId;
    this.target = input.target();
    this.state = state;
    this.waits = waits;
    this.timeline = timeline;
    this.policy = input.policy();
    this.runbook = runbook;
  }

  /** Starts the ladder's watch: it climbs once a trigger fires (or resumes a climb carried over). */
  void start() {
    Async.procedure(this::escalateWhenCriticalTooLong);
    Async.procedure(this::climb);
  }

  /** A runbook trigger: the first one starts the ladder, later ones are recorded once each. */
  void escalate(String reason) {
    if (state.escalationTriggers.contains(reason) || closed) {
      return;
    }
    state.escalationTriggers.add(reason);
    if (state.escalated()) {
      timeline.note(Kind.ESCALATION, "Further escalation trigger: " + reason);
      return;
    }
    state.escalationReason = reason;
    state.escalationTier = firstTier();
    state.tierDeadlineMillis = 0;
    timeline.note(Kind.ESCALATION, "Escalating: " + reason);
  }

  /** The tier the runbook names for its escalation, if the policy's ladder has it; else the first. */
  private int firstTier() {
    String named = runbook.escalationTier();
    List<EscalationTier> tiers = policy.escalation();
    for (int i = 0; named != null && i < tiers.size(); i++) {
      if (named.equals(tiers.get(i).name())) {
        return i;
      }
    }
    if (named != null && !tiers.isEmpty()) {
      timeline.note(Kind.ESCALATION,
          "The runbook sends this to the " + named + " team, which the escalation policy does not list:"
          + " paging from its first tier");
    }
    return 0;
  }

  /** Someone took the incident: stops the ladder and tells the channels already paged. */
  DecisionResult acknowledge(String who, String note) {
    if (who == null || who.isBlank()) {
      return new DecisionResult(false, "an acknowledgement needs a name");
    }
    if (!state.escalated()) {
      timeline.refusal(who, Kind.ESCALATION, "Refused acknowledge", "the incident is not escalated");
      return new DecisionResult(false, "the incident is not escalated");
    }
    if (state.acknowledgedBy != null) {
      return new DecisionResult(true, "already acknowledged by " + state.acknowledgedBy);
    }
    state.acknowledgedBy = who;
    timeline.record(who, Kind.ESCALATION, "Acknowledged the escalation" + (note == null ? "" : ": " + note));
    if (!state.pagedChannels.isEmpty()) {
      List<String> channels = List.copyOf(state.pagedChannels);
      Async.procedure(() -> send(new Notification(incidentId, "acknowledge", "info", null, channels,
          "[" + target.id() + "] acknowledged by " + who, null, List.of())));
    }
    return new DecisionResult(true, "acknowledged by " + who);
  }

  /**
   * The incident closes: the ladder stops; channels that were paged hear how it ended, and what the check for similar
   * issues in other services found (null: not run).
   */
  void close(IncidentOutcome outcome, SimilarIssues similar) {
    closed = true;
    if (!state.pagedChannels.isEmpty()) {
      send(new Notification(incidentId, "resolve", "info", null, List.copyOf(state.pagedChannels),
          "[" + target.id() + "] closed: " + outcome + (similar == null ? "" : ". " + similar.line()), null,
          List.of()));
    }
  }

  /**
   * A plan made below critical: the channels already paged hear of it, else the first tier's (the runbook's);
   * a message, not a climb of the ladder.
   */
  void announce(String summary) {
    List<String> channels = List.copyOf(state.pagedChannels);
    if (channels.isEmpty() && !policy.escalation().isEmpty()) {
      List<String> first = policy.escalation().get(firstTier()).channels();
      channels = first == null ? List.of() : first;
    }
    timeline.note(Kind.ESCALATION,
        "Told " + (channels.isEmpty() ? "no one (no channel configured)" : String.join(", ", channels))
        + ": " + summary);
    if (!channels.isEmpty()) {
      send(new Notification(incidentId, "trigger", "warning", null, channels, "[" + target.id() + "] " + summary,
          null, howToRespond()));
    }
  }

  /** The tier paged last, or null. */
  String escalatedTo() {
    List<EscalationTier> tiers = policy.escalation();
    return !state.escalated() || tiers.isEmpty()
        ? null
        : tiers.get(Math.min(state.escalationTier, tiers.size() - 1)).name();
  }

  private void escalateWhenCriticalTooLong() {
    while (!closed && !state.escalated()) {
      Workflow.await(() -> (state.criticalSinceMillis > 0 && !state.resolved) || closed || state.escalated());
      if (closed || state.escalated()) {
        return;
      }
      long since = state.criticalSinceMillis;
      boolean changed =
          waits.until("Escalate if still critical", Waits.remaining(since + policy.criticalEscalateAfter().toMillis()),
              () -> state.criticalSinceMillis != since || closed || state.escalated() || state.resolved);
      if (!changed) {
        escalate(runbook.criticalTooLong(policy.criticalEscalateAfter()));
      }
    }
  }

  private void climb() {
    Workflow.await(() -> state.escalated() || closed);
    List<EscalationTier> tiers = policy.escalation();
    while (state.escalationTier < tiers.size() && state.acknowledgedBy == null && !closed) {
      EscalationTier tier = tiers.get(state.escalationTier);
      if (state.tierDeadlineMillis == 0) {
        page(tier);
        state.tierDeadlineMillis = Workflow.currentTimeMillis() + tier.ackTimeout().toMillis();
      }
      waits.until("Acknowledgement from the " + tier.name() + " team", Waits.remaining(state.tierDeadlineMillis),
          () -> state.acknowledgedBy != null || closed || state.resolved);
      if (state.acknowledgedBy != null || closed) {
        return;
      }
      if (state.resolved) {
        // Every alert resolved: page no further tier unless something fires again.
        Workflow.await(() -> !state.resolved || closed || state.acknowledgedBy != null);
        continue;
      }
      state.escalationTier++;
      state.tierDeadlineMillis = 0;
    }
    if (state.escalationTier >= tiers.size() && state.acknowledgedBy == null && !closed) {
      timeline.note(Kind.ESCALATION, "Escalation ladder exhausted without acknowledgement");
    }
  }

  private void page(EscalationTier tier) {
    List<String> channels = tier.channels() == null ? List.of() : tier.channels();
    timeline.note(Kind.ESCALATION, "Escalated to the " + tier.name() + " team"
        + (channels.isEmpty() ? " (no channel configured)" : " via " + String.join(", ", channels)));
    if (channels.isEmpty()) {
      return;
    }
    EscalationDetails d = runbook.escalationDetails(state.escalationReason);
    send(new Notification(incidentId, "trigger", state.severity == Severity.CRITICAL ? "critical" : "warning",
        tier.name(), channels, "[" + target.id() + "] " + state.escalationReason, d, howToRespond()));
    for (String c : channels) {
      if (!state.pagedChannels.contains(c)) {
        state.pagedChannels.add(c);
      }
    }
  }

  private List<String> howToRespond() {
    String id = incidentId;
    String planId = state.plan == null ? "<planId>" : state.plan.planId();
    return List.of(
        "./remediator ack " + id + " --by <you>",
        "./remediator approve " + id + " --by <you> --plan " + planId,
        "Temporal UI: workflow " + id + " → Send signal 'acknowledge' {\"by\":\"<you>\"} or 'approve' {\"planId\":\""
            + planId + "\",\"approver\":\"<you>\",\"reason\":\"...\"}");
  }

  void send(Notification n) {
    try {
      NotificationResult r = notifications("Notify " + String.join(", ", n.channels())).send(n);
      for (NotificationResult.Delivery d : r.deliveries()) {
        if (!d.delivered()) {
          timeline.note(Kind.ESCALATION, "Notification to " + d.channel() + " failed: " + d.error());
        }
      }
    } catch (ActivityFailure e) {
      timeline.note(Kind.ESCALATION, "Notification failed: " + Failures.message(e));
    }
  }
}
