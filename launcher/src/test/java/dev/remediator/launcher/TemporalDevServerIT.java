package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.incident.IncidentSearchAttributes;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TemporalDevServer} against the real {@code temporal server start-dev}: search attributes registered, the UI
 * allowing signals, state that survives a restart, one server per state directory, nothing left running — also when
 * the JVM that started it is killed with SIGKILL.
 */
class TemporalDevServerIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path state;

  @Test
  void persistsOpenWorkflowsAcrossARestartAndStopsCleanly() throws Exception {
    Path cli = Prerequisites.temporalCli();
    String runId;
    ProcessHandle first;
    int firstPort;
    try (TemporalDevServer server = TemporalDevServer.start(cli, state, 0, 0, START)) {
      first = server.process();
      firstPort = port(server.address());
      assertThat(registeredSearchAttributes(server.address()))
          .containsAll(IncidentSearchAttributes.ALL.stream().map(SearchAttributeKey::getName).toList());
      JsonNode settings = uiSettings(server.uiUrl());
      assertThat(settings.get("DisableWriteActions").asBoolean()).as("UI write actions disabled").isFalse();
      assertThat(settings.get("WorkflowSignalDisabled").asBoolean()).as("UI signals disabled").isFalse();

      assertThatThrownBy(() -> TemporalDevServer.start(cli, state, 0, 0, START))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another Temporal dev server");

      // An incident-like workflow no worker polls for: it stays open, and its UI link is printed.
      WorkflowServiceStubs service = stubs(server.address());
      try {
        WorkflowClient client = WorkflowClient.newInstance(service);
        WorkflowStub stub = client.newUntypedWorkflowStub("IncidentWorkflow",
            WorkflowOptions.newBuilder().setWorkflowId("dbpool:test:svc:db").setTaskQueue("nobody-polls").build());
        runId = stub.start("input").getRunId();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (IncidentLinks links =
            new IncidentLinks(client, server, new PrintStream(printed, true, StandardCharsets.UTF_8))) {
          await("the open incident is visible").atMost(Duration.ofSeconds(20)).until(() -> links.printOpen() == 1);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8))
            .contains(server.uiUrl() + "/namespaces/default/workflows/dbpool%3Atest%3Asvc%3Adb/" + runId + "/history");
      } finally {
        service.shutdownNow();
      }
    }
    assertThat(first.isAlive()).isFalse();
    assertThat(listening(firstPort)).as("port of the stopped server").isFalse();

    try (TemporalDevServer again = TemporalDevServer.start(cli, state, 0, 0, START)) {
      WorkflowServiceStubs service = stubs(again.address());
      try {
        var description = WorkflowClient.newInstance(service).newUntypedWorkflowStub("dbpool:test:svc:db").describe();
        assertThat(description.getExecution().getRunId()).isEqualTo(runId);
        assertThat(description.getStatus()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
      } finally {
        service.shutdownNow();
      }
    }
    assertThat(Files.readString(state.resolve(TemporalDevServer.LOG_FILE))).contains("Temporal Server:");
  }

  @Test
  void stopsWhenTheJvmThatStartedItIsKilled() throws Exception {
    Path cli = Prerequisites.temporalCli();
    Process parent =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                Parent.class.getName(), cli.toString(), state.toString())
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.startsWith("ready ")) {
        // the child's logs
      }
      assertThat(line).as("the child JVM started a server").isNotNull();
      int port = Integer.parseInt(line.substring("ready ".length()));
      List<ProcessHandle> server = parent.descendants().toList();
      assertThat(server).as("the watcher and the server").isNotEmpty();
      assertThat(listening(port)).isTrue();

      parent.destroyForcibly(); // SIGKILL: no shutdown hook runs
      parent.waitFor(10, TimeUnit.SECONDS);

      await("the server stops once its parent is gone").atMost(Duration.ofSeconds(30))
          .until(() -> server.stream().noneMatch(ProcessHandle::isAlive) && !listening(port));
    } finally {
      parent.descendants().forEach(ProcessHandle::destroyForcibly);
      parent.destroyForcibly();
    }
  }

  /**
   * Issue 27: a supervised server killed with SIGKILL is started again at once on the same database (the open
   * workflow is the same run), one line each time; past the restart policy it gives up, leaving nothing running.
   */
  @Test
  void aSupervisedServerThatDiesIsRestartedOnTheSameDatabaseUntilThePolicyGivesUp() throws Exception {
    Path cli = Prerequisites.temporalCli();
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(said, true, StandardCharsets.UTF_8);
    AtomicInteger restarted = new AtomicInteger();
    CountDownLatch gaveUp = new CountDownLatch(1);
    try (TemporalDevServer server = TemporalDevServer.start(cli, state, 0, 0, START)) {
      server.superviseRestarts(
          new TemporalDevServer.RestartPolicy(1, Duration.ofMinutes(5), Duration.ofMillis(200)),
          out, restarted::incrementAndGet, gaveUp::countDown);
      String runId;
      WorkflowServiceStubs service = stubs(server.address());
      try {
        runId = WorkflowClient.newInstance(service).newUntypedWorkflowStub("IncidentWorkflow",
                WorkflowOptions.newBuilder().setWorkflowId("dbpool:test:svc:db").setTaskQueue("nobody-polls").build())
            .start("input").getRunId();
      } finally {
        service.shutdownNow();
      }

      ProcessHandle first = temporal(server);
      first.destroyForcibly(); // SIGKILL
      await("restarted").atMost(START).until(() -> restarted.get() == 1);
      assertThat(said.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
          "the Temporal dev server exited (killed by SIGKILL); restarting it on " + server.database()
              + " in 200 ms (restart 1 of at most 1 within 5 min)",
          "the Temporal dev server is back on " + server.address() + " with the same database");
      ProcessHandle second = temporal(server);
      assertThat(second.pid()).isNotEqualTo(first.pid());
      service = stubs(server.address());
      try {
        var description = WorkflowClient.newInstance(service).newUntypedWorkflowStub("dbpool:test:svc:db").describe();
        assertThat(description.getExecution().getRunId()).as("the same run").isEqualTo(runId);
        assertThat(description.getStatus()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
      } finally {
        service.shutdownNow();
      }

      ProcessHandle script = server.process();
      second.destroyForcibly();
      assertThat(gaveUp.await(10, TimeUnit.SECONDS)).as("gave up past 1 restart").isTrue();
      assertThat(said.toString(StandardCharsets.UTF_8).lines().skip(2).toList()).containsExactly(
          "the Temporal dev server exited (killed by SIGKILL) after 1 restart within 5 min; giving up: its log is "
              + state.resolve(TemporalDevServer.LOG_FILE));
      assertThat(restarted.get()).isEqualTo(1);
      assertThat(List.of(first, second, script)).noneMatch(ProcessHandle::isAlive);
    }
  }

  /** The {@code temporal server start-dev} process under the watcher script. */
  private static ProcessHandle temporal(TemporalDevServer server) {
    List<ProcessHandle> found = server.process().descendants()
        .filter(h -> h.info().command().orElse("").endsWith("temporal"))
        .toList();
    assertThat(found).as("the server under the watcher").hasSize(1);
    return found.get(0);
  }

  /** A JVM that starts a dev server, says on which port, and waits to be killed. */
  public static final class Parent {
    public static void main(String[] args) throws Exception {
      TemporalDevServer server = TemporalDevServer.start(Path.of(args[0]), Path.of(args[1]), 0, 0, START);
      System.out.println("ready " + port(server.address()));
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  private static Set<String> registeredSearchAttributes(String address) {
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setTarget(address).validateAndBuildWithDefaults());
    try {
      Map<String, ?> custom = operator.blockingStub()
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace("default").build())
          .getCustomAttributesMap();
      return custom.keySet().stream().collect(Collectors.toSet());
    } finally {
      operator.shutdownNow();
    }
  }

  private static JsonNode uiSettings(String uiUrl) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(uiUrl + "/api/v1/settings")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static WorkflowServiceStubs stubs(String address) {
    return WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
  }

  private static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
