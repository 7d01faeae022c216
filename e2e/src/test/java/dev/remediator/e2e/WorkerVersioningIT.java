package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Worker Versioning on the real server, with worker processes of two builds of the Worker Deployment: an incident
 * opened on build A stays pinned to A after build B is promoted; with A's worker stopped it waits ("waiting for build
 * A" in {@code show}), an approval sent meanwhile is held, and a worker of A back finishes it: the leak terminated
 * exactly once, every activity of the incident run by a worker of A. The next incident starts on B and runs there.
 * A drains and {@code versions} says its workers can go.
 */
class WorkerVersioningIT extends Scenario {
  private static final String DEPLOYMENT = "remediator";
  private static final Duration PHASE = Duration.ofSeconds(90);
  /** A stopped worker stays listed as a poller for up to ~70 s (its last long poll). */
  private static final Duration POLLER_GONE = Duration.ofSeconds(150);

  @Test
  @DisplayName("versioning: incident pinned to build A finishes on A (A stopped, back); the next starts on B")
  void pinnedIncidentFinishesOnItsBuild(TestInfo info) throws Exception {
    stack(info, Map.of());
    leak();
    stack.startServer();
    CompletableFuture<Void> receiver = CompletableFuture.runAsync(() -> stack.startReceiver("receiver-1", receiverPort));
    RemediatorProcess a1 = stack.startVersionedWorker("worker-A", DEPLOYMENT, "A");
    receiver.get();
    promote("A");

    fire();
    String plan = awaitPlan();
    String firstRun = runId();
    assertThat(pinnedBuild()).as("the first incident is pinned to A").isEqualTo("A");
    await("A holds the open incident").atMost(PHASE).until(() -> build("A").path("openIncidents").asInt() == 1);

    RemediatorProcess b = stack.startVersionedWorker("worker-B", DEPLOYMENT, "B");
    long promoteMs = promote("B");
    note("build B promoted in " + promoteMs + " ms (Temporal's SetWorkerDeploymentCurrentVersion)");
    JsonNode a = build("A");
    assertThat(a.get("role").asText()).isEqualTo("DRAINING");
    assertThat(a.get("openIncidents").asInt()).isEqualTo(1);
    assertThat(a.get("canShutDown").asBoolean()).isFalse();
    assertThat(pinnedBuild()).as("promoting B does not move the open incident").isEqualTo("A");

    // A's worker goes while its incident awaits approval: the incident waits for build A, B's worker does not take it.
    a1.kill();
    long killed = System.nanoTime();
    RemediatorProcess.Cli[] waiting = new RemediatorProcess.Cli[1];
    await("show says the incident waits for build A").atMost(POLLER_GONE).pollInterval(Duration.ofSeconds(2))
        .until(() -> {
          waiting[0] = stack.cli("show", Stack.INCIDENT, "--timeout", "5");
          return waiting[0].exitCode() == 1 && waiting[0].stderr().contains("waiting for build A");
        });
    assertThat(waiting[0].stderr()).contains("pinned to build A of deployment " + DEPLOYMENT,
        "--deployment-name " + DEPLOYMENT + " --build-id A");
    // `incidents` says it too, decided the same way (PinnedBuilds), from one DescribeTaskQueue for the whole list.
    RemediatorProcess.Cli listed = stack.cli("incidents", "-o", "json");
    assertThat(listed.exitCode()).as(listed.stderr()).isZero();
    JsonNode row = Stack.parse(listed.stdout()).get("incidents").get(0);
    assertThat(row.get("incidentId").asText()).isEqualTo(Stack.INCIDENT);
    assertThat(row.get("build").asText()).isEqualTo("A");
    assertThat(row.get("waitingForBuild").asText()).isEqualTo("A");
    assertThat(stack.cli("incidents").stdout()).contains("waiting for build A");
    note("show said \"waiting for build A\" " + (System.nanoTime() - killed) / 1_000_000_000 + " s after A's worker"
        + " was killed");
    RemediatorProcess.Cli held = stack.approve("alice", plan, 3);
    assertThat(held.exitCode()).as(held.stdout()).isEqualTo(1);
    assertThat(Stack.parse(held.stdout()).get("pending").asBoolean()).isTrue();
    assertThat(db.leakedLeft()).as("B's worker did not act on A's incident").isEqualTo(LEAKED);

    RemediatorProcess a2 = stack.startVersionedWorker("worker-A2", DEPLOYMENT, "A");
    JsonNode report = recoverAndClose(PHASE);
    assertTerminatedExactlyOnce(report, 0);
    assertThat(timelineHas(report, "Plan " + plan + " approved")).isTrue();
    Set<String> firstIdentities = activityWorkers(firstRun);
    assertThat(firstIdentities).as("every activity of the first incident ran on a worker of build A")
        .isNotEmpty().allMatch(id -> id.startsWith(a1.pid() + "@") || id.startsWith(a2.pid() + "@"));
    note("incident 1 (build A): TERMINATE_SESSIONS executed " + actions(report, "TERMINATE_SESSIONS", "EXECUTED")
        .size() + "x, " + report.path("runbook").path("sessionsTerminated").asInt(
            report.path("sessionsTerminated").asInt()) + " sessions; activity workers " + firstIdentities);

    // The next incident for the target starts on the current build, B.
    db.closeApplication();
    leak();
    fire();
    String plan2 = awaitPlan();
    String secondRun = runId();
    assertThat(secondRun).isNotEqualTo(firstRun);
    assertThat(pinnedBuild()).as("the next incident is pinned to B").isEqualTo("B");
    approve(plan2);
    JsonNode report2 = recoverAndClose(PHASE);
    assertTerminatedExactlyOnce(report2, 0);
    Set<String> secondIdentities = activityWorkers(secondRun);
    assertThat(secondIdentities).as("every activity of the second incident ran on B's worker")
        .isNotEmpty().allMatch(id -> id.startsWith(b.pid() + "@"));
    note("incident 2 (build B): TERMINATE_SESSIONS executed " + actions(report2, "TERMINATE_SESSIONS", "EXECUTED")
        .size() + "x; activity workers " + secondIdentities);

    long drain0 = System.nanoTime();
    await("A drained").atMost(PHASE).pollInterval(Duration.ofSeconds(1))
        .until(() -> build("A").path("canShutDown").asBoolean());
    note("A reported drained (workers can be shut down) " + (System.nanoTime() - drain0) / 1_000_000
        + " ms after the second incident closed; A's last incident had closed before it");
    assertThat(build("A").get("drainage").asText()).isEqualTo("DRAINED");
    // No build ever replayed another build's history. (The SDK's deadlock detector may fire once on a cold worker's
    // first workflow task on a loaded machine — class loading past 1 s —; that task is retried: noted, not failed.)
    for (RemediatorProcess p : stack.processes()) {
      if (p.name().startsWith("worker")) {
        assertThat(p.output()).as(p.name() + "'s log").doesNotContain("NonDeterministicException");
        int slow = p.count("PotentialDeadlockException");
        if (slow > 0) {
          note(p.name() + ": " + slow + " workflow task(s) retried after the SDK's 1 s deadlock detector fired");
        }
      }
    }
  }

