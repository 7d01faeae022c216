package dev.remediator.incidentlookup;

import dev.remediator.runbook.servicedown.IncidentLookupActivities;
import dev.remediator.runbook.servicedown.RelatedIncident;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.failure.ApplicationFailure;

/**
 * {@link IncidentLookupActivities} with the worker's own Temporal client: one DescribeWorkflowExecution of the
 * other incident, in the worker's namespace.
 */
public class IncidentLookupActivitiesImpl implements IncidentLookupActivities {
  /** Failure type: the request itself is wrong. */
  public static final String INVALID_REQUEST = "InvalidRequest";

  @Override
  public RelatedIncident relatedIncident(String incidentId) {
    if (incidentId == null || incidentId.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure("relatedIncident needs an incident ID", INVALID_REQUEST);
    }
    WorkflowClient workflows = Activity.getExecutionContext().getWorkflowClient();
    try {
      DescribeWorkflowExecutionResponse r = workflows.getWorkflowServiceStubs().blockingStub()
          .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(workflows.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(incidentId))
              .build());
      WorkflowExecutionStatus status = r.getWorkflowExecutionInfo().getStatus();
      return new RelatedIncident(incidentId, status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
          status.name().replace("WORKFLOW_EXECUTION_STATUS_", ""));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return new RelatedIncident(incidentId, false, "NOT_FOUND");
      }
      throw e;
    }
  }
}
