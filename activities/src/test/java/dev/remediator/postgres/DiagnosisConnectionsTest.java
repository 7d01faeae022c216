package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.Target;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The diagnosis's kept connections on a real server: reused (the same backend), the statement prepared and planned
 * once, a killed backend replaced, the bound under concurrent calls, idle ones closed, a changed configuration
 * dropping the old ones, and never a transaction left open.
 */
class DiagnosisConnectionsTest {
  static PostgresFixture pg;
  static RunbookPolicy policy;
  final List<DatabaseActivitiesImpl> opened = new ArrayList<>();

  @BeforeAll
  static void start() {
    pg = new PostgresFixture();
    policy = ConfigLoader.parsePolicy("{idleInTransactionReportAfter: 500ms, idleInTransactionTerminateAfter: 2s}");
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  @AfterEach
  void closeEverything() throws SQLException {
    opened.forEach(DatabaseActivitiesImpl::close);
    pg.closeSessions();
    await().atMost(Duration.ofSeconds(10)).until(() -> remediatorBackends().isEmpty());
  }

  private DatabaseActivitiesImpl activities(RemediatorConfig config) {
    return activities(config, new DiagnosisConnections());
  }

  private DatabaseActivitiesImpl activities(RemediatorConfig config, DiagnosisConnections connections) {
    DatabaseActivitiesImpl a = new DatabaseActivitiesImpl(new TargetDirectory(config), connections);
    opened.add(a);
    return a;
  }

  /** Remediator's backends on the target database: pid, backend_start, state, as the server reports them. */
  static List<String> remediatorBackends() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = pg.admin("postgres");
        var ps = c.prepareStatement("SELECT pid || ' ' || backend_start || ' ' || coalesce(state, '') || ' '"
            + " || usename FROM pg_stat_activity WHERE datname = ? AND application_name = ? ORDER BY pid")) {
      ps.setString(1, pg.db);
      ps.setString(2, PostgresConnector.APPLICATION_NAME);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  static int pidOf(String backend) {
    return Integer.parseInt(backend.substring(0, backend.indexOf(' ')));
  }

  @Test
  void twoSnapshotsRunOnTheSameBackendAndLeaveItIdle() throws Exception {
    var activities = activities(pg.config(pg.remediator));
    pg.idleInTransaction(pg.app);
    ConnectionSnapshot first = activities.snapshot(pg.target, policy);
    List<String> after1 = remediatorBackends();
    ConnectionSnapshot second = activities.snapshot(pg.target, policy);
    List<String> after2 = remediatorBackends();

    assertThat(after1).hasSize(1);
    assertThat(after2).as("same pid and backend_start: the connection was reused").isEqualTo(after1);
    assertThat(after2.get(0)).as("no transaction left open").contains(" idle ").doesNotContain("in transaction");
    assertThat(activities.diagnosisConnections().opened()).isEqualTo(1);
    // its own backend is not counted, as with a fresh connection
    assertThat(first.totalConnections()).isEqualTo(1);
    assertThat(second.totalConnections()).isEqualTo(1);
  }

  @Test
  void theSnapshotIsPreparedOnceAndItsGenericPlanReused() throws Exception {
    TargetConfig target = pg.config(pg.remediator).targets().get(0);
    var connections = new DiagnosisConnections();
    var activities = activities(pg.config(pg.remediator), connections);
    for (int i = 0; i < 8; i++) {
      activities.snapshot(pg.target, policy);
    }
    connections.withConnection(target, c -> {
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery(
              "SELECT count(*), sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements"
                  + " WHERE statement LIKE '%pg_blocking_pids%' AND statement NOT LIKE '%pg_prepared_statements%'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("one server-side prepared statement for the snapshot").isEqualTo(1);
        // 8 executions, one generic plan reused: no custom plan (each would be a planning of the statement)
        assertThat(rs.getLong(2)).as("executions with the generic plan").isEqualTo(8);
        assertThat(rs.getLong(3)).as("custom plans (a planning each)").isZero();
      }
      try (Statement st = c.createStatement()) {
        assertThat(show(st, "statement_timeout")).isEqualTo("10s");
        assertThat(show(st, "lock_timeout")).isEqualTo("2s");
        assertThat(show(st, "transaction_read_only")).isEqualTo("on");
      }
      return null;
    });
  }

  @Test
  void aBackendKilledByASuperuserIsReplacedTransparently() throws Exception {
    var activities = activities(pg.config(pg.remediator));
    activities.snapshot(pg.target, policy);
    int killed = pidOf(remediatorBackends().get(0));
    try (Connection c = pg.admin("postgres");
        var ps = c.prepareStatement("SELECT pg_terminate_backend(?, 5000)")) {
      ps.setInt(1, killed);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getBoolean(1)).isTrue();
      }
    }
    assertThat(pg.alive(killed)).isFalse();

    ConnectionSnapshot s = activities.snapshot(pg.target, policy);

