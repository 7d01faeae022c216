package dev.remediator.starter.cli;

import dev.remediator.incident.DecisionAction;
import dev.remediator.starter.IncidentStubs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code remediator reject ID --by NAME --reason TEXT [--plan PLAN]}. */
@Command(
    name = "reject",
    mixinStandardHelpOptions = true,
    description = {
      "Reject the pending plan of an incident: nothing of it is executed.",
      "Exit codes: 0 accepted, 1 error, 2 usage, 3 refused, 4 no open incident."
    })
public final class RejectCommand extends DecisionCommand {

  @Parameters(index = "0", paramLabel = "INCIDENT_ID", description = "as `incidents` lists it: <runbook>:<namespace>:<service>[:<database>]")
  String incidentId;

  @Option(names = "--by", required = true, paramLabel = "NAME", description = "Your approver identity.")
  String by;

  @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (recorded in the timeline).")
  String reason;

  @Option(names = "--plan", paramLabel = "PLAN_ID", description = "The plan you reject; default: the pending one.")
  String planId;

  @Override
  protected int run(IncidentStubs temporal) {
    return decide(temporal, incidentId, DecisionAction.REJECT, planId, by, reason);
  }

  @Override
  protected Integer runOverHttp(dev.remediator.starter.IncidentHttp http) {
    return decideOverHttp(http, incidentId, DecisionAction.REJECT, planId, by, reason);
  }
}
