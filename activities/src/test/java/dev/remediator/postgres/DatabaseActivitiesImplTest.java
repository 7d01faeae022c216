package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.runbook.dbpool.PoolPolicy;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.dbpool.SessionInfo;
import dev.remediator.runbook.dbpool.SessionOutcome;
import dev.remediator.incident.Target;
import dev.remediator.runbook.dbpool.TerminationResult;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The PostgreSQL activities against a real server with real sessions. */
class DatabaseActivitiesImplTest {
  static PostgresFixture pg;
  static Target TARGET;
  static DatabaseActivitiesImpl activities;
  static RunbookPolicy policy;

  @BeforeAll
  static void startPostgres() {
    pg = new PostgresFixture();
    TARGET = pg.target;
    var config = pg.config(pg.remediator);
    activities = new DatabaseActivitiesImpl(new TargetDirectory(config));
    policy = ConfigLoader.parsePolicy("{idleInTransactionReportAfter: 500ms, idleInTransactionTerminateAfter: 1s}");
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    pg.close();
  }

  @AfterEach
  void closeSessions() {
    pg.closeSessions();
  }

  private static void awaitLeakOlderThan(Duration age) {
    await().atMost(Duration.ofSeconds(10)).until(() -> pg.youngestIdleInTransactionSeconds() > age.toMillis() / 1000.0);
  }

  @Test
  void snapshotCountsTheRunbookSummaryForTheTargetDatabase() throws Exception {
    for (int i = 0; i < 4; i++) {
      pg.idleInTransaction(pg.app);
    }
    pg.idle(pg.app);
    pg.idle(pg.app);
    awaitLeakOlderThan(PoolPolicy.of(policy).idleInTransactionTerminateAfter());

    ConnectionSnapshot s = activities.snapshot(TARGET, policy);

    assertThat(s.totalConnections()).isEqualTo(6);
    assertThat(s.idleInTransaction()).isEqualTo(4);
    assertThat(s.idle()).isEqualTo(2);
    assertThat(s.maxConnections()).isEqualTo(pg.limits()[0]);
    assertThat(s.reservedConnections()).isEqualTo(pg.limits()[1]);
    assertThat(s.utilization()).isEqualTo(6.0 / (s.maxConnections() - s.reservedConnections()));
    assertThat(s.idleInTransactionSessions()).hasSize(4);
    assertThat(s.idleInTransactionSessions())
        .allSatisfy(x -> assertThat(x.query()).isEqualTo("SELECT email FROM accounts WHERE id = ?"));
  }

  @Test
  void terminatesExactlyThePlannedSessionsAndNoOthers() throws Exception {
    int planned1 = pg.idleInTransaction(pg.app);
    int planned2 = pg.idleInTransaction(pg.app);
    int notPlanned = pg.idleInTransaction(pg.app);
    int otherApp = pg.idleInTransaction(pg.otherApp);
    int healthy = pg.idle(pg.app);
    awaitLeakOlderThan(PoolPolicy.of(policy).idleInTransactionTerminateAfter());

    List<SessionInfo> seen = activities.snapshot(TARGET, policy).idleInTransactionSessions();
    assertThat(seen).extracting(SessionInfo::pid).contains(planned1, planned2, notPlanned, otherApp);
    List<SessionInfo> plan =
        seen.stream().filter(x -> x.pid() == planned1 || x.pid() == planned2 || x.pid() == otherApp).toList();

    TerminationResult result = activities.terminate(TARGET, policy, plan);

    assertThat(result.outcomes())
        .extracting(SessionOutcome::pid, SessionOutcome::result)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(planned1, SessionOutcome.Result.TERMINATED),
            org.assertj.core.groups.Tuple.tuple(planned2, SessionOutcome.Result.TERMINATED),
            org.assertj.core.groups.Tuple.tuple(otherApp, SessionOutcome.Result.REFUSED));
    assertThat(pg.alive(planned1)).isFalse();
    assertThat(pg.alive(planned2)).isFalse();
    assertThat(pg.alive(notPlanned)).isTrue();
    assertThat(pg.alive(otherApp)).isTrue();
    assertThat(pg.alive(healthy)).isTrue();

    // Retrying the same action is harmless: the sessions are reported gone, nothing else is touched.
    TerminationResult retry = activities.terminate(TARGET, policy, plan);
    assertThat(retry.terminated()).isZero();
    assertThat(pg.alive(notPlanned)).isTrue();
  }

  @Test
  void aSessionThatCommittedSinceThePlanIsNotTerminated() throws Exception {
    int pid = pg.idleInTransaction(pg.app);
    awaitLeakOlderThan(PoolPolicy.of(policy).idleInTransactionTerminateAfter());
    List<SessionInfo> plan = activities.snapshot(TARGET, policy).idleInTransactionSessions();

    pg.lastSession().commit();
    TerminationResult result = activities.terminate(TARGET, policy, plan);

    assertThat(result.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.pid()).isEqualTo(pid);
      assertThat(o.result()).isEqualTo(SessionOutcome.Result.CHANGED);
    });
    assertThat(pg.alive(pid)).isTrue();
  }

  @Test
  void aRoleWithoutPgReadAllStatsGetsAClearErrorInsteadOfZeroCounts() throws Exception {
    pg.idleInTransaction(pg.app);
    var unprivileged =
        new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.unprivileged)));

    assertThatThrownBy(() -> unprivileged.snapshot(TARGET, policy))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("pg_read_all_stats")
        .satisfies(e -> assertThat(((ApplicationFailure) e).isNonRetryable()).isTrue());
  }

  @Test
  void anUnconfiguredTargetIsRefusedBeforeAnyCall() {
    assertThatThrownBy(() -> activities.snapshot(new Target("prod", "billing-service", pg.db), policy))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("not configured");
  }
}
