package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.remediator.incident.IncidentSearchAttributes;
import dev.remediator.starter.IncidentListing;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.temporal.TemporalConnection;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The operator CLI against the real server with no worker running: {@code incidents} lists 1 and then 1,000 open
 * incidents from the visibility store alone (a per-incident query would need a worker and could not finish), and
 * {@code show} says "no worker is polling" while the server answers and "not reachable" once it is gone. The
 * incidents are trivial: started by the client with their search attributes, never run by a worker.
 */
class OperatorCliIT extends Scenario {
  private static final String[] PHASES = {"AWAITING_APPROVAL", "ACTING", "VERIFYING", "ESCALATED"};

  @Test
  @DisplayName("incidents at 1 and 1,000 open incidents, no worker; show: no worker polling vs unreachable")
  void incidentsAndShowWithoutAWorker(TestInfo info) throws Exception {
    stack(info, Map.of());
    // Not a durability test: SQLite may skip its fsyncs (WAL, synchronous=OFF) so that the 1,000 starts take a third
    // of the time. Listing is a read; these pragmas do not change it.
    stack.serverOptions = List.of("--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=OFF");
    RemediatorProcess server = stack.startServer();
    try (TemporalConnection temporal = TemporalConnection.connect(stack.temporalAddress())) {
      IncidentListing incidents = new IncidentListing(new IncidentStubs(temporal.client()));
      start(temporal, 0, 1);
      awaitVisible(temporal, 1);
      JsonNode one = timedListing(incidents, server, 1);
      JsonNode row = one.get("incidents").get(0);
      assertThat(row.get("incidentId").asText()).isEqualTo(id(0));
      assertThat(row.get("service").asText()).isEqualTo("svc-0000");
      assertThat(row.get("severity").asText()).isEqualTo("critical");
      assertThat(row.get("phase").asText()).isEqualTo("AWAITING_APPROVAL");
      assertThat(row.get("awaitingApproval").asBoolean()).as("pending approval, from the phase").isTrue();

      long t0 = System.nanoTime();
      start(temporal, 1, 1000);
      note(String.format(Locale.ROOT, "999 incidents started in %.1f s", (System.nanoTime() - t0) / 1e9));
      awaitVisible(temporal, 1000);
      JsonNode thousand = timedListing(incidents, server, 1000);
      Map<String, Integer> phases = new HashMap<>();
      int awaiting = 0;
      for (JsonNode r : thousand.get("incidents")) {
        assertThat(r.get("service").asText()).startsWith("svc-");
        assertThat(r.get("severity").asText()).isIn("critical", "warning");
        phases.merge(r.get("phase").asText(), 1, Integer::sum);
        awaiting += r.get("awaitingApproval").asBoolean() ? 1 : 0;
      }
      assertThat(phases).containsEntry("AWAITING_APPROVAL", 250).containsEntry("ACTING", 250)
          .containsEntry("VERIFYING", 250).containsEntry("ESCALATED", 250);
      assertThat(awaiting).isEqualTo(250);
      // Newest first.
      assertThat(thousand.at("/incidents/0/startTime").asText())
          .isGreaterThanOrEqualTo(thousand.at("/incidents/999/startTime").asText());
    }

    // show: the server answers, nobody polls the task queue.
    RemediatorProcess.Cli noWorker = stack.cli("show", id(0), "--timeout", "5");
    note("show with no worker: exit " + noWorker.exitCode() + ", " + noWorker.stderr().strip());
    assertThat(noWorker.exitCode()).isEqualTo(1);
    assertThat(noWorker.stderr()).contains("no worker is polling task queue remediator")
        .doesNotContain("not reachable");
    // Over Temporal's HTTP API (TEMPORAL_HTTP_ADDRESS): no worker to answer, the gRPC path tells why, as above; an
    // unknown incident, as over gRPC; an HTTP address where nothing listens, a clear error.
    RemediatorProcess.Cli noWorkerHttp = stack.cliOverHttp("show", id(0), "--timeout", "5");
    assertThat(noWorkerHttp.exitCode()).isEqualTo(1);
    assertThat(noWorkerHttp.stderr()).contains("no worker is polling task queue remediator");
    RemediatorProcess.Cli unknownHttp = stack.cliOverHttp("show", "dbpool:nope:nope", "-o", "json", "--timeout", "5");
    RemediatorProcess.Cli unknownGrpc = stack.cli("show", "dbpool:nope:nope", "-o", "json", "--timeout", "5");
    assertThat(unknownHttp.exitCode()).isEqualTo(4);
    assertThat(unknownHttp.stdout()).contains("no incident dbpool:nope:nope").isEqualTo(unknownGrpc.stdout());
    String nobody = "127.0.0.1:" + dev.remediator.launcher.FreePorts.next();
    RemediatorProcess.Cli unreachableHttp = stack.cliOverHttpAt(nobody, "approve", id(0), "--by", "alice", "--timeout",
        "5");
    assertThat(unreachableHttp.exitCode()).isEqualTo(1);
    assertThat(unreachableHttp.stderr())
        .contains("Temporal's HTTP API is not reachable at " + nobody + " (TEMPORAL_HTTP_ADDRESS; connection refused)");
    // show: the server is gone.
    server.kill();
    RemediatorProcess.Cli down = stack.cli("show", id(0), "--timeout", "5");
    assertThat(down.exitCode()).isEqualTo(1);
    assertThat(down.stderr()).contains("Temporal is not reachable").doesNotContain("no worker");
  }

