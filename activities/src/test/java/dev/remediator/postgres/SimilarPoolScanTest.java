package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.SimilarIssues.Elsewhere;
import dev.remediator.incident.SimilarIssues.Finding;
import dev.remediator.incident.Target;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The check for similar issues in other services on a real PostgreSQL server: several configured targets on one
 * server (other databases, other application roles), leaks opened on one of them, one that lacks privileges, one
 * that refuses the connection, one that accepts it and never answers. The incident's own target is never listed.
 */
class SimilarPoolScanTest {
  static PostgresFixture pg;
  /** Accepts TCP connections and never says a word: a server that does not answer. */
  static ServerSocket silent;
  static final List<Socket> accepted = new ArrayList<>();
  static int refusedPort;

  static final Target AUTH = new Target("prod", "auth-service", "authdb");
  static final Target BILLING = new Target("prod", "billing-service", "authdb");
  static final Target REPORTS = new Target("prod", "reports-service", "postgres");
  static final Target INVENTORY = new Target("prod", "inventory-service", "authdb");
  static final Target PAYMENTS = new Target("prod", "payments-service", "paymentsdb");
  static final Target LEDGER = new Target("prod", "ledger-service", "ledgerdb");

  @BeforeAll
  static void start() throws IOException {
    pg = new PostgresFixture();
    silent = new ServerSocket(0);
    Thread acceptor = new Thread(() -> {
      while (!silent.isClosed()) {
        try {
          Socket s = silent.accept();
          synchronized (accepted) {
            accepted.add(s);
          }
        } catch (IOException e) {
          return;
        }
      }
    }, "silent-server");
    acceptor.setDaemon(true);
    acceptor.start();
    try (ServerSocket free = new ServerSocket(0)) {
      refusedPort = free.getLocalPort(); // closed again: connecting there is refused
    }
  }

  @AfterAll
  static void stop() throws Exception {
    silent.close();
    synchronized (accepted) {
      for (Socket s : accepted) {
        s.close();
      }
    }
    pg.close();
  }

  @AfterEach
  void closeSessions() {
    pg.closeSessions();
  }

  private static String target(Target t, String hostPort, String role, String appRole) {
    return """
          - service: %s
            namespace: prod
            database: %s
            postgres:
              url: jdbc:postgresql://%s/%s
              user: %s
              passwordFile: %s
              applicationRoles: [%s]
        """.formatted(t.service(), t.database(), hostPort, t.database(), role, pg.passwordFile(), appRole);
  }

  /** The incident's target first, then the others in configuration order. */
  private static RemediatorConfig config() {
    String local = pg.hostPort();
    return ConfigLoader.parse("targets:\n"
        + target(AUTH, local, pg.remediator, pg.app)
        + target(BILLING, local, pg.remediator, pg.otherApp)
        + target(REPORTS, local, pg.remediator, "reports")
        + target(INVENTORY, local, pg.unprivileged, pg.app)
        + target(PAYMENTS, "127.0.0.1:" + refusedPort, pg.remediator, "payments")
        + target(LEDGER, "127.0.0.1:" + silent.getLocalPort(), pg.remediator, "ledger"), "test");
  }

  private static RunbookPolicy policy(String budget, int concurrency) {
    return ConfigLoader.parsePolicy("{idleInTransactionReportAfter: 500ms, idleInTransactionTerminateAfter: 1s,"
        + " similarScanBudget: " + budget + ", similarScanConcurrency: " + concurrency + "}");
  }

