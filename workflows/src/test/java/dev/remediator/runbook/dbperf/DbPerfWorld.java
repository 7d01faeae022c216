package dev.remediator.runbook.dbperf;

import dev.remediator.incident.Notification;
import dev.remediator.incident.NotificationActivities;
import dev.remediator.incident.NotificationResult;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A simulated PostgreSQL database for the Database Performance workflow tests: a root blocker with sessions queued
 * behind it, tables whose statistics are stale or full of dead tuples, and pg_stat_statements' tops. It reacts to
 * the runbook's actions the way PostgreSQL does: a cancel ends an active blocker's statement and transaction
 * (its waiters proceed) but does nothing to a session idle in transaction; a termination ends the session; a
 * cancel or termination of a session that is no longer the same transaction, or blocks nobody, is CHANGED and
 * changes nothing; an ANALYZE makes a table's statistics fresh. The real queries against PostgreSQL are
 * PerformanceActivitiesImpl's tests; here only the workflow's decisions are under test.
 */
final class DbPerfWorld implements PerformanceActivities, NotificationActivities {
  static final String BACKEND_START = "2026-12-01T09:00:00.000000Z";

  /** The current root blocker; null when nobody blocks. */
  volatile BackendSession blocker;
  /** Sessions waiting behind the blocker. */
  volatile int waiters;
  volatile List<TableStats> tables = List.of();
  volatile boolean statementsAvailable = true;
  /** Every slot is taken: the diagnosis and the samples are refused (SQLSTATE 53300, not retried). */
  volatile boolean refuses;
  /** The diagnosis alone fails (its statement times out); the light samples get through. */
  volatile boolean diagnosisFails;
  /** Tables whose ANALYZE the statement timeout stops (they stay stale). */
  final List<String> analyzeTimesOut = new CopyOnWriteArrayList<>();

  final List<String> calls = new CopyOnWriteArrayList<>();
  /** Every signal sent: "cancel 4242", "terminate 4242". */
  final List<String> signalled = new CopyOnWriteArrayList<>();
  final List<String> analyzed = new CopyOnWriteArrayList<>();
  final List<Notification> notifications = new CopyOnWriteArrayList<>();
  /**
   * The other configured databases on the same server the check for similar issues reads at close, in order, each
   * its own world (null: it does not answer). Set before the incident starts.
   */
  final Map<Target, DbPerfWorld> elsewhere = new LinkedHashMap<>();
  /** The causes the check for similar issues was asked about, one per call. */
  final List<PerformanceCause> similarChecks = new CopyOnWriteArrayList<>();

  /** A root blocker with {@code waiters} sessions behind it, running an UPDATE (active) or idle in transaction. */
  static DbPerfWorld lockContention(int waiters, boolean idleInTransaction) {
    DbPerfWorld w = new DbPerfWorld();
    w.blocker = session(4242, "2026-12-01T09:58:00.000000Z", idleInTransaction ? "idle in transaction" : "active",
        idleInTransaction ? "UPDATE orders SET status = $1 WHERE id = $2" : "UPDATE orders SET total = total * $1");
    w.waiters = waiters;
    return w;
  }

  static DbPerfWorld tables(TableStats... tables) {
    DbPerfWorld w = new DbPerfWorld();
    w.tables = List.of(tables);
    return w;
  }

  static TableStats stale(String table) {
    return new TableStats(table, 1_000_000, 20_000, 400_000, "2026-11-20T03:00:00.000000Z",
        "2026-11-30T03:00:00.000000Z", true, false);
  }

  static TableStats deadTuples(String table) {
    return new TableStats(table, 1_000_000, 600_000, 500, "2026-12-01T03:00:00.000000Z",
        "2026-11-10T03:00:00.000000Z", false, true);
  }

  static BackendSession session(int pid, String xactStart, String state, String query) {
    return new BackendSession(pid, "app", "orders-service", "10.0.0.7", state, BACKEND_START, xactStart,
        xactStart, null, null, 120, 120, query, false, null);
  }

  /**
   * Between plan and approval the blocker committed (same pid, a new transaction that blocks nobody) and another
   * session took the lock: the waiters now queue behind it.
   */
  synchronized void blockerChanges() {
    blocker = session(4343, "2026-12-01T10:01:00.000000Z", "active", "DELETE FROM orders WHERE id = $1");
  }

