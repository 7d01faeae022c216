package dev.remediator.starter;

import dev.remediator.incident.IncidentWorkflow;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceFutureStub;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DataConverter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What the incident clients share: one {@link WorkflowClient} (one connection to Temporal) and the stubs made from it.
 * {@link AlertDelivery} starts and signals incidents, {@link IncidentControl} sends decisions and reads an incident,
 * {@link IncidentListing} lists the open ones, {@link TemporalDiagnostics} tells what Temporal and its workers do.
 */
public final class IncidentStubs {
  /** The workflow type name of {@link IncidentWorkflow} (the interface's simple name). */
  public static final String WORKFLOW_TYPE = "IncidentWorkflow";

  private final WorkflowClient client;

  public IncidentStubs(WorkflowClient client) {
    this.client = client;
  }

  public WorkflowClient workflowClient() {
    return client;
  }

  String namespace() {
    return client.getOptions().getNamespace();
  }

  DataConverter dataConverter() {
    return client.getOptions().getDataConverter();
  }

  /** The incident's typed stub (its latest run). */
  IncidentWorkflow incident(String incidentId) {
    return client.newWorkflowStub(IncidentWorkflow.class, incidentId);
  }

  /** The incident's untyped stub (its latest run). */
  public WorkflowStub untyped(String incidentId) {
    return client.newUntypedWorkflowStub(incidentId);
  }

  /** The service's blocking stub with a deadline of {@code deadline} from now. */
  WorkflowServiceBlockingStub blocking(Duration deadline) {
    return client.getWorkflowServiceStubs().blockingStub()
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The service's future stub with a deadline of {@code deadline} from now. */
  WorkflowServiceFutureStub future(Duration deadline) {
    return client.getWorkflowServiceStubs().futureStub()
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }
}