  @Test
  void listsAnotherTargetsLeakWithItsCountCleanOnesAndUncheckedOnesWithTheReasonWithinTheBudget() throws Exception {
    for (int i = 0; i < 3; i++) {
      pg.idleInTransaction(pg.otherApp); // billing's leak
    }
    pg.idleInTransaction(pg.app); // the incident's own: not listed
    pg.idle(pg.otherApp);
    await().atMost(Duration.ofSeconds(15)).until(() -> pg.youngestIdleInTransactionSeconds() > 1.2);

    try (DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl(new TargetDirectory(config()))) {
      long started = System.nanoTime();
      SimilarIssues found = activities.similarElsewhere(AUTH, policy("6s", 3));
      long tookMillis = (System.nanoTime() - started) / 1_000_000;

      assertThat(found.failure()).isNull();
      assertThat(found.targets()).extracting(Elsewhere::target, Elsewhere::finding).containsExactly(
          tuple(BILLING, Finding.SAME_PATTERN),
          tuple(REPORTS, Finding.CLEAN),
          tuple(INVENTORY, Finding.UNCHECKED),
          tuple(PAYMENTS, Finding.UNCHECKED),
          tuple(LEDGER, Finding.UNCHECKED));
      assertThat(found.targets().get(0).detail()).isEqualTo("3 sessions idle in transaction > 1 s");
      assertThat(found.targets().get(1).detail()).startsWith("utilization ").endsWith("no session idle in"
          + " transaction > 1 s");
      assertThat(found.targets().get(2).detail()).startsWith("lacks privileges: ").contains("pg_read_all_stats");
      assertThat(found.targets().get(3).detail()).startsWith("did not answer: ");
      assertThat(found.targets().get(4).detail()).startsWith("did not answer: ");
      assertThat(found.line()).startsWith("1 other service shows the same pattern: billing-service (3 sessions idle in"
          + " transaction > 1 s); 3 not checked: inventory-service (lacks privileges");
      // 5 targets, 3 at once: 2 rounds, each target's connect and statement timeouts cut to 3 s; the whole ≤ 6 s.
      assertThat(tookMillis).isLessThan(6_000 + 1_000);
      assertThat(found.tookMillis()).isLessThanOrEqualTo(tookMillis);
      System.out.printf("similar-scan: 5 targets, budget 6 s, concurrency 3: %d ms%n", tookMillis);
    }
  }

  @Test
  void aTargetThatNeverAnswersIsUncheckedWhenTheBudgetRunsOutAndTheScanReturnsOnTime() throws Exception {
    RemediatorConfig config = ConfigLoader.parse("targets:\n"
        + target(AUTH, pg.hostPort(), pg.remediator, pg.app)
        + target(LEDGER, "127.0.0.1:" + silent.getLocalPort(), pg.remediator, "ledger")
        + target(PAYMENTS, "127.0.0.1:" + silent.getLocalPort(), pg.remediator, "payments")
        + target(INVENTORY, "127.0.0.1:" + silent.getLocalPort(), pg.remediator, "inventory")
        + target(BILLING, pg.hostPort(), pg.remediator, pg.otherApp), "test");
    try (DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl(new TargetDirectory(config))) {
      long started = System.nanoTime();
      // One at a time, 2 s: four rounds of 1 s (the least share); the silent ones take theirs whole.
      SimilarIssues found = activities.similarElsewhere(AUTH, policy("2s", 1));
      long tookMillis = (System.nanoTime() - started) / 1_000_000;

      assertThat(found.targets()).extracting(Elsewhere::target).containsExactly(LEDGER, PAYMENTS, INVENTORY, BILLING);
      // The first two silent ones take the whole budget between them: billing, behind the third, is never reached.
      // The scan still returns on time, and says which was which.
      assertThat(found.targets()).extracting(Elsewhere::finding).containsOnly(Finding.UNCHECKED);
      assertThat(found.targets().get(0).detail()).startsWith("did not answer: ").contains("timed out");
      assertThat(found.targets().get(3).detail()).isEqualTo("not reached within the scan's budget of 2 s (1 at once)");
      assertThat(tookMillis).isLessThan(2_000 + 1_000);
      System.out.printf("similar-scan: 3 silent + 1 target, budget 2 s, concurrency 1: %d ms, %s%n", tookMillis,
          found.line());
    }
  }

  @Test
  void noOtherTargetConfiguredIsSaidSo() {
    RemediatorConfig config = ConfigLoader.parse("targets:\n" + target(AUTH, pg.hostPort(), pg.remediator, pg.app),
        "test");
    try (DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl(new TargetDirectory(config))) {
      SimilarIssues found = activities.similarElsewhere(AUTH, policy("2s", 1));
      assertThat(found.targets()).isEmpty();
      assertThat(found.line()).isEqualTo("No other configured service to check for the same pattern");
    }
  }
}
