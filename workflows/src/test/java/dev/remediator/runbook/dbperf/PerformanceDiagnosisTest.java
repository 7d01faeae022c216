package dev.remediator.runbook.dbperf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cause a diagnosis pass shows, by precedence, with its evidence and what the runbook may act on. */
class PerformanceDiagnosisTest {
  static final PerformancePolicy POLICY = PerformancePolicy.SECTION.defaults();

  static PerformanceSnapshot snapshot(List<LockWait> waits, List<Blocker> blockers, List<BackendSession> longRunning,
      List<TableStats> tables, List<TopStatement> mean) {
    return new PerformanceSnapshot("2026-12-01T10:00:00Z", waits, blockers, longRunning, true, null, mean, mean,
        tables, List.of(), 5);
  }

  static Blocker root(int pid, int waiters, boolean excluded) {
    BackendSession s = new BackendSession(pid, "app", "orders", null, "idle in transaction", "b", "x" + pid, "q", null,
        null, 300, 300, "UPDATE t SET a = $1", excluded, excluded ? "monitoring agent" : null);
    return new Blocker(s, List.of("RowExclusiveLock on public.t"), List.of(9000 + pid), waiters, true, 60);
  }

  static LockWait wait(int pid, int blocker) {
    BackendSession w = new BackendSession(pid, "app", "orders", null, "active", "b", "x", "q", "Lock", "relation",
        60, 60, "LOCK TABLE t", false, null);
    return new LockWait(w, List.of(blocker), List.of(blocker), 60, "relation", "AccessExclusiveLock", "public.t");
  }

  @Test
  void lockWaitsAreLockContentionWithTheRootBlockersNotExcludedMostWaitersFirstCapped() {
    List<Blocker> roots = List.of(root(10, 1, false), root(11, 5, false), root(12, 9, true), root(13, 5, false),
        root(14, 2, false));
    PerformanceDiagnosis d = PerformanceDiagnosis.of(snapshot(List.of(wait(20, 10), wait(21, 11)), roots, List.of(),
        List.of(DbPerfWorld.stale("public.t")), List.of()), POLICY);
    assertThat(d.cause()).isEqualTo(PerformanceCause.LOCK_CONTENTION);
    // excluded 12 is never acted on; ties by pid; cap 3
    assertThat(d.blockers()).extracting(BackendSession::pid).containsExactly(11, 13, 14);
    assertThat(d.evidence().get(0)).isEqualTo("2 session(s) wait on locks longer than 30 s (longest 60 s) on public.t");
    assertThat(d.evidence()).anySatisfy(e -> assertThat(e).contains("never acted on: monitoring agent"))
        .anySatisfy(e -> assertThat(e).startsWith("1 table(s) with stale statistics: public.t"));
  }

  @Test
  void withoutLockWaitsThePrecedenceIsLongRunningStaleDeadSlowUnknown() {
    BackendSession running = new BackendSession(7, "app", "report", null, "active", "b", "x", "q", null, null, 900,
        900, "SELECT count(*) FROM t", false, null);
    TopStatement slow = new TopStatement(1, "SELECT * FROM t WHERE a = $1", 10, 20_000, 2_000, 10);
    TopStatement fast = new TopStatement(2, "SELECT 1", 10, 20, 2, 10);
    assertThat(PerformanceDiagnosis.of(snapshot(List.of(), List.of(), List.of(running),
        List.of(DbPerfWorld.stale("public.t")), List.of(slow)), POLICY).cause())
        .isEqualTo(PerformanceCause.LONG_RUNNING_STATEMENTS);
    PerformanceDiagnosis stale = PerformanceDiagnosis.of(snapshot(List.of(), List.of(), List.of(),
        List.of(DbPerfWorld.deadTuples("public.d"), DbPerfWorld.stale("public.t")), List.of(slow)), POLICY);
    assertThat(stale.cause()).isEqualTo(PerformanceCause.STALE_STATISTICS);
    assertThat(stale.staleTables()).containsExactly("public.t");
    assertThat(stale.blockers()).isEmpty();
    assertThat(PerformanceDiagnosis.of(snapshot(List.of(), List.of(), List.of(),
        List.of(DbPerfWorld.deadTuples("public.d")), List.of(slow)), POLICY).cause())
        .isEqualTo(PerformanceCause.DEAD_TUPLES);
    PerformanceDiagnosis slowOnly = PerformanceDiagnosis.of(snapshot(List.of(), List.of(), List.of(), List.of(),
        List.of(slow, fast)), POLICY);
    assertThat(slowOnly.cause()).isEqualTo(PerformanceCause.SLOW_QUERIES);
    assertThat(slowOnly.evidence()).containsExactly("1 statement(s) averaging 1000 ms or more: 2000.0 ms mean × 10"
        + " calls (total 20000 ms, 10 rows): SELECT * FROM t WHERE a = $1");
    assertThat(PerformanceDiagnosis.of(snapshot(List.of(), List.of(), List.of(), List.of(), List.of(fast)), POLICY)
        .cause()).isEqualTo(PerformanceCause.UNKNOWN);
    assertThat(PerformanceDiagnosis.of(null, POLICY).cause()).isEqualTo(PerformanceCause.UNKNOWN);
  }
}
