package dev.remediator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.launcher.Remediator;
import dev.remediator.starter.cli.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code remediator diagnose TARGET} against a real PostgreSQL with a leaking application: read-only. */
class DiagnoseCommandTest {
  static Path home;
  static DemoDatabase db;
  static Path config;

  @BeforeAll
  static void start() throws Exception {
    home = Files.createTempDirectory("diagnose-test-");
    db = DemoDatabase.start(home);
    db.simulateLeakingApplication(5, 3);
    config = Files.writeString(home.resolve("remediator.yaml"), """
        targets:
          - service: auth-service
            namespace: prod
            database: authdb
            postgres:
              url: %s
              user: %s
              applicationRoles: [%s]
          - service: shared-service
            namespace: prod
            database: authdb
            postgres: {url: %s, user: %s}
          - service: shared-service
            namespace: staging
            database: authdb
            postgres: {url: %s, user: %s}
        """.formatted(db.jdbcUrl(), DemoDatabase.REMEDIATOR_ROLE, DemoDatabase.APP_ROLE, db.jdbcUrl(),
        DemoDatabase.REMEDIATOR_ROLE, db.jdbcUrl(), DemoDatabase.REMEDIATOR_ROLE));
  }

  @AfterAll
  static void stop() throws Exception {
    db.close();
    Demo.deleteTree(home);
  }

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Remediator.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return new Run(cli.execute(args), out.toString(), err.toString());
  }

  @Test
  void diagnosesAConfiguredTargetWithoutChangingAnything() throws Exception {
    Run byService = run("diagnose", "auth-service", "-c", config.toString());
    Run byId = run("diagnose", "prod/auth-service/authdb", "-c", config.toString(), "-o", "json");

    assertThat(byService.exit()).as(byService.err()).isEqualTo(ExitCodes.OK);
    assertThat(byService.out()).contains("Target       prod/auth-service/authdb", "Utilization", "5 idle in transaction",
        "max_connections 40 - 3 reserved");
    assertThat(byId.exit()).as(byId.err()).isEqualTo(ExitCodes.OK);
    JsonNode json = new ObjectMapper().readTree(byId.out());
    assertThat(json.at("/snapshot/idleInTransaction").asInt()).isEqualTo(5);
    assertThat(json.at("/snapshot/maxConnections").asInt()).isEqualTo(40);
    assertThat(json.at("/target/service").asText()).isEqualTo("auth-service");
    assertThat(db.idleInTransactionNow()).isEqualTo(5);
    assertThat(db.idleNow()).isEqualTo(3);
  }

  @Test
  void unknownAmbiguousAndUnconfigured() {
    Run unknown = run("diagnose", "billing-service", "-c", config.toString());
    Run ambiguous = run("diagnose", "shared-service", "-c", config.toString());
    Run noConfig = run("diagnose", "auth-service", "-c", home.resolve("missing.yaml").toString());

    assertThat(unknown.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(unknown.err()).contains("unknown target billing-service", "prod/auth-service/authdb");
    assertThat(ambiguous.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(ambiguous.err()).contains("prod/shared-service/authdb", "staging/shared-service/authdb");
    assertThat(noConfig.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(noConfig.err()).contains("configuration file not found");
  }

  @Test
  void everyOperatorVerbIsRegistered() {
    assertThat(Remediator.commandLine().getSubcommands().keySet())
        .contains("incidents", "show", "approve", "reject", "ack", "report", "fire", "diagnose", "worker",
            "receiver", "dev", "demo", "server");
    Run help = run("--help");
    assertThat(help.out()).contains("Exit codes", "4   not found");
  }
}
