package dev.remediator.incident;

import java.util.function.Consumer;

/**
 * What the shell hands a runbook's steps: the incident's one state object, its timeline, its input (target and
 * policy), the waits (timers with summaries) and the escalation ladder's trigger.
 *
 * @param incidentId the incident's workflow ID
 * @param escalate pages the next tier with a reason (a runbook trigger such as "service unavailable")
 */
public record RunbookContext(
    String incidentId,
    IncidentState state,
    Timeline timeline,
    IncidentInput input,
    Waits waits,
    Consumer<String> escalate) {

  public Target target() {
    return input.target();
  }

  public RunbookPolicy policy() {
    return input.policy();
  }
}
