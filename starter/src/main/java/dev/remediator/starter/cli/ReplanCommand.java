package dev.remediator.starter.cli;

import dev.remediator.incident.DecisionAction;
import dev.remediator.starter.IncidentStubs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code remediator replan ID --by NAME [--reason TEXT]}. */
@Command(
    name = "replan",
    mixinStandardHelpOptions = true,
    description = {
      "Ask for a new plan from what the database shows now; a pending plan is withdrawn (approvers only).",
      "Exit codes: 0 accepted, 1 error, 2 usage, 3 refused, 4 no open incident."
    })
public final class ReplanCommand extends DecisionCommand {

  @Parameters(index = "0", paramLabel = "INCIDENT_ID", description = "as `remediator incidents` lists it")
  String incidentId;

  @Option(names = "--by", required = true, paramLabel = "NAME", description = "Who asks (an approver).")
  String by;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the timeline.")
  String reason;

  @Override
  protected int run(IncidentStubs temporal) {
    return decide(temporal, incidentId, DecisionAction.REPLAN, null, by, reason);
  }
}
