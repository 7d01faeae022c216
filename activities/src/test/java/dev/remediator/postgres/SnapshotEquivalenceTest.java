package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.SessionInfo;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The snapshot statement ({@link SnapshotQuery}) returns exactly what the statement before it
 * ({@link SnapshotQueryBefore}, kept as test code) returned, on the same live server state: both run in ONE
 * transaction on one connection, so {@code now()} and PostgreSQL's snapshot of {@code pg_stat_activity} (taken at its
 * first read in a transaction and kept until its end) are the same for both; the whole {@link ConnectionSnapshot}
 * (counts, listed sessions and every field, redacted query text, client groups, caps) must be equal.
 */
class SnapshotEquivalenceTest {
  static PostgresFixture pg;
  static RunbookPolicy policy;

  @BeforeAll
  static void start() throws Exception {
    pg = new PostgresFixture(Map.of("max_connections", "400"));
    // Listed past 0.5 s, terminable past 15 s: the older part of the leak is terminable, the younger is not yet.
    policy =
        ConfigLoader.parsePolicy(
            "{idleInTransactionReportAfter: 500ms, idleInTransactionTerminateAfter: 15s, longRunningQueryAfter: 1s}");
    ExecutorService opener = Executors.newFixedThreadPool(8);
    try {
      // More than the 200-per-list cap idle in transaction, with literals (strings, numbers, a comment) to redact.
      open(opener, 110, i -> pg.idleInTransaction(pg.app, null,
          "SELECT email FROM accounts WHERE email = 'user" + i + "@example.com' AND id = " + i + " -- secret " + i));
      // More than the 50-group cap of clients: another role with many application names.
      open(opener, 60, i -> pg.idleInTransaction(pg.otherApp, "billing-worker-" + (i % 55), "SELECT $$" + i + "$$"));
      // Never terminable: an excluded application, a superuser, a session on another database.
      open(opener, 3, i -> pg.idleInTransaction(pg.app, "postgres_exporter", "SELECT " + i));
      open(opener, 3, i -> pg.idleInTransaction(pg.appSuperuser, null, "SELECT 'admin " + i + "'"));
      open(opener, 4, i -> pg.idleInTransactionOn(pg.app, "postgres"));
      open(opener, 20, i -> pg.idle(pg.app));
      // Long-running queries of both roles.
      for (int i = 0; i < 6; i++) {
        pg.running(i % 2 == 0 ? pg.app : pg.otherApp, "SELECT pg_sleep(600), 'token-" + i + "'");
      }
      // A lock chain: a leaked transaction holds a row, sessions of both roles wait for it.
      pg.idleInTransaction(pg.app, "leaky-job", "UPDATE accounts SET email = 'held@example.com' WHERE id = 1");
      for (int i = 0; i < 8; i++) {
        pg.running(i % 2 == 0 ? pg.app : pg.otherApp, "UPDATE accounts SET email = 'w" + i + "' WHERE id = 1");
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> waitingOnLocks() == 8);
      await().atMost(Duration.ofSeconds(60)).until(() -> pg.youngestIdleInTransactionSeconds() > 15.5);
      // The younger part of the leak: listed, not yet terminable.
      open(opener, 100, i -> pg.idleInTransaction(pg.app, null,
          "UPDATE accounts SET email = E'x\\'" + i + "' WHERE id = " + (i + 2)));
    } finally {
      opener.shutdown();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> pg.youngestIdleInTransactionSeconds() > 1.2);
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  @Test
  void theNewStatementReturnsExactlyTheOldSnapshotOnTheSameServerState() throws Exception {
    ConnectionSnapshot s = both(pg.config(pg.remediator), true);
    // The state covers what the statement distinguishes, so equality is not vacuous.
    assertThat(s.totalConnections()).isGreaterThan(300);
    assertThat(s.serverConnections()).isGreaterThan(s.totalConnections());
    assertThat(s.idleInTransactionSessions()).hasSize(SnapshotQuery.MAX_LISTED);
    assertThat(s.omittedSessions()).isPositive();
    assertThat(s.idleInTransactionSessions()).anyMatch(SessionInfo::terminable);
    assertThat(s.idleInTransactionSessions()).anyMatch(x -> !x.terminable());
    assertThat(s.longRunningQueries()).hasSizeGreaterThanOrEqualTo(6);
    assertThat(s.blocked()).hasSize(8);
    assertThat(s.blockingSessions()).extracting(SessionInfo::applicationName).contains("leaky-job");
    assertThat(s.clients()).hasSize(SnapshotQuery.MAX_CLIENT_GROUPS);
    assertThat(s.terminableSessions()).isPositive();
    assertThat(s.idleInTransactionSessions()).allSatisfy(x -> assertThat(x.query()).doesNotContain("@example", "secret"));
  }

  @Test
  void sameResultInEitherOrderForEveryRoleAndRuleConfiguration() throws Exception {
    for (String role : List.of(pg.remediator, pg.remediatorSuperuser, pg.noSignal)) {
      both(pg.config(role), false);
      both(pg.config(role, "applicationNames: [leaky-job, billing-worker-3]\nexcludeApplicationNames: [billing-worker-7]"),
          true);
      both(pg.config(role, "applicationRoles: [" + pg.app + ", " + pg.otherApp + "]\nterminateSuperusers: true"), false);
      both(pg.config(role, ""), true); // neither roles nor names: nothing is the application's
    }
  }

  @Test
  void refusesRolesWithoutPrivilegesWithTheSameMessage() throws Exception {
    for (String role : List.of(pg.unprivileged, pg.noInherit)) {
      TargetConfig t = pg.config(role).targets().get(0);
      try (Connection c = PostgresConnector.open(t, true)) {
        c.setAutoCommit(false);
        String now = failure(() -> SnapshotQuery.take(c, pg.target, t.postgres(), policy));
        c.rollback();
        String before = failure(() -> SnapshotQueryBefore.take(c, pg.target, t.postgres(), policy));
        c.rollback();
        assertThat(now).isEqualTo(before).contains("pg_read_all_stats");
      }
    }
  }

  /** Both statements in one transaction (so on one server state); asserts equality and returns the snapshot. */
  private static ConnectionSnapshot both(RemediatorConfig config, boolean newFirst) throws SQLException {
    TargetConfig t = config.targets().get(0);
    try (Connection c = PostgresConnector.open(t, true)) {
      c.setAutoCommit(false);
      try {
        ConnectionSnapshot first = newFirst
            ? SnapshotQuery.take(c, pg.target, t.postgres(), policy)
            : SnapshotQueryBefore.take(c, pg.target, t.postgres(), policy);
        ConnectionSnapshot second = newFirst
            ? SnapshotQueryBefore.take(c, pg.target, t.postgres(), policy)
            : SnapshotQuery.take(c, pg.target, t.postgres(), policy);
        ConnectionSnapshot now = newFirst ? first : second;
        ConnectionSnapshot before = newFirst ? second : first;
        assertThat(now).as("role %s, %s", t.postgres().user(), t.postgres()).isEqualTo(before);
        return now;
      } finally {
        c.rollback();
      }
    }
  }

  private static String failure(Callable<ConnectionSnapshot> take) {
    try {
      take.call();
    } catch (Exception e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
    throw new AssertionError("the snapshot should have been refused");
  }

  private interface Session {
    int open(int i) throws SQLException;
  }

  private static void open(ExecutorService pool, int n, Session session) throws Exception {
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      futures.add(pool.submit(() -> session.open(index)));
    }
    for (Future<Integer> f : futures) {
      f.get();
    }
  }

  private static int waitingOnLocks() throws SQLException {
    try (Connection c = pg.admin("postgres");
        var rs = c.createStatement()
            .executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