    assertThat(s.maxConnections()).isEqualTo(60);
    List<String> now = remediatorBackends();
    assertThat(now).hasSize(1);
    assertThat(pidOf(now.get(0))).isNotEqualTo(killed);
    assertThat(activities.diagnosisConnections().opened()).isEqualTo(2);
  }

  @Test
  void concurrentSnapshotsNeverHoldMoreThanTwoConnections() throws Exception {
    var activities = activities(pg.config(pg.remediator));
    List<Target> calls = java.util.Collections.nCopies(36, pg.target);
    assertThat(peakBackendsWhileSampling(activities, calls)).as("Remediator backends seen at once").isBetween(1, DiagnosisConnections.MAX_PER_TARGET);
    assertThat(activities.diagnosisConnections().opened()).isLessThanOrEqualTo(DiagnosisConnections.MAX_PER_TARGET);
    assertThat(remediatorBackends()).hasSizeLessThanOrEqualTo(DiagnosisConnections.MAX_PER_TARGET)
        .allSatisfy(b -> assertThat(b).contains(" idle ").doesNotContain("in transaction"));
  }

  /**
   * Targets that name the same database and role share one pool: 30 of them sampled at once hold at most 2
   * connections, not 2 each (the storm bench's 1,000 targets on one server took its few free slots that way, and the
   * other incidents' snapshots were refused with SQLSTATE 53300).
   */
  @Test
  void targetsOnTheSameDatabaseAndRoleShareTheirConnections() throws Exception {
    int targets = 30;
    StringBuilder yaml = new StringBuilder("targets:\n");
    for (int i = 0; i < targets; i++) {
      yaml.append("  - service: svc-").append(i).append("\n    namespace: prod\n    database: ").append(pg.db)
          .append("\n    postgres:\n      url: jdbc:postgresql://").append(pg.hostPort()).append('/').append(pg.db)
          .append("\n      user: ").append(pg.remediator).append("\n      passwordFile: ").append(pg.passwordFile())
          .append("\n      applicationRoles: [").append(pg.app).append("]\n");
    }
    var activities = activities(ConfigLoader.parse(yaml.toString(), "test"));
    List<Target> calls = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < targets; i++) {
        calls.add(new Target("prod", "svc-" + i, pg.db));
      }
    }
    assertThat(peakBackendsWhileSampling(activities, calls)).as("Remediator backends seen at once, all targets").isBetween(1,
        DiagnosisConnections.MAX_PER_TARGET);
    assertThat(activities.diagnosisConnections().opened()).as("connections opened for " + targets + " targets")
        .isLessThanOrEqualTo(DiagnosisConnections.MAX_PER_TARGET);
  }

  /**
   * Two targets name one database and role with different secrets (one rotated before the other): each keeps its own
   * connection. Sharing one pool, each call replaced the other's connection: 20 alternating snapshots opened 20.
   */
  @Test
  void targetsThatNameOneDatabaseWithDifferentSecretsKeepTheirOwnConnections() throws Exception {
    Path first = Files.createTempFile("remediator-first", ".secret");
    Path second = Files.createTempFile("remediator-second", ".secret");
    try {
      Files.writeString(first, "first-secret\n");
      Files.writeString(second, "second-secret\n"); // the embedded server trusts local logins: both connect
      StringBuilder yaml = new StringBuilder("targets:\n");
      for (String service : List.of("svc-first", "svc-second")) {
        yaml.append("  - service: ").append(service).append("\n    namespace: prod\n    database: ").append(pg.db)
            .append("\n    postgres:\n      url: jdbc:postgresql://").append(pg.hostPort()).append('/').append(pg.db)
            .append("\n      user: ").append(pg.remediator).append("\n      passwordFile: ")
            .append(service.equals("svc-first") ? first : second)
            .append("\n      applicationRoles: [").append(pg.app).append("]\n");
      }
      var activities = activities(ConfigLoader.parse(yaml.toString(), "test"));
      for (int i = 0; i < 10; i++) {
        activities.snapshot(new Target("prod", "svc-first", pg.db), policy);
        activities.snapshot(new Target("prod", "svc-second", pg.db), policy);
      }
      assertThat(activities.diagnosisConnections().opened()).as("connections opened for 20 alternating snapshots")
          .isEqualTo(2);
      assertThat(remediatorBackends()).hasSize(2);
      activities.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> remediatorBackends().isEmpty());
    } finally {
      Files.deleteIfExists(first);
      Files.deleteIfExists(second);
    }
  }

  /** Takes a snapshot of each target, 7 at once; returns the most Remediator backends seen at once meanwhile. */
  private static int peakBackendsWhileSampling(DatabaseActivitiesImpl activities, List<Target> calls)
      throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger peak = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      Future<?> watcher = threads.submit(() -> {
        while (running.get()) {
          peak.accumulateAndGet(remediatorBackends().size(), Math::max);
        }
        return null;
      });
      List<Future<ConnectionSnapshot>> taken = new ArrayList<>();
      for (Target t : calls) {
        taken.add(threads.submit(() -> activities.snapshot(t, policy)));
      }
      for (Future<ConnectionSnapshot> f : taken) {
        assertThat(f.get().maxConnections()).isEqualTo(60);
      }
      running.set(false);
      watcher.get();
    } finally {
      threads.shutdownNow();
    }
    return peak.get();
  }

  @Test
  void idleConnectionsAreClosed() throws Exception {
    var connections = new DiagnosisConnections(2, Duration.ofMillis(300), Duration.ofMinutes(30));
    var activities = activities(pg.config(pg.remediator), connections);
    activities.snapshot(pg.target, policy);
    assertThat(remediatorBackends()).hasSize(1);

    await().atMost(Duration.ofSeconds(10)).until(() -> remediatorBackends().isEmpty());
    assertThat(connections.idle()).isZero();

    activities.snapshot(pg.target, policy);
    assertThat(connections.opened()).isEqualTo(2);
  }

  @Test
  void aConnectionPastItsLifetimeIsNotReused() throws Exception {
    var connections = new DiagnosisConnections(2, Duration.ofMinutes(1), Duration.ofMillis(1));
    var activities = activities(pg.config(pg.remediator), connections);
    activities.snapshot(pg.target, policy);
    activities.snapshot(pg.target, policy);
    assertThat(connections.opened()).isEqualTo(2);
  }

  @Test
  void aChangedRoleDropsTheOldConnections() throws Exception {
    var connections = new DiagnosisConnections();
    TargetConfig asRemediator = pg.config(pg.remediator).targets().get(0);
    TargetConfig asSuperuser = pg.config(pg.remediatorSuperuser).targets().get(0);
    activities(pg.config(pg.remediator), connections).snapshot(pg.target, policy);
    List<String> before = remediatorBackends();
    assertThat(before).singleElement().asString().endsWith(" " + pg.remediator);

    activities(pg.config(pg.remediatorSuperuser), connections).snapshot(pg.target, policy);

    await().atMost(Duration.ofSeconds(10)).until(() -> remediatorBackends().size() == 1);
    assertThat(remediatorBackends()).singleElement().asString().endsWith(" " + pg.remediatorSuperuser);
    assertThat(pg.alive(pidOf(before.get(0)))).isFalse();
    assertThat(DiagnosisConnections.poolKey(asRemediator))
        .isNotEqualTo(DiagnosisConnections.poolKey(asSuperuser))
        .doesNotContain(PostgresFixture.PASSWORD);
  }

  @Test
  void aRotatedPasswordDropsTheConnectionMadeWithTheOldOne() throws Exception {
    Path secret = Files.createTempFile("remediator-rotated", ".secret");
    try (Connection admin = pg.admin("postgres"); Statement st = admin.createStatement()) {
      st.execute("CREATE ROLE remediator_rotated LOGIN PASSWORD 'first-secret'");
      st.execute("GRANT pg_read_all_stats TO remediator_rotated");
      Files.writeString(secret, "first-secret\n");
      var activities = activities(pg.config("remediator_rotated", secret));
      activities.snapshot(pg.target, policy);
      List<String> before = remediatorBackends();
      assertThat(before).hasSize(1);

      // The secret rotates: the server takes the new password, the file holds it. A connection made with the old one
      // would still work (PostgreSQL checks a password at login only); it must not be used again. (The embedded
      // server trusts local logins, so a wrong password would not be refused here: the new backend is the proof.)
      st.execute("ALTER ROLE remediator_rotated PASSWORD 'second-secret'");
      Files.writeString(secret, "second-secret\n");
      activities.snapshot(pg.target, policy);

      List<String> after = remediatorBackends();
      assertThat(after).hasSize(1);
      assertThat(pidOf(after.get(0))).isNotEqualTo(pidOf(before.get(0)));
      assertThat(activities.diagnosisConnections().opened()).isEqualTo(2);

      activities.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> remediatorBackends().isEmpty());
      st.execute("DROP ROLE remediator_rotated");
    } finally {
      Files.deleteIfExists(secret);
    }
  }

  @Test
  void aConnectionLeftInATransactionIsNeverKept() throws Exception {
    TargetConfig target = pg.config(pg.remediator).targets().get(0);
    var connections = new DiagnosisConnections();
    opened.add(new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediator)), connections));
    int pid = connections.withConnection(target, c -> {
      c.setAutoCommit(false);
      return PostgresFixture.pid(c);
    });
    assertThat(connections.idle()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> !pg.alive(pid));

    // a statement that fails: the connection is discarded too, and no transaction stays behind
    assertThatThrownBy(() -> connections.withConnection(target, c -> {
      try (Statement st = c.createStatement()) {
        return st.execute("SELECT 1 / 0");
      }
    })).isInstanceOf(SQLException.class);
    assertThat(connections.idle()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> remediatorBackends().isEmpty());
  }

  private static String show(Statement st, String setting) throws SQLException {
    try (var rs = st.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
