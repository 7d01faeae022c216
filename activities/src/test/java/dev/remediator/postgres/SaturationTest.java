package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.runbook.dbpool.PoolPolicy;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.RootCause;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.dbpool.SessionInfo;
import dev.remediator.runbook.dbpool.SessionOutcome.Result;
import dev.remediator.runbook.dbpool.TerminationResult;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pool exhausted for real: ordinary roles are refused at max_connections − reserved (SQLSTATE 53300). Remediator
 * must say so distinctly, and work through the reserved path when it has one.
 */
class SaturationTest {
  static PostgresFixture pg;
  static RunbookPolicy policy;

  @BeforeAll
  static void start() {
    pg = new PostgresFixture(Map.of("max_connections", "20", "superuser_reserved_connections", "3"));
    policy = ConfigLoader.parsePolicy("{idleInTransactionReportAfter: 200ms, idleInTransactionTerminateAfter: 1s}");
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  @Test
  void aSaturatedServerIsReportedDistinctlyAndTheReservedPathStillWorks() throws Exception {
    int[] limits = pg.limits();
    int usable = limits[0] - limits[1];
    assumeThat(usable - pg.serverConnections())
        .as("free slots on the server (an external server must be small enough to fill)")
        .isLessThanOrEqualTo(300);

    // The application leaks until the server refuses ordinary roles.
    int leaked = leakUntilRefused(pg, limits[0]).leaked();
    assertThat(pg.serverConnections()).isEqualTo(usable);

    // The least-privilege role is an ordinary role: refused, with a failure the workflow can tell apart.
    var leastPrivilege = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediator)));
    assertThatThrownBy(() -> leastPrivilege.snapshot(pg.target, policy))
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(e -> {
          ApplicationFailure f = (ApplicationFailure) e;
          assertThat(f.getType()).isEqualTo(PostgresConnector.DATABASE_REFUSED).isEqualTo("DatabaseRefusedConnection");
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getOriginalMessage())
              .contains("SQLSTATE 53300")
              .contains("reserved_connections")
              .contains("pg_use_reserved_connections");
        });
    var somePlan = List.of(PlanEntries.idleInTransaction(1, "2026-01-01T00:00:00.000000Z", null));
    assertThatThrownBy(() -> leastPrivilege.terminate(pg.target, policy, somePlan))
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(e -> assertThat(((ApplicationFailure) e).getType()).isEqualTo(PostgresConnector.DATABASE_REFUSED));
    await().atMost(Duration.ofSeconds(10)).until(() -> pg.youngestIdleInTransactionSeconds() > 1.1);

    // The reserved path before PostgreSQL 16: a superuser role may use superuser_reserved_connections.
    var reserved = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediatorSuperuser)));
    diagnoseAndTerminateTheLeak(reserved, pg, usable, leaked);
    reserved.close(); // its kept diagnosis connection would count below
    await().atMost(Duration.ofSeconds(10)).until(() -> pg.serverConnections() == 0);

    // Slots are free again: the least-privilege role gets in.
    ConnectionSnapshot after = leastPrivilege.snapshot(pg.target, policy);
    assertThat(after.totalConnections()).isZero();
    leastPrivilege.close();
  }

  /**
   * The diagnosis keeps its connection between snapshots. When the application then fills the server, a kept
   * connection still diagnoses for the least-privilege role, which could not connect anew; with none kept, the
   * refusal is the same as before.
   */
  @Test
  void aKeptDiagnosisConnectionStillWorksWhenTheServerRefusesNewOnes() throws Exception {
    int[] limits = pg.limits();
    assumeThat(limits[0] - limits[1] - pg.serverConnections())
        .as("free slots on the server (an external server must be small enough to fill)")
        .isLessThanOrEqualTo(300);
    var kept = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediator)));
    var fresh = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediator)));
    try {
      kept.snapshot(pg.target, policy);
      int opened = kept.diagnosisConnections().opened();

      int leaked = leakUntilRefused(pg, limits[0]).leaked();

      ConnectionSnapshot s = kept.snapshot(pg.target, policy);
      assertThat(s.totalConnections()).isEqualTo(leaked);
      assertThat(s.serverConnections()).as("everything but its own slot").isEqualTo(limits[0] - limits[1] - 1);
      assertThat(s.utilization()).isGreaterThanOrEqualTo(0.9);
      assertThat(kept.diagnosisConnections().opened()).as("the kept connection, no new one").isEqualTo(opened);
      assertThatThrownBy(() -> fresh.snapshot(pg.target, policy))
          .isInstanceOf(ApplicationFailure.class)
          .satisfies(e -> assertThat(((ApplicationFailure) e).getType()).isEqualTo(PostgresConnector.DATABASE_REFUSED));
    } finally {
      kept.close();
      fresh.close();
      pg.closeSessions();
      await().atMost(Duration.ofSeconds(10)).until(() -> pg.serverConnections() == 0);
    }
  }

  /**
   * PostgreSQL 16+: {@code reserved_connections} slots for roles with privileges of
   * {@code pg_use_reserved_connections}. The least-privilege role is refused while it lacks the grant, and works
   * through the reserved slots once it has it, without being a superuser.
   */
  @Test
  void onPostgres16TheLeastPrivilegeRoleUsesReservedConnections() throws Exception {
    int version = pg.serverVersion();
    assumeTrue(version >= 160000, "reserved_connections exists from PostgreSQL 16; this server is " + version);
    assumeTrue(!pg.external(), "needs a server started with reserved_connections: the embedded one");

    try (var rpg =
        new PostgresFixture(
            Map.of("max_connections", "20", "superuser_reserved_connections", "3", "reserved_connections", "2"))) {
      int[] limits = rpg.limits();
      assertThat(limits).containsExactly(20, 5);
      int usable = limits[0] - limits[1];

      // The application leaks until the server refuses ordinary roles: it never gets the reserved slots.
      Saturation saturation = leakUntilRefused(rpg, limits[0]);
      int leaked = saturation.leaked();
      assertThat(saturation.refusal().getMessage())
          .contains("reserved for roles with privileges of the \"pg_use_reserved_connections\" role");
      assertThat(leaked).isEqualTo(usable);
      assertThat(rpg.serverConnections()).isEqualTo(usable);

      // Without the grant the least-privilege role is an ordinary role: refused, for snapshot and termination.
      var leastPrivilege = new DatabaseActivitiesImpl(new TargetDirectory(rpg.config(rpg.remediator)));
      assertThatThrownBy(() -> leastPrivilege.snapshot(rpg.target, policy))
          .isInstanceOf(ApplicationFailure.class)
          .satisfies(e -> {
            ApplicationFailure f = (ApplicationFailure) e;
            assertThat(f.getType()).isEqualTo(PostgresConnector.DATABASE_REFUSED);
            assertThat(f.isNonRetryable()).isTrue();
            assertThat(f.getOriginalMessage())
                .contains("SQLSTATE 53300")
                .contains("reserved for roles with privileges of the \"pg_use_reserved_connections\" role");
          });
      var somePlan = List.of(PlanEntries.idleInTransaction(1, "2026-01-01T00:00:00.000000Z", null));
      assertThatThrownBy(() -> leastPrivilege.terminate(rpg.target, policy, somePlan))
          .isInstanceOf(ApplicationFailure.class)
          .satisfies(e -> assertThat(((ApplicationFailure) e).getType()).isEqualTo(PostgresConnector.DATABASE_REFUSED));

      // The documented setup: GRANT pg_use_reserved_connections. The role stays an ordinary, non-superuser role.
      // PostgreSQL checks privileges of the role, not membership: a NOINHERIT role's grant (16+: WITH INHERIT FALSE
      // by default) gives no slot; WITH INHERIT TRUE does.
      var noInherit = new DatabaseActivitiesImpl(new TargetDirectory(rpg.config(rpg.noInherit)));
      try (Connection c = rpg.admin("postgres");
          Statement st = c.createStatement()) {
        st.execute("GRANT pg_use_reserved_connections TO " + rpg.noInherit);
        assertThatThrownBy(() -> noInherit.snapshot(rpg.target, policy))
            .isInstanceOf(ApplicationFailure.class)
            .satisfies(e ->
                assertThat(((ApplicationFailure) e).getType()).isEqualTo(PostgresConnector.DATABASE_REFUSED));
        st.execute("GRANT pg_use_reserved_connections TO " + rpg.noInherit + " WITH INHERIT TRUE");
        assertThatThrownBy(() -> noInherit.snapshot(rpg.target, policy))
            .as("in through a reserved slot, then refused for its other, non-inherited grants")
            .isInstanceOf(ApplicationFailure.class)
            .satisfies(e -> assertThat(((ApplicationFailure) e).getType())
                .isEqualTo(PostgresConnector.DATABASE_PRIVILEGES));

        st.execute("GRANT pg_use_reserved_connections TO " + rpg.remediator);
        try (var rs = st.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = '" + rpg.remediator + "'")) {
          rs.next();
          assertThat(rs.getBoolean(1)).isFalse();
        }
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> rpg.youngestIdleInTransactionSeconds() > 1.1);

      ConnectionSnapshot s = diagnoseAndTerminateTheLeak(leastPrivilege, rpg, usable, leaked);
      leastPrivilege.close(); // its kept diagnosis connection
      noInherit.close();
      assertThat(s.maxConnections()).isEqualTo(20);
      assertThat(s.reservedConnections()).as("superuser_reserved_connections + reserved_connections").isEqualTo(5);
      assertThat(s.utilization()).isEqualTo(1.0);
      await().atMost(Duration.ofSeconds(10)).until(() -> rpg.serverConnections() == 0);
    }
  }

  record Saturation(int leaked, SQLException refusal) {}

  /** Opens the application's sessions (idle in transaction) until the server refuses one with 53300. */
  static Saturation leakUntilRefused(PostgresFixture f, int maxConnections) throws SQLException {
    int leaked = 0;
    while (leaked <= maxConnections) {
      try {
        f.idleInTransaction(f.app);
        leaked++;
      } catch (SQLException e) {
        assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo(PostgresConnector.TOO_MANY_CONNECTIONS);
        return new Saturation(leaked, e);
      }
    }
    throw new AssertionError("no refusal within max_connections (" + maxConnections + ") sessions");
  }

  /**
   * Through a reserved slot: the snapshot sees the whole leak, and the plan is terminated as the workflow would,
   * action after action, each within the cap, never finding a session changed.
   */
  static ConnectionSnapshot diagnoseAndTerminateTheLeak(
      DatabaseActivitiesImpl activities, PostgresFixture f, int usable, int leaked) {
    ConnectionSnapshot s = activities.snapshot(f.target, policy);
    assertThat(s.serverConnections()).isEqualTo(usable);
    assertThat(s.totalConnections()).isEqualTo(leaked);
    assertThat(s.applicationConnections()).isEqualTo(leaked);
    assertThat(s.idleInTransaction()).isEqualTo(leaked);
    assertThat(s.terminableIdleInTransaction()).hasSize(leaked);
    assertThat(s.diagnosis().cause()).isEqualTo(RootCause.LEAK);
    List<SessionInfo> plan = s.terminableIdleInTransaction();
    long terminated = 0;
    for (int call = 0; call < 10 && terminated < leaked; call++) {
      TerminationResult r = activities.terminate(f.target, policy, plan);
      assertThat(r.terminated()).isLessThanOrEqualTo(PoolPolicy.of(policy).maxSessionsPerTermination());
      assertThat(r.outcomes()).extracting(o -> o.result()).doesNotContain(Result.CHANGED);
      terminated += r.terminated();
    }
    assertThat(terminated).isEqualTo(leaked);
    return s;
  }
}
