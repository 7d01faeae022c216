package dev.remediator.starter;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Alert;
import dev.remediator.incident.ApprovalDecision;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.IncidentWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;

/** The client side of incidents: delivers alerts, sends decisions, reads status. */
public final class IncidentClient {
  private final WorkflowClient client;
  private final RemediatorConfig config;

  public IncidentClient(WorkflowClient client, RemediatorConfig config) {
    this.client = client;
    this.config = config;
  }

  /** What became of one delivered alert. */
  public enum Delivery {
    /** Started a new incident or signalled the running one (Temporal cannot tell us which on signal-with-start). */
    DELIVERED,
    /** A resolved alert for a target with no open incident: nothing to do. */
    NO_OPEN_INCIDENT
  }

  /**
   * Firing: signal-with-start the target's incident (USE_EXISTING: a repeat lands in the running one). Resolved:
   * signal only; a resolved alert never starts an incident. Returns only after Temporal accepted the request.
   */
  public Delivery deliver(TargetConfig target, Alert alert) {
    String incidentId = target.target().incidentId();
    if (!alert.firing()) {
      try {
        client.newUntypedWorkflowStub(incidentId).signal("alert", alert);
        return Delivery.DELIVERED;
      } catch (WorkflowNotFoundException e) {
        return Delivery.NO_OPEN_INCIDENT;
      }
    }
    WorkflowOptions options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(incidentId)
            .setTaskQueue(config.taskQueueOrDefault())
            .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
            .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
            .build();
    IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class, options);
    BatchRequest request = client.newSignalWithStartRequest();
    request.add(incident::run, new IncidentInput(target.target(), target.policy(), alert));
    request.add(incident::alert, alert);
    client.signalWithStart(request);
    return Delivery.DELIVERED;
  }

  /** Sends the {@code approve} signal (exactly what {@code temporal workflow signal --name approve} sends). */
  public void approve(String incidentId, ApprovalDecision decision) {
    stub(incidentId).approve(decision);
  }

  public void reject(String incidentId, ApprovalDecision decision) {
    stub(incidentId).reject(decision);
  }

  public IncidentStatus status(String incidentId) {
    return stub(incidentId).status();
  }

  /** Waits for the incident to close and returns its result. */
  public <T> T result(String incidentId, Class<T> type) {
    return client.newUntypedWorkflowStub(incidentId).getResult(type);
  }

  public WorkflowStub untyped(String incidentId) {
    return client.newUntypedWorkflowStub(incidentId);
  }

  private IncidentWorkflow stub(String incidentId) {
    return client.newWorkflowStub(IncidentWorkflow.class, incidentId);
  }
}