  /** {@code versions promote BUILD}, once a worker of BUILD is seen polling; returns the call's own milliseconds. */
  private long promote(String buildId) {
    RemediatorProcess.Cli[] r = new RemediatorProcess.Cli[1];
    await("build " + buildId + " promoted").atMost(PHASE).pollInterval(Duration.ofSeconds(1)).until(() -> {
      r[0] = stack.cli("versions", "promote", buildId, "--deployment", DEPLOYMENT, "-o", "json");
      return r[0].exitCode() == 0;
    });
    return Stack.parse(r[0].stdout()).get("millis").asLong();
  }

  private JsonNode build(String buildId) {
    RemediatorProcess.Cli r = stack.cli("versions", "--deployment", DEPLOYMENT, "-o", "json");
    if (r.exitCode() != 0) {
      return Stack.JSON.createObjectNode();
    }
    for (JsonNode v : Stack.parse(r.stdout()).path("versions")) {
      if (v.path("buildId").asText().equals(buildId)) {
        return v;
      }
    }
    return Stack.JSON.createObjectNode();
  }

  private <T> T withService(java.util.function.Function<WorkflowServiceStubs, T> call) {
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(stack.temporalAddress()).build());
    try {
      return call.apply(service);
    } finally {
      service.shutdownNow();
    }
  }

  private String runId() {
    return withService(s -> s.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(Stack.INCIDENT)).build())
        .getWorkflowExecutionInfo().getExecution().getRunId());
  }

  /** The build the incident's current run is pinned to, as Temporal records it. */
  private String pinnedBuild() {
    return withService(s -> s.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(Stack.INCIDENT)).build())
        .getWorkflowExecutionInfo().getVersioningInfo().getDeploymentVersion().getBuildId());
  }

  /** The identities (pid@host) of the workers that started the run's activities, from its history. */
  private Set<String> activityWorkers(String runId) {
    return withService(s -> {
      Set<String> identities = new TreeSet<>();
      com.google.protobuf.ByteString page = com.google.protobuf.ByteString.EMPTY;
      do {
        var response = s.blockingStub().getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
            .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(Stack.INCIDENT)
                .setRunId(runId)).setNextPageToken(page).build());
        for (HistoryEvent e : response.getHistory().getEventsList()) {
          if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
            identities.add(e.getActivityTaskStartedEventAttributes().getIdentity());
          }
        }
        page = response.getNextPageToken();
      } while (!page.isEmpty());
      return identities;
    });
  }
}