  /** {@code remediator incidents -o json} as an operator runs it (its own JVM), timed; and the listing in-process. */
  private JsonNode timedListing(IncidentListing incidents, RemediatorProcess server, int expected) {
    incidents.openIncidents(null, Duration.ofSeconds(10)); // warm: the first call of a JVM loads classes
    long cpu0 = cpuMillis(server.pid());
    long t0 = System.nanoTime();
    IncidentListing.Listing inProcess = incidents.openIncidents(null, Duration.ofSeconds(10));
    double listMs = (System.nanoTime() - t0) / 1e6;
    long serverCpuMs = cpuMillis(server.pid()) - cpu0;
    assertThat(inProcess.incidents()).hasSize(expected);
    long t1 = System.nanoTime();
    // A generous ceiling: what is measured is how long it takes, on a machine that may be very busy.
    RemediatorProcess.Cli r = stack.cli("incidents", "-o", "json", "--timeout", "30");
    double cliMs = (System.nanoTime() - t1) / 1e6;
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    JsonNode newest = Stack.parse(r.stdout());
    assertThat(newest.get("source").asText()).isEqualTo("VISIBILITY_QUERY");
    assertThat(newest.get("incidents")).hasSize(Math.min(25, expected));
    assertThat(newest.get("total").asLong()).isEqualTo(expected);
    assertThat(newest.get("awaitingApproval").asLong())
        .isEqualTo(inProcess.incidents().stream().filter(IncidentListing.OpenIncident::awaitingApproval).count());
    long t2 = System.nanoTime();
    RemediatorProcess.Cli every = stack.cli("incidents", "--all", "-o", "json", "--timeout", "30");
    double allMs = (System.nanoTime() - t2) / 1e6;
    assertThat(every.exitCode()).as(every.stdout() + every.stderr()).isZero();
    JsonNode listing = Stack.parse(every.stdout());
    assertThat(listing.get("incidents")).hasSize(expected);
    RemediatorProcess.Cli text = stack.cli("incidents", "--all", "--timeout", "30");
    assertThat(text.exitCode()).as(text.stderr()).isZero();
    assertThat(text.stdout()).contains("PENDING APPROVAL", id(0), "AWAITING_APPROVAL");
    if (expected > 25) {
      RemediatorProcess.Cli newestText = stack.cli("incidents", "--timeout", "30");
      assertThat(newestText.exitCode()).as(newestText.stderr()).isZero();
      assertThat(newestText.stdout()).contains("Newest 25 of " + expected + " open incidents (" + newest
          .get("awaitingApproval").asLong() + " awaiting approval)");
    }
    note(String.format(Locale.ROOT, "incidents at %d open: listing %.0f ms in-process (server CPU %d ms), CLI process"
        + " %.0f ms (JVM start included; newest 25 + totals), --all %.0f ms; load average %s", expected, listMs,
        serverCpuMs, cliMs, allMs, loadAverage()));
    return listing;
  }

  /** CPU time (user + system) a process has used so far, from /proc (Linux); 0 where unknown. */
  static long cpuMillis(long pid) {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10; // utime, stime in ticks of 10 ms (USER_HZ 100)
    } catch (java.io.IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The machine's 1-minute load average (timings on a shared machine need it to be read). */
  static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String id(int i) {
    return String.format(Locale.ROOT, "dbpool:prod:svc-%04d:db", i);
  }

  /** Starts incidents {@code from} .. {@code to - 1} with their search attributes; no worker ever runs them. */
  private static void start(TemporalConnection temporal, int from, int to) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<?>> started = new ArrayList<>();
      for (int i = from; i < to; i++) {
        int n = i;
        started.add(pool.submit(() -> {
          SearchAttributes sa = SearchAttributes.newBuilder()
              .set(IncidentSearchAttributes.SERVICE, String.format(Locale.ROOT, "svc-%04d", n))
              .set(IncidentSearchAttributes.NAMESPACE, "prod")
              .set(IncidentSearchAttributes.DATABASE, "db")
              .set(IncidentSearchAttributes.SEVERITY, n % 3 == 0 ? "critical" : "warning")
              .set(IncidentSearchAttributes.PHASE, PHASES[n % PHASES.length])
              .set(IncidentSearchAttributes.ALERT_NAME, "DatabaseConnectionPoolCritical")
              .build();
          temporal.client().newUntypedWorkflowStub(IncidentStubs.WORKFLOW_TYPE, WorkflowOptions.newBuilder()
                  .setWorkflowId(id(n)).setTaskQueue("remediator").setTypedSearchAttributes(sa).build())
              .start();
        }));
      }
      for (Future<?> f : started) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Visibility is eventually consistent: waits until it counts {@code n} open incidents. */
  private static void awaitVisible(TemporalConnection temporal, long n) {
    await("visibility lists " + n + " open incidents").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> temporal.client().countWorkflows(IncidentListing.OPEN_INCIDENTS_QUERY).getCount() == n);
  }
}
