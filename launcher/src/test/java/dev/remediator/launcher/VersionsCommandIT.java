package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.config.ConfigTemplate;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.IncidentSearchAttributes;
import dev.remediator.starter.cli.ExitCodes;
import dev.remediator.worker.RemediatorWorker;
import dev.remediator.worker.WorkerTuning;
import dev.remediator.worker.WorkerVersioning;
import com.google.protobuf.FieldMask;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.VersioningOverride;
import io.temporal.api.workflow.v1.WorkflowExecutionOptions;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionOptionsRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code remediator versions}, {@code promote} and {@code rollback} against the real {@code temporal server start-dev}
 * and real versioned workers (the product's {@link RemediatorWorker} with {@link WorkerVersioning}): the refusals
 * (a build no worker ever polled, a rollback with nothing before it), a ramp and its rollback, a promotion that leaves
 * the open incident pinned to the old build (counted there, DRAINING, not to be shut down) while a new one starts on
 * the new build, another moved to the new build on purpose (the emergency override), the old build DRAINED once its
 * incident closed, and the rollback to it.
 */
class VersionsCommandIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DEPLOYMENT = "remediator-it";

  @TempDir Path state;

  /** An incident stand-in: carries the incidents' search attribute and waits for a signal. */
  @WorkflowInterface
  public interface Waits {
    @WorkflowMethod(name = "VersionsItWaits")
    String run();

    @SignalMethod
    void go();
  }

  public static class WaitsImpl implements Waits {
    private boolean go;

    @Override
    public String run() {
      Workflow.await(() -> go);
      return "done";
    }

    @Override
    public void go() {
      go = true;
    }
  }

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  @Test
  void listsPromotesRampsRollsBackAndRefusesWhatIsUnsafe() throws Exception {
    Path cli = Prerequisites.temporalCli();
    List<WorkerFactory> workers = new ArrayList<>();
    try (TemporalDevServer server = TemporalDevServer.start(cli, state, 0, 0, START)) {
      String address = server.address();
      WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
      WorkflowClient client = WorkflowClient.newInstance(service);
      RemediatorConfig config = ConfigLoader.parse(ConfigTemplate.text(), "template");
      String queue = config.taskQueueOrDefault();
      try {
        Run none = verb(address, "versions");
        assertThat(none.exit()).as(none.err()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(none.err()).contains("no Worker Deployment " + DEPLOYMENT, "--deployment-name " + DEPLOYMENT);

        workers.add(worker(client, config, "A"));
        await("build A polls").atMost(Duration.ofSeconds(60)).until(() -> pollers(address, "A") == 1);

        Run never = verb(address, "versions", "promote", "C");
        assertThat(never.exit()).as(never.err()).isEqualTo(ExitCodes.REFUSED);
        assertThat(never.err()).contains("no worker of build C has ever polled deployment " + DEPLOYMENT);
        Run nothingToRollBack = verb(address, "versions", "rollback");
        assertThat(nothingToRollBack.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(nothingToRollBack.err()).contains("has no current build");
        Run badRamp = verb(address, "versions", "promote", "A", "--ramp", "150%");
        assertThat(badRamp.exit()).isEqualTo(ExitCodes.USAGE);

        Run promoteA = verb(address, "versions", "promote", "A", "-o", "json");
        assertThat(promoteA.exit()).as(promoteA.out()).isZero();
        System.out.println("promote A: " + promoteA.json().get("millis") + " ms");
        assertThat(current(address)).isEqualTo("A");
        Run first = verb(address, "versions", "rollback");
        assertThat(first.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(first.err()).contains("no previous build to roll back to: A is the first build");

        WorkflowStub pinnedToA = start(client, queue, "it-incident-a");
        await("the incident runs on build A").atMost(Duration.ofSeconds(30))
            .until(() -> version(service, "it-incident-a").equals("A"));
        await("A holds one open incident").atMost(Duration.ofSeconds(30))
            .until(() -> build(address, "A").get("openIncidents").asInt() == 1);

        workers.add(worker(client, config, "B"));
        await("build B polls").atMost(Duration.ofSeconds(60)).until(() -> pollers(address, "B") == 1);

        WorkflowStub moved = start(client, queue, "it-incident-moved");
        await("the second incident runs on build A").atMost(Duration.ofSeconds(30))
            .until(() -> version(service, "it-incident-moved").equals("A"));

        Run ramp = verb(address, "versions", "promote", "B", "--ramp", "30%");
        assertThat(ramp.exit()).as(ramp.err()).isZero();
        assertThat(ramp.out()).contains("Ramping build B", "30% of new incidents");
        JsonNode ramping = versions(address);
        assertThat(ramping.get("rampingBuildId").asText()).isEqualTo("B");
        assertThat(ramping.get("rampPercentage").asDouble()).isEqualTo(30.0);
        Run stopRamp = verb(address, "versions", "rollback");
        assertThat(stopRamp.exit()).as(stopRamp.err()).isZero();
        assertThat(stopRamp.out()).contains("Ramp of build B stopped");
        assertThat(versions(address).get("rampingBuildId").isNull()).isTrue();

        Run promoteB = verb(address, "versions", "promote", "B", "-o", "json");
        assertThat(promoteB.exit()).as(promoteB.out()).isZero();
        assertThat(promoteB.json().get("previousBuildId").asText()).isEqualTo("A");
        System.out.println("promote B: " + promoteB.json().get("millis") + " ms");
        WorkflowStub onB = start(client, queue, "it-incident-b");
        await("the new incident runs on build B").atMost(Duration.ofSeconds(30))
            .until(() -> version(service, "it-incident-b").equals("B"));
        assertThat(version(service, "it-incident-a")).as("the open incident stays pinned to A").isEqualTo("A");
        JsonNode a = build(address, "A");
        assertThat(a.get("role").asText()).isEqualTo("DRAINING");
        assertThat(a.get("openIncidents").asInt()).isEqualTo(2);
        assertThat(a.get("canShutDown").asBoolean()).isFalse();
        // `incidents` shows each incident's build; none waits (A's worker polls).
        JsonNode listed = incidents(address);
        assertThat(listed.get("incidents")).hasSize(3);
        for (JsonNode row : listed.get("incidents")) {
          String id = row.get("incidentId").asText();
          assertThat(row.get("build").asText()).as(id).isEqualTo(id.equals("it-incident-b") ? "B" : "A");
          assertThat(row.get("waitingForBuild").isNull()).as(id).isTrue();
        }
        Run table = incidentsTable(address);
        assertThat(table.out()).containsPattern("(?m)^ID .* BUILD +PENDING APPROVAL$")
            .containsPattern("(?m)^it-incident-b .* B +no$").containsPattern("(?m)^it-incident-a .* A +no$");

        // The emergency path (README): one pinned incident moved to B on purpose, by a versioning override.
        service.blockingStub().updateWorkflowExecutionOptions(UpdateWorkflowExecutionOptionsRequest.newBuilder()
            .setNamespace("default")
            .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("it-incident-moved"))
            .setWorkflowExecutionOptions(WorkflowExecutionOptions.newBuilder().setVersioningOverride(
                VersioningOverride.newBuilder().setPinned(VersioningOverride.PinnedOverride.newBuilder()
                    .setBehavior(VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED)
                    .setVersion(io.temporal.api.deployment.v1.WorkerDeploymentVersion.newBuilder()
                        .setDeploymentName(DEPLOYMENT).setBuildId("B")))))
            .setUpdateMask(FieldMask.newBuilder().addPaths("versioning_override"))
            .build());
        moved.signal("go");
        assertThat(moved.getResult(30, TimeUnit.SECONDS, String.class)).isEqualTo("done");
        assertThat(version(service, "it-incident-moved")).as("moved to B on purpose, finished there").isEqualTo("B");
        assertThat(version(service, "it-incident-a")).as("the other one stays on A").isEqualTo("A");
        await("A holds one open incident again").atMost(Duration.ofSeconds(30))
            .until(() -> build(address, "A").get("openIncidents").asInt() == 1);
        Run text = verb(address, "versions");
        assertThat(text.out()).contains("Deployment " + DEPLOYMENT + ": current B")
            .containsPattern("(?m)^A +draining +1 +1 .*no: 1 open incident\\(s\\) pinned to it$");

        long drain0 = System.nanoTime();
        pinnedToA.signal("go");
        assertThat(pinnedToA.getResult(30, TimeUnit.SECONDS, String.class)).isEqualTo("done");
        await("A drained").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .until(() -> "DRAINED".equals(build(address, "A").path("drainage").asText()));
        System.out.println("A drained " + (System.nanoTime() - drain0) / 1_000_000 + " ms after its last incident"
            + " was signalled to close");
        JsonNode drained = build(address, "A");
        assertThat(drained.get("openIncidents").asInt()).isZero();
        assertThat(drained.get("canShutDown").asBoolean()).isTrue();
        assertThat(drained.get("shutDownReason").asText()).contains("yes: drained");

        Run back = verb(address, "versions", "rollback");
        assertThat(back.exit()).as(back.err()).isZero();
        assertThat(back.out()).contains("Rolled back deployment " + DEPLOYMENT + " to build A (from B)");
        assertThat(current(address)).isEqualTo("A");
        assertThat(version(service, "it-incident-b")).as("B's incident stays on B").isEqualTo("B");
        onB.signal("go");
        assertThat(onB.getResult(30, TimeUnit.SECONDS, String.class)).isEqualTo("done");
      } finally {
        workers.forEach(WorkerFactory::shutdownNow);
        workers.forEach(w -> w.awaitTermination(10, TimeUnit.SECONDS));
        service.shutdownNow();
      }
    }
  }

  private static WorkerFactory worker(WorkflowClient client, RemediatorConfig config, String build) {
    WorkerFactory factory = RemediatorWorker.create(client, config, false, WorkerTuning.DEFAULT,
        new WorkerVersioning(DEPLOYMENT, build, "test"));
    factory.getWorker(config.taskQueueOrDefault()).registerWorkflowImplementationTypes(WaitsImpl.class);
    factory.start();
    return factory;
  }

  private static WorkflowStub start(WorkflowClient client, String queue, String id) {
    WorkflowStub stub = client.newUntypedWorkflowStub("VersionsItWaits", WorkflowOptions.newBuilder()
        .setWorkflowId(id).setTaskQueue(queue)
        .setTypedSearchAttributes(SearchAttributes.newBuilder().set(IncidentSearchAttributes.SERVICE, "svc").build())
        .build());
    stub.start();
    return stub;
  }

  /** The build the workflow is pinned to, as Temporal records it ("" before its first workflow task). */
  private static String version(WorkflowServiceStubs service, String id) {
    var info = service.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build())
        .getWorkflowExecutionInfo().getVersioningInfo();
    return info.getDeploymentVersion().getBuildId();
  }

  private static Run verb(String address, String... args) {
    CommandLine verb = Remediator.operatorVerb(args[0]);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    verb.setOut(new PrintWriter(out, true));
    verb.setErr(new PrintWriter(err, true));
    List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
    rest.addAll(List.of("--address", address, "--deployment", DEPLOYMENT));
    int exit = verb.execute(rest.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  /** {@code incidents -o json} (the verb takes no --deployment). */
  private static JsonNode incidents(String address) throws Exception {
    Run r = incidentsTable(address, "-o", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    return r.json();
  }

  private static Run incidentsTable(String address, String... more) {
    CommandLine verb = Remediator.operatorVerb("incidents");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    verb.setOut(new PrintWriter(out, true));
    verb.setErr(new PrintWriter(err, true));
    List<String> args = new ArrayList<>(List.of("--address", address));
    args.addAll(List.of(more));
    return new Run(verb.execute(args.toArray(String[]::new)), out.toString(), err.toString());
  }

  private static JsonNode versions(String address) throws Exception {
    Run r = verb(address, "versions", "-o", "json");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    return r.json();
  }

  private static String current(String address) throws Exception {
    return versions(address).path("currentBuildId").asText();
  }

  private static JsonNode build(String address, String buildId) throws Exception {
    for (JsonNode v : versions(address).get("versions")) {
      if (v.get("buildId").asText().equals(buildId)) {
        return v;
      }
    }
    return JSON.createObjectNode();
  }

  private static int pollers(String address, String buildId) {
    Run r = verb(address, "versions", "-o", "json");
    if (r.exit() != 0) {
      return 0;
    }
    try {
      return build(address, buildId).path("pollers").asInt();
    } catch (Exception e) {
      return 0;
    }
  }
}
