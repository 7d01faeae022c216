package dev.remediator.starter;

import static dev.remediator.starter.IntakeFixture.AUTH;
import static dev.remediator.starter.IntakeFixture.BILLING;
import static dev.remediator.starter.IntakeFixture.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.registry.Runbooks;
import dev.remediator.starter.cli.AckCommand;
import dev.remediator.starter.cli.ApproveCommand;
import dev.remediator.starter.cli.ExitCodes;
import dev.remediator.starter.cli.FireCommand;
import dev.remediator.starter.cli.IncidentsCommand;
import dev.remediator.starter.cli.RejectCommand;
import dev.remediator.starter.cli.ReportCommand;
import dev.remediator.starter.cli.ShowCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** The operator verbs end to end, in-process (picocli), against the embedded server, the worker and the receiver. */
class CliTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final IntakeFixture fx = new IntakeFixture();

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  static Run run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** A verb against the fixture's Temporal. */
  static Run temporal(Object command, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--address");
    all.add(fx.address());
    return run(command, all.toArray(String[]::new));
  }

  @Test
  void incidentsListsOpenIncidentsNewestFirst() throws Exception {
    Run none = temporal(new IncidentsCommand());
    assertThat(none.exit()).isEqualTo(ExitCodes.OK);
    assertThat(none.out()).contains("No open incidents.");

    String plan = fx.fireAndAwaitPlan(BILLING);
    await().atMost(Duration.ofSeconds(10)).until(() -> fx.incidents.status(AUTH).awaitingApproval());

    Run text = temporal(new IncidentsCommand());
    Run json = temporal(new IncidentsCommand(), "-o", "json");

    assertThat(text.exit()).as(text.err()).isEqualTo(ExitCodes.OK);
    assertThat(text.out()).contains("ID", "SERVICE", "SEVERITY", "PHASE", "AGE", "PENDING APPROVAL")
        .contains(AUTH, BILLING, "billing-service", "critical", "AWAITING_APPROVAL", "yes (" + plan + ")");
    JsonNode listing = json.json();
    // The embedded server has no List API: the CLI fell back to the open-executions list.
    assertThat(listing.get("source").asText()).isEqualTo("OPEN_EXECUTIONS");
    assertThat(listing.get("incidents")).hasSize(2);
    List<String> ids = new ArrayList<>();
    listing.get("incidents").forEach(i -> ids.add(i.get("incidentId").asText()));
    assertThat(ids).containsExactlyInAnyOrder(AUTH, BILLING);
    JsonNode billing = listing.get("incidents").get(ids.indexOf(BILLING));
    assertThat(billing.get("service").asText()).isEqualTo("billing-service");
    assertThat(billing.get("phase").asText()).isEqualTo("AWAITING_APPROVAL");
    assertThat(billing.get("awaitingApproval").asBoolean()).isTrue();
    assertThat(billing.get("pendingPlanId").asText()).isEqualTo(plan);
    assertThat(listing.get("incidents").get(0).get("startTime").asText())
        .isGreaterThanOrEqualTo(listing.get("incidents").get(1).get("startTime").asText());
  }

  @Test
  void showPrintsTheStatusOrNotFound() throws Exception {
    String plan = fx.fireAndAwaitPlan(AUTH);

    Run text = temporal(new ShowCommand(), AUTH);
    Run json = temporal(new ShowCommand(), AUTH, "--output", "json");
    Run unknown = temporal(new ShowCommand(), "dbpool:prod:nope:nodb");
    Run unknownJson = temporal(new ShowCommand(), "dbpool:prod:nope:nodb", "-o", "json");

    assertThat(text.exit()).as(text.err()).isEqualTo(ExitCodes.OK);
    assertThat(text.out()).contains("Phase      AWAITING_APPROVAL", "Plan       " + plan,
        "remediator approve " + AUTH + " --by NAME --plan " + plan, "Timeline", "[alertmanager]");
    assertThat(json.json().at("/status/plan/planId").asText()).isEqualTo(plan);
    assertThat(json.json().get("execution").asText()).isEqualTo("RUNNING");
    assertThat(unknown.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(unknown.err()).contains("no incident dbpool:prod:nope:nodb");
    assertThat(unknownJson.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(unknownJson.json().get("exitCode").asInt()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  void approveReportsRefusalsAtOnceThenAcceptance() throws Exception {
    // billing-service: its critical escalation is minutes away, so a slow machine cannot turn this into an escalation
    String plan = fx.fireAndAwaitPlan(BILLING);

    Run notApprover = temporal(new ApproveCommand(), BILLING, "--by", "mallory");
    Run stale = temporal(new ApproveCommand(), BILLING, "--by", "alice", "--plan", "plan-0ld");
    Run noBy = temporal(new ApproveCommand(), BILLING);
    Run ok = temporal(new ApproveCommand(), BILLING, "--by", "alice", "--reason", "leak confirmed", "-o", "json");

    assertThat(notApprover.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(notApprover.err()).contains("refused: mallory is not an approver");
    assertThat(stale.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(stale.err()).contains("plan-0ld is stale");
    assertThat(noBy.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(noBy.err()).contains("Missing required option: '--by=NAME'");
    assertThat(ok.exit()).as(ok.out()).isEqualTo(ExitCodes.OK);
    assertThat(ok.json().get("accepted").asBoolean()).isTrue();
    assertThat(ok.json().get("planId").asText()).isEqualTo(plan);

    // the incident acts and closes; its report follows
    var outcome = fx.resolveWhenRecovered(BILLING).outcome();
    assertThat(outcome).isEqualTo(dev.remediator.incident.IncidentOutcome.MITIGATED);
    Run again = temporal(new ApproveCommand(), BILLING, "--by", "alice");
    assertThat(again.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(again.err()).contains("no open incident " + BILLING);

    Run md = temporal(new ReportCommand(), BILLING);
    Run json = temporal(new ReportCommand(), BILLING, "--format", "json");
    assertThat(md.exit()).as(md.err()).isEqualTo(ExitCodes.OK);
    assertThat(md.out()).contains("# Post-incident draft: billing-service", "| Outcome | MITIGATED |", "25 terminated",
        "| alice | Plan");
    assertThat(json.exit()).isEqualTo(ExitCodes.OK);
    assertThat(json.json().get("outcome").asText()).isEqualTo("MITIGATED");
    assertThat(json.json().get("runbook").get("sessionsTerminated").asInt()).isEqualTo(25);
  }

  @Test
  void rejectAndAckAndReportOfAnOpenIncident() throws Exception {
    fx.fireAndAwaitPlan(BILLING);

    Run openReport = temporal(new ReportCommand(), BILLING);
    Run ack = temporal(new AckCommand(), BILLING, "--by", "bob", "--note", "looking");
    Run noReason = temporal(new RejectCommand(), BILLING, "--by", "alice");
    Run reject = temporal(new RejectCommand(), BILLING, "--by", "alice", "--reason", "maintenance window");

    assertThat(openReport.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(openReport.err()).contains("is still open");
    assertThat(ack.exit()).as(ack.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(ack.err()).contains("the incident is not escalated");
    assertThat(noReason.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(reject.exit()).as(reject.err()).isEqualTo(ExitCodes.OK);
    // Rejected: nothing is done; the incident is watched until Alertmanager resolves it.
    var billing =
        fx.config.targets().stream().filter(t -> Runbooks.fallback().incidentId(t.target()).equals(BILLING)).findFirst().orElseThrow();
    fx.resolveAll(BILLING, fx.incidents.status(BILLING));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> temporal(new ReportCommand(), BILLING, "--format", "json").exit() == ExitCodes.OK);
    Run report = temporal(new ReportCommand(), BILLING, "--format", "json");
    assertThat(report.json().get("outcome").asText()).isEqualTo("RESOLVED");
    assertThat(report.json().get("actions").get(0).get("result").asText()).isEqualTo("SKIPPED");
    assertThat(report.json().get("runbook").get("sessionsTerminated").asInt()).isZero();
  }

  @Test
  void anUnreachableHttpApiIsAClearErrorAndChangesNothing() throws Exception {
    String plan = fx.fireAndAwaitPlan(AUTH);
    Run show = temporal(new ShowCommand(), AUTH, "--http-address", "127.0.0.1:1");
    Run approve = temporal(new ApproveCommand(), AUTH, "--by", "alice", "--http-address", "127.0.0.1:1", "-o",
        "json");

    assertThat(show.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(show.err()).contains("Temporal's HTTP API is not reachable at 127.0.0.1:1 (TEMPORAL_HTTP_ADDRESS;"
        + " connection refused)");
    assertThat(approve.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(approve.json().get("error").asText()).startsWith("Temporal's HTTP API is not reachable");
    assertThat(fx.incidents.status(AUTH).plan().planId()).isEqualTo(plan);
    assertThat(fx.incidents.status(AUTH).awaitingApproval()).as("nothing approved").isTrue();
  }

  @Test
  void unreachableTemporalIsAnErrorNotAHang() {
    int closed = IntakeFixture.freePort();
    Run r = run(new ShowCommand(), AUTH, "--address", "127.0.0.1:" + closed, "--timeout", "1");

    assertThat(r.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err()).contains("Temporal is not reachable at 127.0.0.1:" + closed);
  }

  /**
   * A Temporal that accepts the TCP connection and then never says a word (a hung frontend, a black-holing proxy):
   * every verb answers within its {@code --timeout} plus the grace, exit 1, instead of the SDK's own minute.
   */
  @Test
  void everyVerbAnswersWithinItsTimeoutWhenTemporalHangs() throws Exception {
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(silent.accept()); // accepted, never answered
          }
        } catch (java.io.IOException closed) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      String address = "127.0.0.1:" + silent.getLocalPort();
      List<Object[]> verbs = List.of(
          new Object[] {new IncidentsCommand(), new String[] {}},
          new Object[] {new ShowCommand(), new String[] {AUTH}},
          new Object[] {new ReportCommand(), new String[] {AUTH}},
          new Object[] {new ApproveCommand(), new String[] {AUTH, "--by", "alice"}},
          new Object[] {new RejectCommand(), new String[] {AUTH, "--by", "alice", "--reason", "no"}},
          new Object[] {new AckCommand(), new String[] {AUTH, "--by", "alice"}});
      for (Object[] verb : verbs) {
        List<String> args = new ArrayList<>(List.of((String[]) verb[1]));
        args.addAll(List.of("--address", address, "--timeout", "2"));
        long t0 = System.nanoTime();
        Run r = run(verb[0], args.toArray(String[]::new));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exit()).as(verb[0].getClass().getSimpleName() + ": " + r.err()).isEqualTo(ExitCodes.ERROR);
        assertThat(ms).as(verb[0].getClass().getSimpleName() + " answered after " + ms + " ms")
            .isLessThan(2000 + 1000 + 1500); // --timeout, the grace, and room for a busy machine
        assertThat(r.err()).containsAnyOf("Temporal is not reachable", "no answer within --timeout 2 s");
      }
      for (java.net.Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void noWorkerIsToldApartFromAWorkerThatDidNotAnswer() {
    ShowCommand show = new ShowCommand();
    new CommandLine(show).parseArgs(AUTH, "--timeout", "3");
    java.time.Instant now = java.time.Instant.parse("2026-11-29T18:00:00Z");

    assertThat(show.noAnswer(AUTH, "remediator", List.of(), now))
        .startsWith("no worker is polling task queue remediator: nobody can answer the status query of " + AUTH)
        .contains("Start one: remediator worker -c FILE");
    assertThat(show.noAnswer(AUTH, "remediator",
            List.of(new TemporalDiagnostics.Poller("4242@gone", now.minusSeconds(300))), now))
        .startsWith("no worker is polling task queue remediator").contains("the last poll was 300 s ago");
    assertThat(show.noAnswer(AUTH, "remediator",
            List.of(new TemporalDiagnostics.Poller("4243@busy", now.minusSeconds(4))), now))
        .startsWith("no worker answered the status query of " + AUTH + " within 3 s, though 1 polled task queue"
            + " remediator lately (4243@busy, 4 s ago)");
  }

  @Test
  void firePostsAPayloadToTheReceiver() throws Exception {
    Path dir = Files.createTempDirectory("fire-");
    try {
      Path token = Files.writeString(dir.resolve("token"), IntakeFixture.WEBHOOK_TOKEN + "\n");
      Path payload = Files.write(dir.resolve("alert.json"), resource("firing-critical.json"));
      Path broken = Files.writeString(dir.resolve("broken.json"), "{\"version\":\"4\",\"alerts\":{}}");
      String url = fx.url(AlertReceiver.WEBHOOK_PATH);

      Run ok = run(new FireCommand(), payload.toString(), "--url", url, "--token-file", token.toString());
      Run json = run(new FireCommand(), payload.toString(), "--url", url, "--token-file", token.toString(), "-o",
          "json");
      Run wrongToken = run(new FireCommand(), payload.toString(), "--url", url, "--token", "nope");
      Run invalid = run(new FireCommand(), broken.toString(), "--url", url, "--token-file", token.toString());
      Run missing = run(new FireCommand(), dir.resolve("none.json").toString(), "--url", url);
      Run noReceiver = run(new FireCommand(), payload.toString(), "--url",
          "http://127.0.0.1:" + IntakeFixture.freePort() + AlertReceiver.WEBHOOK_PATH);

      assertThat(ok.exit()).as(ok.err()).isEqualTo(ExitCodes.OK);
      assertThat(ok.out()).startsWith("200 ").contains(AUTH, "started");
      assertThat(json.json().get("status").asInt()).isEqualTo(200);
      // The same alert again: Temporal accepted it already, so no call is made.
      assertThat(json.json().at("/response/accepted/0/outcome").asText()).isEqualTo("duplicate");
      assertThat(wrongToken.exit()).isEqualTo(ExitCodes.REFUSED);
      assertThat(wrongToken.err()).contains("401", "wrong bearer token");
      assertThat(invalid.exit()).isEqualTo(ExitCodes.USAGE);
      assertThat(invalid.err()).contains("422", "field 'alerts' must be an array");
      assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
      assertThat(noReceiver.exit()).isEqualTo(ExitCodes.ERROR);
      assertThat(noReceiver.err()).contains("receiver not reachable");
      assertThat(fx.openRuns(AUTH)).isEqualTo(1);
    } finally {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
