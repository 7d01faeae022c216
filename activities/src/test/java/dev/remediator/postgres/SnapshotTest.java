package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.runbook.dbpool.PoolPolicy;
import dev.remediator.runbook.dbpool.BlockedSession;
import dev.remediator.runbook.dbpool.ClientGroup;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.RootCause;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.dbpool.SessionInfo;
import io.temporal.common.converter.DefaultDataConverter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The diagnostics of the runbook against real sessions: summary, lists, blocking chains, groups, hint. */
class SnapshotTest {
  static PostgresFixture pg;
  static DatabaseActivitiesImpl activities;
  static RunbookPolicy policy;

  @BeforeAll
  static void start() {
    pg = new PostgresFixture();
    activities = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediator)));
    policy =
        ConfigLoader.parsePolicy(
            "{idleInTransactionReportAfter: 500ms, idleInTransactionTerminateAfter: 2s, longRunningQueryAfter: 1s}");
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  @AfterEach
  void closeSessions() {
    pg.closeSessions();
  }

  private static ConnectionSnapshot snapshot() {
    return activities.snapshot(pg.target, policy);
  }

  private static void awaitState(int pid, String state, Duration olderThan) {
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> {
          String since = pg.activity(pid, "extract(epoch FROM now() - state_change)");
          return state.equals(pg.activity(pid, "state"))
              && since != null
              && Double.parseDouble(since) > olderThan.toMillis() / 1000.0;
        });
  }

  private static void awaitWaitingOnLock(int pid) {
    await().atMost(Duration.ofSeconds(15)).until(() -> "Lock".equals(pg.activity(pid, "wait_event_type")));
  }

  @Test
  void splitsTheApplicationFromOtherClientsForCapacityMath() throws Exception {
    pg.idle(pg.app);
    pg.idle(pg.app);
    pg.idle(pg.otherApp);
    pg.idleInTransactionOn(pg.app, "postgres"); // the application's role, but another database: not its pool here

    ConnectionSnapshot s = snapshot();

    assertThat(s.totalConnections()).isEqualTo(3);
    assertThat(s.applicationConnections()).isEqualTo(2);
    // The snapshot leaves out its own backend, which stays (kept for the next snapshot): the server counts it too.
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(pg::serverConnections, n -> n == s.serverConnections() + 1);
    assertThat(s.otherConnections()).isEqualTo(s.serverConnections() - 2);
    assertThat(s.otherConnections()).isGreaterThanOrEqualTo(2);
    assertThat(s.usableConnections()).isEqualTo(pg.limits()[0] - pg.limits()[1]);
    assertThat(s.serverVersion()).isNotBlank();
    assertThat(Instant.parse(s.takenAt())).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(60));
  }

  @Test
  void listsLongRunningQueriesWithTheirAgeAndNormalisedText() throws Exception {
    int sleeper1 = pg.running(pg.app, "SELECT pg_sleep(30) /* sleeping for user 4711 */");
    int sleeper2 = pg.running(pg.otherApp, "SELECT pg_sleep(31), 'token-abc'");
    int quick = pg.idle(pg.app);
    awaitState(sleeper1, "active", Duration.ofMillis(1200));
    awaitState(sleeper2, "active", Duration.ofMillis(1200));

    ConnectionSnapshot s = snapshot();

    assertThat(s.longRunningQueries())
        .extracting(SessionInfo::pid)
        .containsExactlyInAnyOrder(sleeper1, sleeper2)
        .doesNotContain(quick);
    assertThat(s.longRunningQueries())
        .extracting(SessionInfo::query)
        .containsExactlyInAnyOrder("SELECT pg_sleep(?)", "SELECT pg_sleep(?), ?");
    assertThat(s.longRunningQueries()).allSatisfy(x -> {
      assertThat(x.querySeconds()).isGreaterThan(1.0);
      assertThat(x.terminable()).isFalse(); // active, not idle in transaction: never a termination candidate
    });
    assertThat(s.longestQuerySeconds()).isGreaterThan(1.0);
    assertThat(s.active()).isEqualTo(2);
    assertThat(s.diagnosis().cause()).isEqualTo(RootCause.SLOW_QUERIES);
    assertThat(s.diagnosis().evidence().get(0)).startsWith("2 queries running longer than 1.0 s");
  }

  @Test
  void followsARealLockChainToItsRootBlocker() throws Exception {
    // A updates a row and leaves its transaction open; B waits on A's row lock, C waits behind B.
    int a = pg.idleInTransaction(pg.app, null, "UPDATE accounts SET email = 'held@example.com' WHERE id = 1");
    int b = pg.running(pg.app, "UPDATE accounts SET email = 'b@example.com' WHERE id = 1");
    awaitWaitingOnLock(b);
    int c = pg.running(pg.otherApp, "UPDATE accounts SET email = 'c@example.com' WHERE id = 1");
    awaitWaitingOnLock(c);

    ConnectionSnapshot s = snapshot();

    assertThat(s.blocked()).extracting(x -> x.blocked().pid()).containsExactlyInAnyOrder(b, c);
    BlockedSession blockedB = s.blocked().stream().filter(x -> x.blocked().pid() == b).findFirst().orElseThrow();
    BlockedSession blockedC = s.blocked().stream().filter(x -> x.blocked().pid() == c).findFirst().orElseThrow();
    assertThat(blockedB.blockedBy()).containsExactly(a);
    assertThat(blockedC.blockedBy()).contains(b);
    assertThat(blockedB.rootBlockers()).containsExactly(a);
    assertThat(blockedC.rootBlockers()).containsExactly(a);
    assertThat(blockedB.blocked().query()).isEqualTo("UPDATE accounts SET email = ? WHERE id = ?");
    assertThat(s.blockingSessions()).extracting(SessionInfo::pid).contains(a, b);
    SessionInfo root = s.blockingSessions().stream().filter(x -> x.pid() == a).findFirst().orElseThrow();
    assertThat(root.state()).isEqualTo("idle in transaction");
    assertThat(root.query()).isEqualTo("UPDATE accounts SET email = ? WHERE id = ?");
    assertThat(s.diagnosis().cause()).isEqualTo(RootCause.LOCK_CONTENTION);
    assertThat(s.diagnosis().evidence().get(0))
        .startsWith("2 of 3 connections waiting on locks")
        .contains("root blocker pid " + a + " holds up 2 (idle in transaction");
  }

  @Test
  void marksOnlyTheApplicationsOldIdleTransactionsTerminable() throws Exception {
    int leaked = pg.idleInTransaction(pg.app);
    int exporter = pg.idleInTransaction(pg.app, "postgres_exporter", "SELECT 1");
    int superuser = pg.idleInTransaction(pg.appSuperuser);
    int other = pg.idleInTransaction(pg.otherApp);
    awaitState(other, "idle in transaction", PoolPolicy.of(policy).idleInTransactionTerminateAfter());
    int young = pg.idleInTransaction(pg.app);
    awaitState(young, "idle in transaction", Duration.ofMillis(600));

    ConnectionSnapshot s = snapshot();

    assertThat(s.idleInTransactionSessions())
        .extracting(SessionInfo::pid)
        .containsExactlyInAnyOrder(leaked, exporter, superuser, other, young);
    assertThat(s.idleInTransactionSessions().get(0).pid()).isEqualTo(leaked); // terminable first
    assertThat(s.terminableIdleInTransaction()).extracting(SessionInfo::pid).containsExactly(leaked);
    assertThat(s.terminableSessions()).isEqualTo(1);
    assertThat(reason(s, exporter)).isEqualTo("application_name postgres_exporter is never terminated");
    assertThat(reason(s, superuser)).isEqualTo("role " + pg.appSuperuser + " is a superuser");
    assertThat(reason(s, other)).startsWith("not the application's (role " + pg.otherApp);
    assertThat(reason(s, young)).startsWith("idle in transaction for only ").endsWith("under the 2 s threshold");
    assertThat(s.idleInTransactionSessions().stream().filter(x -> x.pid() == other).findFirst().orElseThrow()
        .application()).isFalse();
    assertThat(s.idleInTransactionSessions().stream().filter(x -> x.pid() == young).findFirst().orElseThrow()
        .application()).isTrue();
  }

  @Test
  void groupsClientsSoTheLeakingOneStandsOutAndHintsALeak() throws Exception {
    for (int i = 0; i < 6; i++) {
      pg.idleInTransaction(pg.app);
    }
    pg.idle(pg.app);
    pg.idle(pg.otherApp);
    await().atMost(Duration.ofSeconds(10)).until(() -> pg.youngestIdleInTransactionSeconds() > 0.6);

    ConnectionSnapshot s = snapshot();

    ClientGroup first = s.clients().get(0);
    assertThat(first.usename()).isEqualTo(pg.app);
    assertThat(first.total()).isEqualTo(7);
    assertThat(first.idleInTransaction()).isEqualTo(6);
    assertThat(first.idle()).isEqualTo(1);
    assertThat(first.application()).isTrue();
    assertThat(first.oldestIdleInTransactionSeconds()).isGreaterThan(0.6);
    assertThat(s.clients()).filteredOn(g -> g.usename().equals(pg.otherApp)).singleElement()
        .satisfies(g -> assertThat(g.application()).isFalse());
    assertThat(s.diagnosis().cause()).isEqualTo(RootCause.LEAK);
    assertThat(s.diagnosis().evidence().get(0)).startsWith("6 of 8 connections idle in transaction longer than 0.5 s");
    assertThat(s.diagnosis().evidence()).anyMatch(l -> l.startsWith("client that stands out: PostgreSQL JDBC Driver@"));
  }

  @Test
  void queryTextLeavesTheActivityWithoutLiteralsOrComments() throws Exception {
    int pid =
        pg.idleInTransaction(
            pg.app,
            null,
            "/* card 4111111111111111 */ UPDATE accounts SET email = E'alice\\'s@example.com' WHERE id = 7"
                + " -- ssn 078-05-1120");
    await().atMost(Duration.ofSeconds(10)).until(() -> pg.youngestIdleInTransactionSeconds() > 0.6);

    ConnectionSnapshot s = snapshot();

    SessionInfo x = s.idleInTransactionSessions().stream().filter(y -> y.pid() == pid).findFirst().orElseThrow();
    assertThat(x.query()).isEqualTo("UPDATE accounts SET email = ? WHERE id = ?");
    // The whole payload, as it would go into workflow history, holds none of it.
    String payload =
        DefaultDataConverter.newDefaultInstance().toPayload(s).orElseThrow().getData().toStringUtf8();
    // Whole literals: a short one such as "4111" also turns up by chance in a timestamp ("…39.814111Z").
    for (String secret : List.of("4111111111111111", "alice", "078-05-1120", "ssn", "card")) {
      assertThat(payload).doesNotContain(secret);
    }
  }

  @Test
  void theSnapshotSurvivesTheRoundTripThroughWorkflowHistory() throws Exception {
    pg.idleInTransaction(pg.app);
    await().atMost(Duration.ofSeconds(10)).until(() -> pg.youngestIdleInTransactionSeconds() > 2.1);
    ConnectionSnapshot s = snapshot();
    var converter = DefaultDataConverter.newDefaultInstance();

    ConnectionSnapshot back =
        converter.fromPayload(converter.toPayload(s).orElseThrow(), ConnectionSnapshot.class, ConnectionSnapshot.class);

    assertThat(back).isEqualTo(s);
    assertThat(back.terminableIdleInTransaction()).hasSize(1);
  }

  @Test
  void diagnosticsRunReadOnlyAsRemediatorWithTimeouts() throws Exception {
    var config = pg.config(pg.remediator).targets().get(0);
    try (Connection c = PostgresConnector.open(config, true);
        Statement st = c.createStatement()) {
      assertThat(show(st, "transaction_read_only")).isEqualTo("on");
      assertThat(show(st, "application_name")).isEqualTo(PostgresConnector.APPLICATION_NAME);
      assertThat(show(st, "statement_timeout")).isEqualTo("10s");
      assertThat(show(st, "lock_timeout")).isEqualTo("2s");
      assertThatThrownBy(() -> st.execute("UPDATE accounts SET email = 'x' WHERE id = 1"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
    }
    try (Connection c = PostgresConnector.open(config, false);
        Statement st = c.createStatement()) {
      assertThat(show(st, "transaction_read_only")).isEqualTo("off");
    }
  }

  private static String show(Statement st, String setting) throws SQLException {
    try (var rs = st.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String reason(ConnectionSnapshot s, int pid) {
    return s.idleInTransactionSessions().stream()
        .filter(x -> x.pid() == pid)
        .findFirst()
        .orElseThrow()
        .whyNotTerminable();
  }
}
