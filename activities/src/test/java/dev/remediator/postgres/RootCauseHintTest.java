package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.runbook.dbpool.BlockedSession;
import dev.remediator.runbook.dbpool.ClientGroup;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.PoolDiagnosis;
import dev.remediator.runbook.dbpool.RootCause;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.registry.Runbooks;
import dev.remediator.runbook.dbpool.SessionInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The root-cause hint on snapshots shaped like each of the runbook's common causes. */
class RootCauseHintTest {
  static final RunbookPolicy POLICY = Runbooks.defaultPolicy(); // report after 30 s, long after 60 s

  static SessionInfo session(int pid, String state, double stateSeconds, double querySeconds, boolean terminable) {
    return new SessionInfo(pid, "auth_service", "auth-service", "10.0.0.7", state, "2026-11-26T17:00:00.000000Z",
        "2026-11-26T17:01:00.000000Z", stateSeconds, querySeconds, "SELECT ?", true, terminable,
        terminable ? null : "idle in transaction for only 40 s");
  }

  /** A snapshot of a 40-slot server (37 usable) with the given sessions and counts. */
  static ConnectionSnapshot snapshot(
      int total, int active, int idle, List<SessionInfo> idleInTx, List<SessionInfo> longRunning,
      List<BlockedSession> blocked, List<SessionInfo> blocking, int others) {
    List<ClientGroup> clients =
        List.of(new ClientGroup("auth-service", "10.0.0.7", "auth_service", total, active, idleInTx.size(), idle,
            idleInTx.stream().mapToDouble(SessionInfo::stateSeconds).max().orElse(0), true));
    return new ConnectionSnapshot("2026-11-26T17:30:00.000000Z", total, active, idle, idleInTx.size(), 900, 40, 3,
        total + others, total / 37.0, idleInTx, longRunning, blocked, clients, PoolDiagnosis.unknown(), blocking, total,
        others, (int) idleInTx.stream().filter(SessionInfo::terminable).count(), 0, "14.22");
  }

  @Test
  void manySessionsIdleInTransactionAreALeak() {
    List<SessionInfo> leaked = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      leaked.add(session(1000 + i, "idle in transaction", 840 + i, 840 + i, i < 20));
    }
    PoolDiagnosis d = RootCauseHint.diagnose(snapshot(34, 0, 9, leaked, List.of(), List.of(), List.of(), 1), POLICY);

    assertThat(d.cause()).isEqualTo(RootCause.LEAK);
    assertThat(d.evidence().get(0))
        .isEqualTo("25 of 34 connections idle in transaction longer than 30 s, oldest 14 min (20 of them the"
            + " application's and past the termination threshold)");
    assertThat(d.evidence())
        .contains("client that stands out: auth-service@10.0.0.7 (role auth_service, the application): 34 of 34"
            + " connections, 0 active, 25 idle in transaction, oldest 14 min")
        .last().asString().startsWith("91.9% utilization: 34 connections to the database of 37 usable");
  }

  @Test
  void sessionsWaitingOnAnIdleTransactionAreLockContentionWithTheRootNamed() {
    SessionInfo root = session(500, "idle in transaction", 300, 300, true);
    List<BlockedSession> blocked = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      blocked.add(new BlockedSession(session(600 + i, "active", 100, 100 - i, false), List.of(i == 0 ? 500 : 600),
          100 - i, List.of(500)));
    }
    List<SessionInfo> waitingLong = blocked.stream().map(BlockedSession::blocked).toList();
    PoolDiagnosis d =
        RootCauseHint.diagnose(
            snapshot(30, 12, 5, List.of(root), waitingLong, blocked, List.of(root), 2), POLICY);

    assertThat(d.cause()).isEqualTo(RootCause.LOCK_CONTENTION);
    assertThat(d.evidence().get(0))
        .isEqualTo("12 of 30 connections waiting on locks, longest 100 s; root blocker pid 500 holds up 12 (idle in"
            + " transaction for 5 min: a leaked transaction holding locks, role auth_service)");
    // The waiting sessions are not counted again as slow queries.
    assertThat(d.evidence()).noneMatch(l -> l.contains("queries running longer"));
  }

  @Test
  void longQueriesNotWaitingOnLocksAreSlowQueries() {
    List<SessionInfo> slow = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      slow.add(session(700 + i, "active", 100 + i, 100 + i, false));
    }
    PoolDiagnosis d = RootCauseHint.diagnose(snapshot(30, 12, 10, List.of(), slow, List.of(), List.of(), 0), POLICY);

    assertThat(d.cause()).isEqualTo(RootCause.SLOW_QUERIES);
    assertThat(d.evidence().get(0)).isEqualTo("8 queries running longer than 60 s, longest 107 s (pid 707: SELECT ?)");
  }

  @Test
  void busyShortQueriesAtHighUtilizationAreLoad() {
    PoolDiagnosis d = RootCauseHint.diagnose(snapshot(35, 30, 5, List.of(), List.of(), List.of(), List.of(), 0), POLICY);

    assertThat(d.cause()).isEqualTo(RootCause.LOAD);
    assertThat(d.evidence().get(0)).startsWith("30 of 35 connections active with short queries at 94.6% utilization");
  }

  @Test
  void idleConnectionsFillingTheServerAreConfiguration() {
    PoolDiagnosis d = RootCauseHint.diagnose(snapshot(34, 3, 31, List.of(), List.of(), List.of(), List.of(), 0), POLICY);

    assertThat(d.cause()).isEqualTo(RootCause.CONFIGURATION);
    assertThat(d.evidence().get(0)).startsWith("31 of 34 connections idle (not in a transaction) at 91.9% utilization");
  }

  @Test
  void otherClientsHoldingTheServerAreConfiguration() {
    PoolDiagnosis d = RootCauseHint.diagnose(snapshot(5, 2, 3, List.of(), List.of(), List.of(), List.of(), 30), POLICY);

    assertThat(d.cause()).isEqualTo(RootCause.CONFIGURATION);
    assertThat(d.evidence().get(0))
        .isEqualTo("other clients hold 30 of the server's 37 usable slots (35 connections in all): the server is"
            + " shared beyond its size");
  }

  @Test
  void aQuietDatabaseHasNoCause() {
    PoolDiagnosis d =
        RootCauseHint.diagnose(
            snapshot(10, 2, 7, List.of(session(1, "idle in transaction", 40, 40, false)), List.of(), List.of(),
                List.of(), 0),
            POLICY);

    assertThat(d.cause()).isEqualTo(RootCause.UNKNOWN);
    assertThat(d.evidence()).hasSize(2); // the standing-out client and the utilization line, nothing claimed
  }

  @Test
  void chainsAreFollowedToTheirRootsThroughWaitingSessions() {
    // 3 waits for 2, 2 waits for 1; 5 waits for 4 and 3; 7 and 8 wait for each other (a deadlock in the making).
    Map<Integer, List<Integer>> waitsFor =
        Map.of(3, List.of(2), 2, List.of(1), 5, List.of(4, 3), 7, List.of(8), 8, List.of(7));

    assertThat(SnapshotQuery.roots(3, waitsFor)).containsExactly(1);
    assertThat(SnapshotQuery.roots(5, waitsFor)).containsExactly(1, 4);
    assertThat(SnapshotQuery.roots(2, waitsFor)).containsExactly(1);
    assertThat(SnapshotQuery.roots(7, waitsFor)).isEmpty();
  }
}
