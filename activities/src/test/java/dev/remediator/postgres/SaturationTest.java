package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.ConfigLoader;
import dev.remediator.incident.ConnectionSnapshot;
import dev.remediator.incident.RootCause;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SessionInfo;
import dev.remediator.incident.SessionOutcome.Result;
import dev.remediator.incident.TerminationResult;
import io.temporal.failure.ApplicationFailure;
import java.sql.SQLException;
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
    int leaked = 0;
    SQLException refusal = null;
    while (refusal == null && leaked <= limits[0]) {
      try {
        pg.idleInTransaction(pg.app);
        leaked++;
      } catch (SQLException e) {
        refusal = e;
      }
    }
    assertThat((Object) refusal).as("a refusal within max_connections attempts").isNotNull();
    assertThat(refusal.getSQLState()).isEqualTo(PostgresConnector.TOO_MANY_CONNECTIONS);
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
    assertThatThrownBy(() -> leastPrivilege.terminateIdleInTransaction(pg.target, policy, somePlan))
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(e -> assertThat(((ApplicationFailure) e).getType()).isEqualTo(PostgresConnector.DATABASE_REFUSED));
    await().atMost(Duration.ofSeconds(10)).until(() -> pg.youngestIdleInTransactionSeconds() > 1.1);

    // The reserved path before PostgreSQL 16: a superuser role may use superuser_reserved_connections.
    var reserved = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediatorSuperuser)));
    ConnectionSnapshot s = reserved.snapshot(pg.target, policy);
    assertThat(s.serverConnections()).isEqualTo(usable);
    assertThat(s.totalConnections()).isEqualTo(leaked);
    assertThat(s.applicationConnections()).isEqualTo(leaked);
    assertThat(s.idleInTransaction()).isEqualTo(leaked);
    assertThat(s.terminableIdleInTransaction()).hasSize(leaked);
    assertThat(s.diagnosis().cause()).isEqualTo(RootCause.LEAK);

    // As the workflow would: the same approved plan, action after action, each within the cap.
    List<SessionInfo> plan = s.terminableIdleInTransaction();
    long terminated = 0;
    for (int call = 0; call < 10 && terminated < leaked; call++) {
      TerminationResult r = reserved.terminateIdleInTransaction(pg.target, policy, plan);
      assertThat(r.terminated()).isLessThanOrEqualTo(policy.maxSessionsPerTermination());
      assertThat(r.outcomes()).extracting(o -> o.result()).doesNotContain(Result.CHANGED);
      terminated += r.terminated();
    }
    assertThat(terminated).isEqualTo(leaked);

    // Slots are free again: the least-privilege role gets in.
    ConnectionSnapshot after = leastPrivilege.snapshot(pg.target, policy);
    assertThat(after.totalConnections()).isZero();
  }
}
