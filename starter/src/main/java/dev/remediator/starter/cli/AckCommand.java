package dev.remediator.starter.cli;

import dev.remediator.incident.DecisionAction;
import dev.remediator.starter.IncidentStubs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code remediator ack ID --by NAME [--note TEXT]}. */
@Command(
    name = "ack",
    mixinStandardHelpOptions = true,
    description = {
      "Acknowledge an incident: you have taken it; the escalation ladder stops.",
      "Exit codes: 0 accepted, 1 error, 2 usage, 3 refused, 4 no open incident."
    })
public final class AckCommand extends DecisionCommand {

  @Parameters(index = "0", paramLabel = "INCIDENT_ID", description = "as `incidents` lists it: <runbook>:<namespace>:<service>[:<database>]")
  String incidentId;

  @Option(names = "--by", required = true, paramLabel = "NAME", description = "Who takes the incident.")
  String by;

  @Option(names = {"--note", "--reason"}, paramLabel = "TEXT", description = "A note for the timeline.")
  String note;

  @Override
  protected int run(IncidentStubs temporal) {
    return decide(temporal, incidentId, DecisionAction.ACKNOWLEDGE, null, by, note);
  }

  @Override
  protected Integer runOverHttp(dev.remediator.starter.IncidentHttp http) {
    return decideOverHttp(http, incidentId, DecisionAction.ACKNOWLEDGE, null, by, note);
  }
}
