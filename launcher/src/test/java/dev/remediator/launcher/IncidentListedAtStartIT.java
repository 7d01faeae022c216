package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.Alert;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentSearchAttributes;
import dev.remediator.registry.Runbooks;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import dev.remediator.runbook.servicedown.ServiceDownRunbook;
import dev.remediator.starter.AlertDelivery;
import dev.remediator.starter.IncidentListing;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.temporal.TemporalConnection;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.operatorservice.v1.RemoveSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * On the real server ({@code temporal server start-dev}), with NO worker polling: incidents the receiver's delivery
 * started are listed by {@code incidents} at once, with their service, database, severity and phase {@code OPENED}
 * (the start sets their search attributes; nothing waits for a first workflow task) — both runbooks, a Service Down
 * target without a database among them.
 */
class IncidentListedAtStartIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path state;

  @Test
  void incidentsAreListedBeforeAnyWorkerRunsThem() throws Exception {
    RemediatorConfig config = ConfigLoader.parse("""
        taskQueue: nobody-polls
        targets:
          - service: auth-service
            namespace: prod
            database: authdb
            postgres: {url: "jdbc:postgresql://127.0.0.1:1/authdb", user: remediator, applicationRoles: [app]}
          - service: billing-service
            namespace: prod
            database: billingdb
            postgres: {url: "jdbc:postgresql://127.0.0.1:1/billingdb", user: remediator, applicationRoles: [app]}
          - service: web
            namespace: prod
            kubernetes: {deployment: web}
            endpoints: {health: "http://127.0.0.1:1/health"}
        """, "test configuration");
    Path cli = Prerequisites.temporalCli();
    try (TemporalDevServer server = TemporalDevServer.start(cli, state, 0, 0, Duration.ofSeconds(90));
        TemporalConnection temporal = TemporalConnection.connect(server.address())) {
      AlertDelivery delivery = new AlertDelivery(new IncidentStubs(temporal.client()), config);
      Map<String, String> severityById = new HashMap<>();
      deliver(delivery, severityById, target(config, "auth-service"), DbPoolRunbook.CRITICAL, "critical");
      deliver(delivery, severityById, target(config, "billing-service"), DbPoolRunbook.HIGH, "warning");
      deliver(delivery, severityById, target(config, "web"), ServiceDownRunbook.SERVICE_DOWN, "critical");

      // Visibility is eventually consistent (a second or so on start-dev): the listing, awaited with a deadline.
      JsonNode listing = await("incidents lists the 3 incidents no worker has run").atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> incidents(server.address()), l -> l.get("incidents").size() == 3);
      assertThat(listing.get("total").asLong()).isEqualTo(3);
      for (JsonNode row : listing.get("incidents")) {
        String id = row.get("incidentId").asText();
        assertThat(severityById).containsKey(id);
        assertThat(row.get("phase").asText()).as(id).isEqualTo(IncidentPhase.OPENED.name());
        assertThat(row.get("severity").asText()).as(id).isEqualTo(severityById.get(id));
        assertThat(row.get("namespace").asText()).as(id).isEqualTo("prod");
        assertThat(row.get("awaitingApproval").asBoolean()).as(id).isFalse();
        String service = id.split(":")[2];
        assertThat(row.get("service").asText()).as(id).isEqualTo(service);
        String database = row.path("database").asText("");
        assertThat(database).as(id).isEqualTo(id.startsWith("dbpool:") ? service.replace("-service", "db") : "");
      }
      // The same in the operator's table.
      String table = run(server.address(), "incidents");
      assertThat(table).contains("servicedown:prod:web").contains("OPENED").contains("critical").contains("warning");

      // show and approve on such an incident: no worker has ever polled its task queue, and they say so.
      String auth = "dbpool:prod:auth-service:authdb";
      for (String[] verb : List.of(new String[] {"show", auth}, new String[] {"approve", auth, "--by", "alice"})) {
        Result r = execute(server.address(), verb[0], List.of(verb).subList(1, verb.length)
            .toArray(String[]::new), "--timeout", "3");
        assertThat(r.exit()).as(verb[0] + ": " + r.err()).isEqualTo(1);
        assertThat(r.err()).as(verb[0]).contains("worker reconnecting")
            .contains("no worker is polling task queue nobody-polls").doesNotContain("not reachable");
      }
      // approve of a named plan is handed to Temporal, which holds it for a worker: not confirmed, exit 1.
      Result held = execute(server.address(), "approve", new String[] {auth, "--by", "alice", "--plan", "p-1"},
          "--timeout", "2");
      assertThat(held.exit()).as(held.err()).isEqualTo(1);
      assertThat(held.err()).contains("not confirmed within 2 s: no worker answered for " + auth);
      // and of an incident that does not exist: exit 4.
      Result none = execute(server.address(), "approve", new String[] {"dbpool:prod:nope:db", "--by", "alice"});
      assertThat(none.exit()).as(none.err()).isEqualTo(4);
      assertThat(none.err()).contains("no open incident dbpool:prod:nope:db");
      // and of one that has closed: the server itself says so, to the query (approve) and to the update (ack).
      String billing = "dbpool:prod:billing-service:billingdb";
      temporal.client().newUntypedWorkflowStub(billing).terminate("test");
      for (String[] verb : List.of(new String[] {"approve", billing, "--by", "alice"},
          new String[] {"ack", billing, "--by", "alice"})) {
        Result closed = execute(server.address(), verb[0], List.of(verb).subList(1, verb.length)
            .toArray(String[]::new), "--timeout", "5");
        assertThat(closed.exit()).as(verb[0] + ": " + closed.err()).isEqualTo(4);
        assertThat(closed.err()).as(verb[0]).contains("no open incident " + billing);
      }
    }
  }

  record Result(int exit, String out, String err) {}

  /**
   * A receiver up before any worker registered the search attributes: Temporal refuses a start that sets unknown ones
   * (INVALID_ARGUMENT, "no mapping defined for search attribute"), so the start is sent again without them, and the
   * incident exists all the same (its workflow sets them once a worker has registered them and runs it).
   */
  @Test
  void aStartIsNotLostWhereTheAttributesAreNotRegistered() throws Exception {
    RemediatorConfig config = ConfigLoader.parse("""
        taskQueue: nobody-polls
        targets:
          - service: auth-service
            namespace: prod
            database: authdb
            postgres: {url: "jdbc:postgresql://127.0.0.1:1/authdb", user: remediator, applicationRoles: [app]}
        """, "test configuration");
    Path cli = Prerequisites.temporalCli();
    try (TemporalDevServer server = TemporalDevServer.start(cli, state, 0, 0, Duration.ofSeconds(90));
        TemporalConnection temporal = TemporalConnection.connect(server.address())) {
      OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
          OperatorServiceStubsOptions.newBuilder().setTarget(server.address()).validateAndBuildWithDefaults());
      try {
        operator.blockingStub().removeSearchAttributes(RemoveSearchAttributesRequest.newBuilder()
            .setNamespace(TemporalDevServer.NAMESPACE)
            .addAllSearchAttributes(IncidentSearchAttributes.ALL.stream().map(k -> k.getName()).toList())
            .build());
      } finally {
        operator.shutdownNow();
      }
      AlertDelivery delivery = new AlertDelivery(new IncidentStubs(temporal.client()), config);
      Alert alert = new Alert(DbPoolRunbook.CRITICAL, "critical", "firing", "fp-1", "2026-12-06T00:00:00Z", "pool");

      assertThat(delivery.deliver(config.targets().get(0), alert)).isEqualTo(AlertDelivery.Delivery.STARTED);

      var started = temporal.client().newUntypedWorkflowStub("dbpool:prod:auth-service:authdb").describe();
      assertThat(started.getStatus()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    }
  }

  private static TargetConfig target(RemediatorConfig config, String service) {
    return config.targets().stream().filter(t -> t.service().equals(service)).findFirst().orElseThrow();
  }

  private static void deliver(AlertDelivery delivery, Map<String, String> severityById, TargetConfig target,
      String alertName, String severity) {
    Alert alert = new Alert(alertName, severity, "firing", "fp-" + target.service(), "2026-12-06T00:00:00Z",
        alertName + " on " + target.service());
    assertThat(delivery.deliver(target, alert)).isEqualTo(AlertDelivery.Delivery.STARTED);
    severityById.put(Runbooks.forAlert(alertName).orElseThrow().incidentId(target.target()), severity);
  }

  private static JsonNode incidents(String address) throws Exception {
    return JSON.readTree(run(address, "incidents", "-o", "json"));
  }

  /** The operator verb as {@code ./remediator VERB} runs it (the same command class), in this JVM; exit 0. */
  private static String run(String address, String verb, String... args) {
    Result r = execute(address, verb, args);
    assertThat(r.exit()).as("exit of %s: %s", verb, r.err()).isZero();
    return r.out();
  }

  private static Result execute(String address, String verb, String[] args, String... more) {
    CommandLine command = Remediator.operatorVerb(verb);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    command.setOut(new PrintWriter(out));
    command.setErr(new PrintWriter(err));
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of(more));
    all.addAll(List.of("--address", address));
    int exit = command.execute(all.toArray(String[]::new));
    return new Result(exit, out.toString(), err.toString());
  }
}
