package dev.remediator.starter.cli;

import dev.remediator.incident.ApprovalDecision;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.starter.IncidentClient;
import dev.remediator.temporal.TemporalConnection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code remediator approve ID --by NAME [--reason TEXT] [--plan PLAN]}: sends the approve signal. */
@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    description = "Approve the pending plan of an incident (sends the 'approve' signal).")
public final class ApproveCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "INCIDENT_ID", description = "e.g. dbpool:prod:auth-service:authdb")
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
  public Integer call() {
    try (TemporalConnection temporal = TemporalConnection.fromEnvironment()) {
      IncidentClient incidents = new IncidentClient(temporal.client(), null);
      String plan = planId;
      if (plan == null) {
        IncidentStatus status = incidents.status(incidentId);
        if (!status.awaitingApproval() || status.plan() == null) {
          System.err.println("incident " + incidentId + " has no plan awaiting approval (phase " + status.phase()
              + ")");
          return 3;
        }
        plan = status.plan().planId();
      }
      incidents.approve(incidentId, new ApprovalDecision(plan, by, reason));
      System.out.println("approval of " + plan + " sent to " + incidentId + " as " + by);
      return 0;
    } catch (io.temporal.client.WorkflowNotFoundException e) {
      System.err.println("no open incident " + incidentId);
      return 2;
    }
  }
}