  private void refuseIfFull(Target target) {
    if (refuses) {
      throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
          "connecting to " + target.id() + ": the server refused the connection (SQLSTATE 53300)",
          "DatabaseRefusedConnection");
    }
  }

  @Override
  public synchronized PerformanceSnapshot diagnose(Target target, RunbookPolicy policy) {
    calls.add("diagnose");
    refuseIfFull(target);
    if (diagnosisFails) {
      throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
          "diagnosis of " + target.id() + ": canceling statement due to statement timeout", "DatabaseError");
    }
    List<LockWait> waits = new ArrayList<>();
    List<Blocker> blockers = new ArrayList<>();
    if (blocker != null && waiters > 0) {
      List<Integer> pids = new ArrayList<>();
      for (int i = 0; i < waiters; i++) {
        BackendSession w = new BackendSession(5001 + i, "app", "orders-service", "10.0.0." + (10 + i), "active",
            BACKEND_START, "2026-12-01T09:59:00.000000Z", "2026-12-01T09:59:00.000000Z", "Lock", "transactionid",
            95 - i, 95 - i, "UPDATE orders SET status = $1 WHERE id = $2", false, null);
        waits.add(new LockWait(w, List.of(blocker.pid()), List.of(blocker.pid()), 95 - i, "transactionid",
            "ShareLock", "public.orders"));
        pids.add(w.pid());
      }
      blockers.add(new Blocker(blocker, List.of("ExclusiveLock on transactionid", "RowExclusiveLock on public.orders"),
          pids, waiters, true, 95));
    }
    List<TopStatement> total = statementsAvailable ? List.of(
        new TopStatement(101L, "UPDATE orders SET status = $1 WHERE id = $2", 52_000, 812_000, 15.6, 52_000),
        new TopStatement(102L, "SELECT * FROM orders WHERE customer_id = $1", 9_000, 301_000, 33.4, 90_000))
        : List.of();
    List<TopStatement> mean = statementsAvailable ? List.of(
        new TopStatement(102L, "SELECT * FROM orders WHERE customer_id = $1", 9_000, 301_000, 33.4, 90_000))
        : List.of();
    return new PerformanceSnapshot("2026-12-01T10:00:00Z", waits, blockers, List.of(), statementsAvailable,
        statementsAvailable ? null : "extension pg_stat_statements is not installed", total, mean, tables, List.of(),
        waiters + 2);
  }

  @Override
  public synchronized PerformanceSample sample(Target target, RunbookPolicy policy) {
    calls.add("sample");
    refuseIfFull(target);
    int waiting = blocker == null ? 0 : waiters;
    return new PerformanceSample("2026-12-01T10:00:00Z", waiting, waiting > 0 ? 95 : 0, 0, 0.2, waiting + 2);
  }

  @Override
  public SignalResult cancelBlockers(Target target, RunbookPolicy policy, List<BackendSession> blockers) {
    return signal("cancel", blockers, SignalOutcome.Result.CANCELLED);
  }

  @Override
  public SignalResult terminateBlockers(Target target, RunbookPolicy policy, List<BackendSession> blockers) {
    return signal("terminate", blockers, SignalOutcome.Result.TERMINATED);
  }

  private synchronized SignalResult signal(String how, List<BackendSession> asked, SignalOutcome.Result done) {
    calls.add(how + "Blockers");
    List<SignalOutcome> outcomes = new ArrayList<>();
    for (BackendSession b : asked) {
      if (blocker == null || waiters == 0) {
        outcomes.add(new SignalOutcome(b.pid(), SignalOutcome.Result.CHANGED, "blocks nobody any more"));
      } else if (!b.sameTransactionAs(blocker)) {
        outcomes.add(new SignalOutcome(b.pid(), SignalOutcome.Result.CHANGED,
            "no longer the planned transaction (xact_start differs, or another pid blocks now)"));
      } else {
        signalled.add(how + " " + b.pid());
        outcomes.add(new SignalOutcome(b.pid(), done, null));
        boolean statementRunning = "active".equals(blocker.state());
        if (done == SignalOutcome.Result.TERMINATED || statementRunning) {
          blocker = null; // its transaction ended: the waiters get their locks
          waiters = 0;
        }
      }
    }
    return new SignalResult(outcomes, 1, blocker == null ? 0 : waiters);
  }

  @Override
  public synchronized AnalyzeResult analyzeTables(Target target, RunbookPolicy policy, List<String> asked) {
    calls.add("analyzeTables");
    List<AnalyzeOutcome> outcomes = new ArrayList<>();
    List<TableStats> now = new ArrayList<>();
    for (TableStats t : tables) {
      if (asked.contains(t.table()) && t.staleStatistics() && analyzeTimesOut.contains(t.table())) {
        outcomes.add(new AnalyzeOutcome(t.table(), AnalyzeOutcome.Result.TIMED_OUT, 120,
            "canceling statement due to statement timeout"));
        now.add(t);
      } else if (asked.contains(t.table()) && t.staleStatistics()) {
        analyzed.add(t.table());
        outcomes.add(new AnalyzeOutcome(t.table(), AnalyzeOutcome.Result.ANALYZED, 1.5, null));
        now.add(new TableStats(t.table(), t.liveTuples(), t.deadTuples(), 0, "2026-12-01T10:02:00.000000Z",
            t.lastAutovacuum(), false, t.deadTupleBuildUp()));
      } else {
        if (asked.contains(t.table())) {
          outcomes.add(new AnalyzeOutcome(t.table(), AnalyzeOutcome.Result.FRESH, 0, null));
        }
        now.add(t);
      }
    }
    tables = List.copyOf(now);
    return new AnalyzeResult(outcomes, 1);
  }

  /** Each other world's diagnosis judged by the runbook's own pattern, as the activity does on real databases. */
  @Override
  public SimilarIssues similarElsewhere(Target incidentTarget, RunbookPolicy policy, PerformanceCause cause) {
    similarChecks.add(cause);
    PerformancePolicy own = PerformancePolicy.of(policy);
    List<SimilarIssues.Elsewhere> found = new ArrayList<>();
    elsewhere.forEach((t, world) -> found.add(world == null
        ? new SimilarIssues.Elsewhere(t, SimilarIssues.Finding.UNCHECKED, "did not answer: connect timed out")
        : PerformancePattern.finding(t, world.diagnose(t, policy), own, cause)));
    return new SimilarIssues(PerformancePattern.describe(own, cause), found, 40, null);
  }

  @Override
  public NotificationResult send(Notification notification) {
    notifications.add(notification);
    return new NotificationResult(notification.channels().stream()
        .map(c -> new NotificationResult.Delivery(c, true, 200, null)).toList());
  }
}
