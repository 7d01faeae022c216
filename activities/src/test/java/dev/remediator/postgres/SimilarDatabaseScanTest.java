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
import dev.remediator.postgres.dbperf.PerformanceActivitiesImpl;
import dev.remediator.runbook.dbperf.PerformanceCause;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Database Performance runbook's check for similar issues at close on a real PostgreSQL server: the incident's
 * database and two other configured databases on the same server, one with a real lock wait (a blocker idle in
 * transaction and a waiter behind it), one clean; a target of the incident's own database under another service and
 * one on another server, neither listed; a server that refuses, and one that accepts and never answers, each of
 * their databases unchecked within the budget.
 */
class SimilarDatabaseScanTest {
  static PostgresFixture pg;
  static String billingDb;
  static String reportsDb;
  /** Accepts TCP connections and never says a word: a server that does not answer. */
  static ServerSocket silent;
  static final List<Socket> accepted = new ArrayList<>();
  static int refusedPort;

  static Target auth;
  static Target authOther;
  static Target billing;
  static Target reports;
  static Target elsewhere;

  private static final ExecutorService BACKGROUND = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "similar-db-test-session");
    t.setDaemon(true);
    return t;
  });

  private final List<Connection> mine = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    pg = new PostgresFixture();
    billingDb = pg.db.replace("authdb", "billingdb");
    reportsDb = pg.db.replace("authdb", "reportsdb");
    try (Connection c = pg.admin("postgres");
        Statement s = c.createStatement()) {
      for (String db : List.of(billingDb, reportsDb)) {
        s.execute("CREATE DATABASE " + db + " OWNER " + pg.app);
      }
    }
    for (String db : List.of(billingDb, reportsDb)) {
      try (Connection c = pg.connect(pg.app, db);
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE invoices (id int PRIMARY KEY, total int)");
        s.execute("INSERT INTO invoices SELECT g, 0 FROM generate_series(1, 100) g");
      }
    }
    auth = pg.target;
    authOther = new Target("prod", "auth-admin", pg.db);
    billing = new Target("prod", "billing-service", billingDb);
    reports = new Target("prod", "reports-service", reportsDb);
    elsewhere = new Target("prod", "ledger-service", "ledgerdb");
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
    try (Connection c = pg.admin("postgres");
        Statement s = c.createStatement()) {
      for (String db : List.of(billingDb, reportsDb)) {
        s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
        s.execute("DROP DATABASE IF EXISTS " + db);
      }
    }
    pg.close();
  }

  @AfterEach
  void closeSessions() throws SQLException {
    for (Connection c : mine) {
      c.close();
    }
    mine.clear();
    pg.closeSessions();
  }

  private static String target(Target t, String hostPort) {
    return """
          - service: %s
            namespace: prod
            database: %s
            postgres:
              url: jdbc:postgresql://%s/%s
              user: %s
              passwordFile: %s
              applicationRoles: [%s]
        """.formatted(t.service(), t.database(), hostPort, t.database(), pg.remediator, pg.passwordFile(), pg.app);
  }

  private static RunbookPolicy policy(String budget, int concurrency) {
    return ConfigLoader.parsePolicy("runbooks: {dbperf: {lockWaitAfter: 1s, longRunningAfter: 1h, similarScanBudget: "
        + budget + ", similarScanConcurrency: " + concurrency + "}}");
  }

  /** A session of the application on {@code db} that runs {@code sql} in a transaction it leaves open. */
  private int holding(String db, String sql) throws SQLException {
    Connection c = pg.connect(pg.app, db);
    mine.add(c);
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
    return PostgresFixture.pid(c);
  }

  /** A session of the application on {@code db} running {@code sql} in the background (it will wait on a lock). */
  private int waiting(String db, String sql) throws SQLException {
    Connection c = pg.connect(pg.app, db);
    mine.add(c);
    int pid = PostgresFixture.pid(c);
    BACKGROUND.submit(() -> {
      try (Statement s = c.createStatement()) {
        s.execute(sql);
      } catch (SQLException e) {
        // ended when the test closes its sessions
      }
      return null;
    });
    return pid;
  }

  @Test
  void listsAnotherDatabasesLockWaitWithItsRootBlockersAndACleanOneNotTheIncidentsOwnNorAnotherServer()
      throws Exception {
    holding(billingDb, "UPDATE invoices SET total = 1 WHERE id = 7");
    int waiter = waiting(billingDb, "UPDATE invoices SET total = 2 WHERE id = 7");
    holding(pg.db, "UPDATE accounts SET email = email WHERE id = 1"); // the incident's own: not listed
    int ownWaiter = waiting(pg.db, "UPDATE accounts SET email = 'x' WHERE id = 1");
    for (int pid : List.of(waiter, ownWaiter)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> "true".equals(
          pg.activity(pid, "(wait_event_type = 'Lock' AND now() - query_start > interval '1.3 s')")));
    }
    String local = pg.hostPort();
    RemediatorConfig config = ConfigLoader.parse("targets:\n" + target(auth, local) + target(authOther, local)
        + target(billing, local) + target(elsewhere, "127.0.0.1:" + silent.getLocalPort())
        + target(reports, local), "test");

    try (PerformanceActivitiesImpl activities = new PerformanceActivitiesImpl(new TargetDirectory(config))) {
      long started = System.nanoTime();
      SimilarIssues found = activities.similarElsewhere(auth, policy("6s", 2), PerformanceCause.LOCK_CONTENTION);
      long tookMillis = (System.nanoTime() - started) / 1_000_000;

      assertThat(found.failure()).isNull();
      assertThat(found.targets()).extracting(Elsewhere::target, Elsewhere::finding).containsExactly(
          tuple(billing, Finding.SAME_PATTERN), tuple(reports, Finding.CLEAN));
      assertThat(found.targets().get(0).detail()).startsWith("1 lock wait(s) > 1 s behind 1 root blocker(s), longest ")
          .endsWith(" on public.invoices");
      assertThat(found.targets().get(1).detail()).isEqualTo("no lock waits > 1 s, no statement running > 1 h, no stale"
          + " statistics or dead-tuple build-up (0 active session(s))");
      assertThat(found.pattern()).startsWith("in the other databases on the same server: lock waits > 1 s, statements"
          + " running > 1 h, stale statistics, dead-tuple build-up (this incident: lock contention) (" + local);
      assertThat(found.line()).startsWith("1 other service shows the same pattern: billing-service (1 lock wait(s)");
      // read-only: the blocker and its waiter are untouched
      assertThat(pg.activity(waiter, "wait_event_type")).isEqualTo("Lock");
      assertThat(tookMillis).isLessThan(6_000);
      System.out.printf("similar-databases: 2 databases on one server, concurrency 2: %d ms (scan %d ms)%n",
          tookMillis, found.tookMillis());
    }
  }

  @Test
  void theIncidentsCauseIsNamedFirstAndAnyOtherFindingCounts() throws Exception {
    holding(billingDb, "UPDATE invoices SET total = 1 WHERE id = 7");
    int waiter = waiting(billingDb, "UPDATE invoices SET total = 2 WHERE id = 7");
    await().atMost(Duration.ofSeconds(10)).until(() -> "true".equals(
        pg.activity(waiter, "(wait_event_type = 'Lock' AND now() - query_start > interval '1.3 s')")));
    String local = pg.hostPort();
    RemediatorConfig config = ConfigLoader.parse("targets:\n" + target(auth, local) + target(billing, local), "test");
    RunbookPolicy policy = ConfigLoader.parsePolicy("runbooks: {dbperf: {lockWaitAfter: 1s, longRunningAfter: 1s}}");
    try (PerformanceActivitiesImpl activities = new PerformanceActivitiesImpl(new TargetDirectory(config))) {
      SimilarIssues found = activities.similarElsewhere(auth, policy, PerformanceCause.LONG_RUNNING_STATEMENTS);
      // the blocker's transaction is open past 1 s: long-running, named first; the lock wait after it
      assertThat(found.targets()).singleElement().satisfies(e -> {
        assertThat(e.finding()).isEqualTo(Finding.SAME_PATTERN);
        assertThat(e.detail()).startsWith("1 statement(s) or transaction(s) running > 1 s, longest ")
            .contains("; 1 lock wait(s) > 1 s behind 1 root blocker(s)");
      });
    }
  }

  @Test
  void databasesOnAServerThatNeverAnswersAreUncheckedWhenTheBudgetRunsOut() {
    String silentServer = "127.0.0.1:" + silent.getLocalPort();
    RemediatorConfig config = ConfigLoader.parse("targets:\n" + target(elsewhere, silentServer)
        + target(billing, silentServer) + target(reports, silentServer) + target(authOther, silentServer), "test");
    try (PerformanceActivitiesImpl activities = new PerformanceActivitiesImpl(new TargetDirectory(config))) {
      long started = System.nanoTime();
      // One at a time, 2 s: three rounds of 1 s (the least share); the silent ones take theirs whole.
      SimilarIssues found = activities.similarElsewhere(elsewhere, policy("2s", 1), PerformanceCause.DEAD_TUPLES);
      long tookMillis = (System.nanoTime() - started) / 1_000_000;

      assertThat(found.targets()).extracting(Elsewhere::target).containsExactly(billing, reports, authOther);
      assertThat(found.targets()).extracting(Elsewhere::finding).containsOnly(Finding.UNCHECKED);
      assertThat(found.targets().get(0).detail()).startsWith("did not answer: ").contains("timed out");
      assertThat(found.targets().get(2).detail()).isEqualTo("not reached within the scan's budget of 2 s (1 at once)");
      assertThat(tookMillis).isLessThan(2_000 + 1_000);
      System.out.printf("similar-databases: 3 databases on a silent server, budget 2 s, concurrency 1: %d ms, %s%n",
          tookMillis, found.line());
    }
  }

  @Test
  void aDatabaseOnADeadPortIsUncheckedWithTheReason() {
    String dead = "127.0.0.1:" + refusedPort;
    RemediatorConfig config = ConfigLoader.parse("targets:\n" + target(elsewhere, dead) + target(billing, dead),
        "test");
    try (PerformanceActivitiesImpl activities = new PerformanceActivitiesImpl(new TargetDirectory(config))) {
      long started = System.nanoTime();
      SimilarIssues found = activities.similarElsewhere(elsewhere, policy("2s", 1), PerformanceCause.UNKNOWN);
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      assertThat(found.targets()).singleElement().satisfies(e -> {
        assertThat(e.target()).isEqualTo(billing);
        assertThat(e.finding()).isEqualTo(Finding.UNCHECKED);
        assertThat(e.detail()).startsWith("did not answer: ");
      });
      assertThat(found.line()).startsWith("No other service shows the same pattern (0 checked); 1 not checked:"
          + " billing-service (did not answer: ");
      assertThat(tookMillis).isLessThan(2_000);
      System.out.printf("similar-databases: 1 database on a dead port: %d ms%n", tookMillis);
    }
  }
}
