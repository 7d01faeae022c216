package dev.remediator.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incident.IncidentSearchAttributes;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.common.SearchAttributes;
import io.temporal.internal.common.SearchAttributesUtil;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The two listing paths the embedded server cannot exercise: a cluster's visibility query, and the last-resort
 * describe of configured targets. The Temporal frontend is played by an in-process gRPC service that answers only what
 * the case needs (UNIMPLEMENTED for everything else, as the embedded server does for List).
 */
class IncidentListingTest {
  static final String AUTH = "dbpool:prod:auth-service:authdb";
  static final String BILLING = "dbpool:prod:billing-service:billingdb";

  static WorkflowExecutionInfo execution(String id, Instant started, SearchAttributes sa) {
    WorkflowExecutionInfo.Builder b =
        WorkflowExecutionInfo.newBuilder()
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id).setRunId("run-" + id.hashCode()))
            .setType(WorkflowType.newBuilder().setName(IncidentStubs.WORKFLOW_TYPE))
            .setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)
            .setStartTime(Timestamp.newBuilder().setSeconds(started.getEpochSecond()));
    if (sa != null) {
      b.setSearchAttributes(SearchAttributesUtil.encodeTyped(sa));
    }
    return b.build();
  }

  /** A frontend answering GetSystemInfo (every SDK asks it first) and UNIMPLEMENTED for all else unless overridden. */
  abstract static class Frontend extends WorkflowServiceGrpc.WorkflowServiceImplBase {
    @Override
    public void getSystemInfo(GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> answer) {
      answer.onNext(GetSystemInfoResponse.getDefaultInstance());
      answer.onCompleted();
    }
  }

  static IncidentListing client(WorkflowServiceGrpc.WorkflowServiceImplBase frontend) {
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newInstance(frontend, WorkflowServiceStubsOptions.newBuilder().build());
    return new IncidentListing(new IncidentStubs(WorkflowClient.newInstance(stubs)));
  }

  @Test
  void onAClusterTheVisibilityQueryListsByTheSearchAttributes() {
    List<String> queries = new CopyOnWriteArrayList<>();
    Instant older = Instant.parse("2026-11-26T17:00:00Z");
    Instant newer = Instant.parse("2026-11-26T17:20:00Z");
    IncidentListing incidents =
        client(
            new Frontend() {
              @Override
              public void listWorkflowExecutions(
                  ListWorkflowExecutionsRequest request, StreamObserver<ListWorkflowExecutionsResponse> answer) {
                queries.add(request.getQuery());
                answer.onNext(
                    ListWorkflowExecutionsResponse.newBuilder()
                        .addExecutions(execution(AUTH, older, attributes("auth-service", "critical", "ACTING")))
                        .addExecutions(
                            execution(BILLING, newer, attributes("billing-service", "warning", "AWAITING_APPROVAL")))
                        .build());
                answer.onCompleted();
              }
            });

    IncidentListing.Listing listing = incidents.openIncidents(null);

    assertThat(queries).containsExactly("ExecutionStatus=\"Running\" AND RemediatorService IS NOT NULL");
    assertThat(listing.source()).isEqualTo(IncidentListing.ListingSource.VISIBILITY_QUERY);
    assertThat(listing.incidents()).extracting(IncidentListing.OpenIncident::incidentId).containsExactly(BILLING, AUTH);
    IncidentListing.OpenIncident billing = listing.incidents().get(0);
    assertThat(billing.service()).isEqualTo("billing-service");
    assertThat(billing.severity()).isEqualTo("warning");
    assertThat(billing.phase()).isEqualTo("AWAITING_APPROVAL");
    assertThat(billing.startTime()).isEqualTo(newer);
  }

  @Test
  void withALimitTheNewestRowsAreReadAndTheTotalsCounted() {
    List<String> counted = new CopyOnWriteArrayList<>();
    List<Integer> pageSizes = new CopyOnWriteArrayList<>();
    Instant t0 = Instant.parse("2026-11-26T17:00:00Z");
    IncidentListing incidents =
        client(
            new Frontend() {
              @Override
              public void listWorkflowExecutions(
                  ListWorkflowExecutionsRequest request, StreamObserver<ListWorkflowExecutionsResponse> answer) {
                pageSizes.add(request.getPageSize());
                // The server orders newest first and returns at most a page.
                ListWorkflowExecutionsResponse.Builder page = ListWorkflowExecutionsResponse.newBuilder();
                for (int i = 0; i < Math.min(3, request.getPageSize()); i++) {
                  page.addExecutions(execution("dbpool:prod:svc-" + i + ":db", t0.minusSeconds(60L * i),
                      attributes("svc-" + i, "critical", i == 0 ? "AWAITING_APPROVAL" : "ACTING")));
                }
                answer.onNext(page.setNextPageToken(com.google.protobuf.ByteString.copyFromUtf8("more")).build());
                answer.onCompleted();
              }

              @Override
              public void countWorkflowExecutions(
                  CountWorkflowExecutionsRequest request, StreamObserver<CountWorkflowExecutionsResponse> answer) {
                counted.add(request.getQuery());
                answer.onNext(CountWorkflowExecutionsResponse.newBuilder()
                    .setCount(request.getQuery().contains("AWAITING_APPROVAL") ? 412 : 1000).build());
                answer.onCompleted();
              }
            });

    IncidentListing.Listing listing = incidents.openIncidents(null, java.time.Duration.ofSeconds(10), 2);

    assertThat(pageSizes).as("one page of the limit, not the next").containsExactly(2);
    assertThat(listing.incidents()).extracting(IncidentListing.OpenIncident::service).containsExactly("svc-0", "svc-1");
    assertThat(counted).containsExactlyInAnyOrder(
        "ExecutionStatus=\"Running\" AND RemediatorService IS NOT NULL",
        "ExecutionStatus=\"Running\" AND RemediatorService IS NOT NULL AND RemediatorPhase=\"AWAITING_APPROVAL\"");
    assertThat(listing.total()).isEqualTo(1000);
    assertThat(listing.awaitingApproval()).isEqualTo(412);
    assertThat(listing.truncated()).isTrue();
    assertThat(dev.remediator.starter.cli.IncidentsCommandAccess.table(listing))
        .contains("Newest 2 of 1000 open incidents (412 awaiting approval)");
  }

  @Test
  void aServerThatListsButCannotCountGivesTheRowsWithTotalsUnknown() {
    Instant t0 = Instant.parse("2026-11-26T17:00:00Z");
    IncidentListing incidents =
        client(
            new Frontend() { // countWorkflowExecutions: UNIMPLEMENTED, the base class's answer
              @Override
              public void listWorkflowExecutions(
                  ListWorkflowExecutionsRequest request, StreamObserver<ListWorkflowExecutionsResponse> answer) {
                ListWorkflowExecutionsResponse.Builder page = ListWorkflowExecutionsResponse.newBuilder();
                for (int i = 0; i < request.getPageSize(); i++) {
                  page.addExecutions(execution("dbpool:prod:svc-" + i + ":db", t0.minusSeconds(i),
                      attributes("svc-" + i, "warning", "ACTING")));
                }
                answer.onNext(page.build());
                answer.onCompleted();
              }
            });

    IncidentListing.Listing full = incidents.openIncidents(null, java.time.Duration.ofSeconds(10), 2);

    assertThat(full.incidents()).hasSize(2);
    assertThat(full.total()).isEqualTo(IncidentListing.Listing.UNKNOWN);
    assertThat(full.truncated()).isTrue();
    assertThat(dev.remediator.starter.cli.IncidentsCommandAccess.table(full))
        .contains("Newest 2 open incidents; this Temporal server cannot count them: --all lists every one.");
  }

  static SearchAttributes attributes(String service, String severity, String phase) {
    return SearchAttributes.newBuilder()
        .set(IncidentSearchAttributes.NAMESPACE, "prod")
        .set(IncidentSearchAttributes.SERVICE, service)
        .set(IncidentSearchAttributes.SEVERITY, severity)
        .set(IncidentSearchAttributes.PHASE, phase)
        .build();
  }

  @Test
  void withoutAnyListApiEachConfiguredTargetIsDescribed() {
    List<String> described = new CopyOnWriteArrayList<>();
    Instant started = Instant.parse("2026-11-26T17:27:15Z");
    IncidentListing incidents =
        client(
            new Frontend() {
              @Override
              public void describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest request,
                  StreamObserver<DescribeWorkflowExecutionResponse> answer) {
                String id = request.getExecution().getWorkflowId();
                described.add(id);
                if (id.equals(AUTH)) {
                  answer.onNext(
                      DescribeWorkflowExecutionResponse.newBuilder()
                          .setWorkflowExecutionInfo(execution(AUTH, started, null))
                          .build());
                  answer.onCompleted();
                } else {
                  answer.onError(Status.NOT_FOUND.withDescription("workflow not found").asRuntimeException());
                }
              }
            });
    RemediatorConfig config =
        ConfigLoader.parse(
            IntakeFixture.configYaml(Path.of("/nonexistent")).replaceAll("(?m)^  (tokenFile|apiTokens).*\\n", "")
                .replaceAll("(?m)^    - identity.*\\n|^      tokenFile.*\\n", ""),
            "test");

    IncidentListing.Listing listing = incidents.openIncidents(config);

    assertThat(listing.source()).isEqualTo(IncidentListing.ListingSource.CONFIGURED_TARGETS);
    assertThat(described).contains(AUTH, BILLING, "dbpool:prod:orders-service:ordersdb");
    assertThat(listing.incidents()).hasSize(1);
    IncidentListing.OpenIncident auth = listing.incidents().get(0);
    assertThat(auth.incidentId()).isEqualTo(AUTH);
    assertThat(auth.service()).isEqualTo("auth-service");
    assertThat(auth.startTime()).isEqualTo(started);

    assertThatThrownBy(() -> incidents.openIncidents(null))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("pass --config");
  }
}
