package dev.remediator.starter.cli;

import dev.remediator.incident.DecisionAction;
import dev.remediator.starter.IncidentStubs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code remediator approve ID --by NAME [--reason TEXT] [--plan PLAN]}. */
@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    description = {
      "Approve the pending plan of an incident (the workflow's 'decide' update): says at once whether it was"
          + " accepted.",
      "Exit codes: 0 accepted, 1 error, 2 usage, 3 refused (stale plan, not an approver, nothing pending), 4 no"
          + " open incident."
    })
public final class ApproveCommand extends DecisionCommand {

  @Parameters(index = "0", paramLabel = "INCIDENT_ID", description = "as `incidents` lists it: <runbook>:<namespace>:<service>[:<database>]")
  String incidentId;

  @Option(names = "--by", required = true, paramLabel = "NAME", description = "Your approver identity.")
  String by;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded in the incident timeline).")
  String reason;

  @Option(
      names = "--plan",
      paramLabel = "PLAN_ID",
      description = "The plan you approve; default: the plan pending now (read with the status query).")
  String planId;

  @Override
  protected int run(IncidentStubs temporal) {
    return decide(temporal, incidentId, DecisionAction.APPROVE, planId, by, reason);
  }

  @Override
  protected Integer runOverHttp(dev.remediator.starter.IncidentHttp http) {
    return decideOverHttp(http, incidentId, DecisionAction.APPROVE, planId, by, reason);
  }
}
