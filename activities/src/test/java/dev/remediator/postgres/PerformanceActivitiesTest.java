package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.incident.ActionMode;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.postgres.dbperf.PerformanceActivitiesImpl;
import dev.remediator.runbook.dbperf.AnalyzeOutcome;
import dev.remediator.runbook.dbperf.AnalyzeResult;
import dev.remediator.runbook.dbperf.BackendSession;
import dev.remediator.runbook.dbperf.Blocker;
import dev.remediator.runbook.dbperf.DbPerfRunbook;
import dev.remediator.runbook.dbperf.LockWait;
import dev.remediator.runbook.dbperf.PerformanceActivities;
import dev.remediator.runbook.dbperf.PerformancePolicy;
import dev.remediator.runbook.dbperf.PerformanceSample;
import dev.remediator.runbook.dbperf.PerformanceSnapshot;
import dev.remediator.runbook.dbperf.SignalOutcome;
import dev.remediator.runbook.dbperf.SignalOutcome.Result;
import dev.remediator.runbook.dbperf.SignalResult;
import dev.remediator.runbook.dbperf.TableStats;
import dev.remediator.runbook.dbperf.TopStatement;
import io.temporal.activity.ActivityOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Database Performance runbook's activities against real PostgreSQL (with {@code pg_stat_statements} preloaded):
 * real lock trees of real sessions, real cancels and terminations, real ANALYZE.
 */
class PerformanceActivitiesTest {
  static PostgresFixture pg;
  static PerformanceActivitiesImpl activities;
  static PerformanceActivitiesImpl superActivities;
  static TestActivityEnvironment env;
  static PerformanceActivities stub;
  static PerformanceActivities superStub;

  static final ActivityOptions OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofSeconds(60)).setHeartbeatTimeout(Duration.ofSeconds(60)).build();

  private static final ExecutorService BACKGROUND = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "perf-test-session");
    t.setDaemon(true);
    return t;
  });

  private final List<Connection> mine = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    pg = new PostgresFixture(Map.of("max_connections", "60", "shared_preload_libraries", "pg_stat_statements"));
    try (Connection c = pg.admin(pg.db);
        Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION pg_stat_statements");
    }
    // PostgreSQL 14's backends send their table counts to the statistics collector when they go idle, at most every
    // 500 ms, and always when they exit: each step runs on a session of its own, so its counts arrive, and the
    // inserts are counted before the ANALYZE that resets the counts (not after it, which would leave fresh_t stale).
    List<String> tables = List.of("stale_t", "dead_t", "fresh_t", "locked_t");
    for (String t : tables) {
      asApp("CREATE TABLE " + t + " (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = off)",
          "INSERT INTO " + t + " SELECT g, 0 FROM generate_series(1, 2000) g");
    }
    awaitStats("n_mod_since_analyze >= 2000", tables);
    for (String t : tables) {
      asApp("ANALYZE " + t);
    }
    awaitStats("n_mod_since_analyze = 0 AND last_analyze IS NOT NULL", tables);
    asApp("UPDATE stale_t SET v = v + 1", "UPDATE locked_t SET v = v + 1", "DELETE FROM dead_t WHERE id > 500",
        "CREATE VIEW accounts_view AS SELECT id FROM accounts", "CREATE TABLE y (id int)");
    awaitStats("n_mod_since_analyze >= 2000", List.of("stale_t", "locked_t"));
    awaitStats("n_dead_tup >= 1500", List.of("dead_t"));
    activities = new PerformanceActivitiesImpl(new TargetDirectory(pg.config(pg.remediator)));
    superActivities = new PerformanceActivitiesImpl(new TargetDirectory(pg.config(pg.remediatorSuperuser)));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(activities);
    stub = env.newActivityStub(PerformanceActivities.class, OPTIONS);
    // A second environment: the superuser role (ANALYZE needs the table's owner before PostgreSQL 17).
    TestActivityEnvironment superEnv = TestActivityEnvironment.newInstance();
    superEnv.registerActivitiesImplementations(superActivities);
    superStub = superEnv.newActivityStub(PerformanceActivities.class, OPTIONS);
  }

  @AfterAll
  static void stop() throws Exception {
    env.close();
    activities.close();
    superActivities.close();
    pg.close();
  }

  @AfterEach
  void closeSessions() throws SQLException {
    pg.closeSessions();
    for (Connection c : mine) {
      c.close();
    }
  }

  /** Runs statements on a session of the application role that ends afterwards. */
  static void asApp(String... statements) throws SQLException {
    try (Connection c = pg.connect(pg.app);
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  /** Waits until every table's row of pg_stat_user_tables satisfies {@code condition}. */
  static void awaitStats(String condition, List<String> tables) {
    String names = String.join("', '", tables);
    await().atMost(Duration.ofSeconds(20)).until(() -> "t".equals(scalar("SELECT bool_and(" + condition + ")"
        + " AND count(*) = " + tables.size() + " FROM pg_stat_user_tables WHERE relname IN ('" + names + "')")));
  }

  static RunbookPolicy policy(int maxBlockers) {
    PerformancePolicy p = new PerformancePolicy(Duration.ofMillis(200), Duration.ofSeconds(1), ActionMode.APPROVE,
        ActionMode.APPROVE, Duration.ofSeconds(15), maxBlockers, ActionMode.APPROVE, Duration.ofSeconds(30), 5, 0.2,
        100, 0.2, 100, 5, 3);
    return RunbookPolicy.runbookDefaults(Map.of(DbPerfRunbook.NAME, PerformancePolicy.SECTION.payload(p)));
  }

  static final RunbookPolicy POLICY = policy(3);

  /** One value of a query on the fixture's database, as the superuser. */
  static String scalar(String sql) throws SQLException {
    try (Connection c = pg.admin(pg.db);
        var rs = c.createStatement().executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** A statement running in the background on a new session of {@code role}: its pid and its end. */
  record Running(int pid, Connection connection, CompletableFuture<Integer> done) {}

  Running start(String role, String sql) throws SQLException {
    Connection c = pg.connect(role);
    mine.add(c);
    int pid = PostgresFixture.pid(c);
    CompletableFuture<Integer> done = CompletableFuture.supplyAsync(() -> {
      try (Statement s = c.createStatement()) {
        s.execute(sql);
        return s.getUpdateCount();
      } catch (SQLException e) {
        throw new IllegalStateException(e.getSQLState() + " " + e.getMessage(), e);
      }
    }, BACKGROUND);
    return new Running(pid, c, done);
  }

  /** Waits until the session waits on a lock longer than the policy's 200 ms. */
  static void awaitLockWait(int pid) {
    await().atMost(Duration.ofSeconds(10)).until(() -> "true".equals(
        pg.activity(pid, "(wait_event_type = 'Lock' AND now() - query_start > interval '300 ms')")));
  }

  /** The session as the diagnosis reports it (the plan's identity). */
  static BackendSession planned(PerformanceSnapshot s, int pid) {
    return s.blockers().stream().map(Blocker::session).filter(b -> b.pid() == pid).findFirst().orElseThrow();
  }

  @Test
  void diagnoseFindsTheBlockingTreeLongStatementsTopStatementsAndTables() throws Exception {
    try (Connection c = pg.admin(pg.db);
        Statement s = c.createStatement()) {
      s.execute("SELECT pg_stat_statements_reset()");
    }
    try (Connection c = pg.connect(pg.app);
        Statement s = c.createStatement()) {
      for (int i = 0; i < 5; i++) {
        s.execute("SELECT count(*) FROM accounts a CROSS JOIN generate_series(1, 5000) g"
            + " WHERE a.email <> 'secret-literal@example.com' AND g > 17");
      }
    }
    int holder = pg.idleInTransaction(pg.app, null, "UPDATE accounts SET email = email WHERE id IN (1, 2)");
    Running w1 = start(pg.app, "UPDATE accounts SET email = 'w1' WHERE id = 1");
    awaitLockWait(w1.pid());
    Running w2 = start(pg.app, "UPDATE accounts SET email = 'w2' WHERE id = 2");
    Running w3 = start(pg.app, "UPDATE accounts SET email = 'w3' WHERE id = 1"); // behind w1's tuple lock
    awaitLockWait(w2.pid());
    awaitLockWait(w3.pid());
    int sleeper = pg.running(pg.app, "SELECT pg_sleep(60)");
    await().atMost(Duration.ofSeconds(10)).until(() -> "true".equals(
        pg.activity(sleeper, "(state = 'active' AND now() - query_start > interval '1.2 s')")));

    activities.diagnose(pg.target, POLICY); // opens and keeps the connection
    long started = System.nanoTime();
    PerformanceSnapshot s = activities.diagnose(pg.target, POLICY);
    double ms = (System.nanoTime() - started) / 1e6;

    assertThat(s.lockWaits()).extracting(w -> w.waiter().pid())
        .containsExactlyInAnyOrder(w1.pid(), w2.pid(), w3.pid());
    LockWait first = wait(s, w1.pid());
    assertThat(first.blockedBy()).containsExactly(holder);
    assertThat(first.rootBlockers()).containsExactly(holder);
    assertThat(first.lockType()).isEqualTo("transactionid");
    assertThat(first.mode()).isEqualTo("ShareLock");
    assertThat(first.relation()).isEqualTo("public.accounts");
    LockWait chained = wait(s, w3.pid());
    assertThat(chained.blockedBy()).containsExactly(w1.pid());
    assertThat(chained.rootBlockers()).containsExactly(holder);
    assertThat(chained.lockType()).isEqualTo("tuple");
    assertThat(chained.relation()).isEqualTo("public.accounts");

    assertThat(s.rootBlockers()).singleElement().satisfies(b -> {
      assertThat(b.session().pid()).isEqualTo(holder);
      assertThat(b.session().state()).isEqualTo("idle in transaction");
      assertThat(b.session().query()).isEqualTo("UPDATE accounts SET email = email WHERE id IN (?, ?)");
      assertThat(b.session().excluded()).isFalse();
      assertThat(b.waitersInTree()).isEqualTo(3);
      assertThat(b.blockedPids()).containsExactlyElementsOf(List.of(w1.pid(), w2.pid()).stream().sorted().toList());
      assertThat(b.held()).containsExactly("ExclusiveLock on transactionid (a row of public.accounts)");
      assertThat(b.longestWaitSeconds()).isGreaterThan(0.2);
    });
    assertThat(s.blockers()).filteredOn(b -> b.session().pid() == w1.pid()).singleElement().satisfies(b -> {
      assertThat(b.root()).isFalse();
      assertThat(b.waitersInTree()).isEqualTo(1);
      assertThat(b.blockedPids()).containsExactly(w3.pid());
      assertThat(b.held()).containsExactly("ExclusiveLock on tuple of public.accounts");
    });
    assertThat(s.blockers().get(0).session().pid()).isEqualTo(holder); // most waiters first

    assertThat(s.longRunning()).extracting(BackendSession::pid).contains(sleeper, holder)
        .doesNotContain(w1.pid(), w2.pid(), w3.pid());
    assertThat(s.longRunning()).filteredOn(b -> b.pid() == sleeper).singleElement()
        .satisfies(b -> assertThat(b.query()).isEqualTo("SELECT pg_sleep(?)"));

    assertThat(s.tables()).extracting(TableStats::table, TableStats::staleStatistics, TableStats::deadTupleBuildUp)
        .contains(tuple("public.locked_t", true, true), tuple("public.dead_t", true, true))
        .noneMatch(t -> t.toList().contains("public.fresh_t"));

    assertThat(s.statementsAvailable()).as(s.statementsUnavailable()).isTrue();
    assertThat(s.topByTotalTime()).isNotEmpty();
    assertThat(s.topByTotalTime()).extracting(TopStatement::query).allMatch(q -> !q.contains("secret-literal"))
        .anyMatch(q -> q.contains("generate_series($1, $2)") && q.contains("a.email <> $3"));
    assertThat(s.topByMeanTime()).extracting(TopStatement::query).anyMatch(q -> q.contains("a.email <> $3"));
    assertThat(s.topByMeanTime()).allMatch(t -> t.calls() >= 3);
    assertThat(s.activeSessions()).isGreaterThanOrEqualTo(4); // three waiters and the sleeper

    // Statements the diagnosis ran, as pg_stat_statements counted them for the remediator role.
    long before = remediatorCalls();
    activities.diagnose(pg.target, POLICY);
    long statements = remediatorCalls() - before;
    System.out.printf("[perf] diagnose on a kept connection: %.1f ms, %d statements, %d lock waits%n",
        ms, statements, s.lockWaits().size());
    assertThat(statements).isEqualTo(2);

    PerformanceSample sample = activities.sample(pg.target, POLICY);
    assertThat(sample.lockWaits()).isEqualTo(3);
    assertThat(sample.longestLockWaitSeconds()).isGreaterThan(0.2);
    assertThat(sample.longRunning()).isGreaterThanOrEqualTo(2); // the sleeper and the holder's transaction
    assertThat(sample.longestStatementSeconds()).isGreaterThan(1);
  }

  private static long remediatorCalls() throws SQLException {
    return Long.parseLong(scalar("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_roles r"
        + " ON r.oid = s.userid WHERE r.rolname = '" + pg.remediator + "'"));
  }

  private static LockWait wait(PerformanceSnapshot s, int pid) {
    return s.lockWaits().stream().filter(w -> w.waiter().pid() == pid).findFirst().orElseThrow();
  }

  @Test
  void aTableLockShowsItsModeAndRelation() throws Exception {
    int holder = pg.idleInTransaction(pg.app, null, "LOCK TABLE fresh_t IN SHARE ROW EXCLUSIVE MODE");
    Running reader = start(pg.app, "SELECT count(*) FROM fresh_t"); // AccessShareLock: compatible, not blocked
    assertThat(reader.done().get(10, TimeUnit.SECONDS)).isEqualTo(-1);
    Running writer = start(pg.app, "UPDATE fresh_t SET v = 1 WHERE id = 1"); // RowExclusiveLock: conflicts
    awaitLockWait(writer.pid());

    PerformanceSnapshot s = activities.diagnose(pg.target, POLICY);

    assertThat(s.lockWaits()).singleElement().satisfies(w -> {
      assertThat(w.waiter().pid()).isEqualTo(writer.pid());
      assertThat(w.lockType()).isEqualTo("relation");
      assertThat(w.mode()).isEqualTo("RowExclusiveLock");
      assertThat(w.relation()).isEqualTo("public.fresh_t");
    });
    assertThat(s.rootBlockers()).singleElement().satisfies(b -> {
      assertThat(b.session().pid()).isEqualTo(holder);
      assertThat(b.held()).containsExactly("ShareRowExclusiveLock on public.fresh_t");
    });
  }

  @Test
  void withoutTheExtensionTheDiagnosisSaysWhy() throws Exception {
    try (Connection c = pg.admin(pg.db);
        Statement s = c.createStatement()) {
      s.execute("DROP EXTENSION pg_stat_statements");
      try {
        PerformanceSnapshot snapshot = activities.diagnose(pg.target, POLICY);
        assertThat(snapshot.statementsAvailable()).isFalse();
        assertThat(snapshot.statementsUnavailable()).startsWith("pg_stat_statements is not installed in database");
        assertThat(snapshot.topByTotalTime()).isEmpty();
      } finally {
        s.execute("CREATE EXTENSION pg_stat_statements");
      }
    }
  }

  @Test
  void cancelDoesNotReleaseAnIdleInTransactionBlockerTerminateDoes() throws Exception {
    int holder = pg.idleInTransaction(pg.app, null, "UPDATE accounts SET email = email WHERE id = 10");
    Running waiter = start(pg.app, "UPDATE accounts SET email = 'after' WHERE id = 10");
    awaitLockWait(waiter.pid());
    BackendSession plan = planned(stub.diagnose(pg.target, POLICY), holder);

    SignalResult cancelled = stub.cancelBlockers(pg.target, POLICY, List.of(plan));

    // PostgreSQL: pg_cancel_backend returns true, but there is no statement to cancel; the transaction and its row
    // lock stay, the waiter keeps waiting.
    assertThat(cancelled.outcomes()).extracting(SignalOutcome::result).containsExactly(Result.CANCELLED);
    assertThat(cancelled.waitsAfter()).isEqualTo(1);
    assertThat(pg.activity(holder, "state")).isEqualTo("idle in transaction");
    assertThat(waiter.done()).isNotDone();

    SignalResult terminated = stub.terminateBlockers(pg.target, POLICY, List.of(plan));

    assertThat(terminated.outcomes()).extracting(SignalOutcome::result).containsExactly(Result.TERMINATED);
    assertThat(terminated.waitsAfter()).isZero();
    assertThat(pg.alive(holder)).isFalse();
    assertThat(waiter.done().get(10, TimeUnit.SECONDS)).isEqualTo(1); // the waiter's UPDATE went through
  }

  @Test
  void cancelOfARunningStatementReleasesItsImplicitTransactionsLocks() throws Exception {
    // One execute with two statements: an implicit transaction block; the UPDATE's row lock lives until it ends.
    Running holder = start(pg.app, "UPDATE accounts SET email = email WHERE id = 11; SELECT pg_sleep(600)");
    await().atMost(Duration.ofSeconds(10)).until(() -> "PgSleep".equals(pg.activity(holder.pid(), "wait_event")));
    Running waiter = start(pg.app, "UPDATE accounts SET email = 'after' WHERE id = 11");
    awaitLockWait(waiter.pid());
    BackendSession plan = planned(stub.diagnose(pg.target, POLICY), holder.pid());
    assertThat(plan.state()).isEqualTo("active");

    SignalResult cancelled = stub.cancelBlockers(pg.target, POLICY, List.of(plan));

    assertThat(cancelled.outcomes()).extracting(SignalOutcome::result).containsExactly(Result.CANCELLED);
    assertThat(cancelled.waitsAfter()).isZero();
    assertThat(waiter.done().get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(holder.done()).failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withMessageContaining("57014"); // canceling statement due to user request
    assertThat(pg.alive(holder.pid())).isTrue(); // the session lives on, its transaction rolled back
  }

  @Test
  void cancelInAnExplicitTransactionAbortsItAndReleasesItsLocks() throws Exception {
    Connection c = pg.connect(pg.app);
    mine.add(c);
    int holderPid = PostgresFixture.pid(c);
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("UPDATE accounts SET email = email WHERE id = 12");
    }
    CompletableFuture<Void> sleeping = CompletableFuture.runAsync(() -> {
      try (Statement st = c.createStatement()) {
        st.execute("SELECT pg_sleep(600)");
      } catch (SQLException e) {
        throw new IllegalStateException(e.getSQLState(), e);
      }
    }, BACKGROUND);
    await().atMost(Duration.ofSeconds(10)).until(() -> "PgSleep".equals(pg.activity(holderPid, "wait_event")));
    Running waiter = start(pg.app, "UPDATE accounts SET email = 'after' WHERE id = 12");
    awaitLockWait(waiter.pid());
    BackendSession plan = planned(stub.diagnose(pg.target, POLICY), holderPid);

    SignalResult cancelled = stub.cancelBlockers(pg.target, POLICY, List.of(plan));

    // PostgreSQL aborts the transaction at the error and releases its locks then (AbortTransaction), although the
    // block stays open, "idle in transaction (aborted)", until the client rolls back: the waiter goes through.
    assertThat(cancelled.outcomes()).extracting(SignalOutcome::result).containsExactly(Result.CANCELLED);
    assertThat(sleeping).failsWithin(Duration.ofSeconds(10));
    assertThat(cancelled.waitsAfter()).isZero();
    assertThat(waiter.done().get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(pg.activity(holderPid, "state")).isEqualTo("idle in transaction (aborted)");
    // pg_stat_activity shows no xact_start for an aborted block: a termination planned before the cancel finds the
    // planned transaction ended, and nothing is done to the session.
    assertThat(pg.activity(holderPid, "xact_start")).isNull();
    SignalResult terminated = stub.terminateBlockers(pg.target, POLICY, List.of(plan));
    assertThat(terminated.outcomes()).extracting(SignalOutcome::result, SignalOutcome::detail)
        .containsExactly(tuple(Result.CHANGED, "the planned transaction ended (committed or rolled back); no"
            + " transaction now"));
    assertThat(pg.alive(holderPid)).isTrue();
  }

  @Test
  void aBlockerWhoseTransactionChangedIsNotSignalled() throws Exception {
    int holder = pg.idleInTransaction(pg.app, null, "UPDATE accounts SET email = email WHERE id = 20");
    Connection holderConnection = pg.lastSession();
    Running waiter = start(pg.app, "UPDATE accounts SET email = 'w' WHERE id = 20");
    awaitLockWait(waiter.pid());
    BackendSession plan = planned(stub.diagnose(pg.target, POLICY), holder);
    // The planned transaction commits; the same backend begins another one that blocks a new waiter.
    holderConnection.commit();
    assertThat(waiter.done().get(10, TimeUnit.SECONDS)).isEqualTo(1);
    try (Statement st = holderConnection.createStatement()) {
      st.execute("UPDATE accounts SET email = email WHERE id = 20");
    }
    Running next = start(pg.app, "UPDATE accounts SET email = 'w2' WHERE id = 20");
    awaitLockWait(next.pid());

    SignalResult r = stub.terminateBlockers(pg.target, POLICY, List.of(plan));

    assertThat(r.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.result()).isEqualTo(Result.CHANGED);
      assertThat(o.detail()).startsWith("the planned transaction ended");
    });
    assertThat(r.waitsAfter()).isEqualTo(1);
    assertThat(pg.alive(holder)).isTrue();

    // Another backend under the pid (a plan that saw an earlier backend_start) and a session gone.
    BackendSession reused = new BackendSession(plan.pid(), plan.usename(), plan.applicationName(),
        plan.clientAddr(), plan.state(), plan.backendStart().replaceFirst("\\.(\\d{6})Z$", ".000000Z"),
        pg.activity(holder, "to_char(xact_start AT TIME ZONE 'UTC', " + SessionRules.UTC + ")"), null, null, null,
        0, 0, null, false, null);
    assertThat(stub.terminateBlockers(pg.target, POLICY, List.of(reused)).outcomes()).singleElement()
        .satisfies(o -> {
          assertThat(o.result()).isEqualTo(Result.CHANGED);
          assertThat(o.detail()).startsWith("pid now belongs to another backend");
        });
    assertThat(pg.alive(holder)).isTrue();
    pg.closeSessions();
    assertThat(stub.cancelBlockers(pg.target, POLICY, List.of(plan)).outcomes()).extracting(SignalOutcome::result)
        .containsExactly(Result.GONE);
  }

  @Test
  void aBlockerThatBlocksNobodyAnyMoreIsNotSignalled() throws Exception {
    int holder = pg.idleInTransaction(pg.app, null, "UPDATE accounts SET email = email WHERE id = 21");
    Running waiter = start(pg.app, "UPDATE accounts SET email = 'w' WHERE id = 21");
    awaitLockWait(waiter.pid());
    BackendSession plan = planned(stub.diagnose(pg.target, POLICY), holder);
    scalar("SELECT pg_cancel_backend(" + waiter.pid() + ")"); // the waiter gives up
    assertThat(waiter.done()).failsWithin(Duration.ofSeconds(10));

    SignalResult r = stub.cancelBlockers(pg.target, POLICY, List.of(plan));

    assertThat(r.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.result()).isEqualTo(Result.CHANGED);
      assertThat(o.detail()).isEqualTo("blocks no session any more");
    });
    assertThat(r.waitsAfter()).isZero();
    assertThat(pg.activity(holder, "state")).isEqualTo("idle in transaction");
  }

  @Test
  void excludedBlockersAreRefusedAndTheCapIsHonoured() throws Exception {
    int impostor = pg.idleInTransaction(pg.app, "remediator", "UPDATE accounts SET email = email WHERE id = 30");
    int superuser = pg.idleInTransaction(pg.appSuperuser, null, "UPDATE accounts SET email = email WHERE id = 31");
    int first = pg.idleInTransaction(pg.app, null, "UPDATE accounts SET email = email WHERE id = 32");
    int second = pg.idleInTransaction(pg.app, null, "UPDATE accounts SET email = email WHERE id = 33");
    List<Running> waiters = List.of(
        start(pg.app, "UPDATE accounts SET email = 'w' WHERE id = 30"),
        start(pg.app, "UPDATE accounts SET email = 'w' WHERE id = 31"),
        start(pg.app, "UPDATE accounts SET email = 'w' WHERE id = 32"),
        start(pg.app, "UPDATE accounts SET email = 'w' WHERE id = 33"));
    waiters.forEach(w -> awaitLockWait(w.pid()));
    PerformanceSnapshot s = stub.diagnose(pg.target, POLICY);
    assertThat(planned(s, impostor).excluded()).isTrue();
    assertThat(planned(s, superuser).whyExcluded()).isEqualTo("role " + pg.appSuperuser + " is a superuser");

    SignalResult r = stub.terminateBlockers(pg.target, policy(1),
        List.of(planned(s, impostor), planned(s, superuser), planned(s, first), planned(s, second)));

    assertThat(r.outcomes()).extracting(SignalOutcome::pid, SignalOutcome::result).containsExactly(
        tuple(impostor, Result.REFUSED), tuple(superuser, Result.REFUSED), tuple(first, Result.TERMINATED),
        tuple(second, Result.REFUSED));
    assertThat(r.outcomes().get(0).detail()).isEqualTo("application_name remediator is never terminated");
    assertThat(r.outcomes().get(1).detail()).isEqualTo("role " + pg.appSuperuser + " is a superuser");
    assertThat(r.outcomes().get(3).detail()).isEqualTo("cap of 1 blockers per action reached");
    assertThat(r.waitsAfter()).isEqualTo(3);
    assertThat(pg.alive(impostor)).isTrue();
    assertThat(pg.alive(superuser)).isTrue();
    assertThat(pg.alive(first)).isFalse();
    assertThat(pg.alive(second)).isTrue();
  }

  @Test
  void aRetriedAttemptReportsWhatTheInterruptedOneSignalledAndKeepsTheCap() throws Exception {
    int[] holders = new int[3];
    for (int i = 0; i < holders.length; i++) {
      holders[i] = pg.idleInTransaction(pg.app, null, "UPDATE accounts SET email = email WHERE id = " + (40 + i));
      awaitLockWait(start(pg.app, "UPDATE accounts SET email = 'w' WHERE id = " + (40 + i)).pid());
    }
    PerformanceSnapshot s = stub.diagnose(pg.target, POLICY);
    List<BackendSession> plan = List.of(planned(s, holders[0]), planned(s, holders[1]), planned(s, holders[2]));
    // The interrupted attempt terminated the first blocker and heartbeat it, then the worker died.
    assertThat(stub.terminateBlockers(pg.target, POLICY, plan.subList(0, 1)).outcomes())
        .extracting(SignalOutcome::result).containsExactly(Result.TERMINATED);

    TestActivityEnvironment retryEnv = TestActivityEnvironment.newInstance();
    try {
      retryEnv.registerActivitiesImplementations(activities);
      List<SignalResult> heartbeats = new CopyOnWriteArrayList<>();
      retryEnv.setActivityHeartbeatListener(SignalResult.class, heartbeats::add);
      retryEnv.setHeartbeatDetails(new SignalResult(
          List.of(new SignalOutcome(holders[0], Result.TERMINATED, "pg_terminate_backend")), 1, 0));
      PerformanceActivities retry = retryEnv.newActivityStub(PerformanceActivities.class, OPTIONS);

      SignalResult r = retry.terminateBlockers(pg.target, policy(2), plan);

      assertThat(r.attempt()).isGreaterThan(1);
      assertThat(r.outcomes()).extracting(SignalOutcome::pid, SignalOutcome::result).containsExactly(
          tuple(holders[0], Result.TERMINATED), tuple(holders[1], Result.TERMINATED),
          tuple(holders[2], Result.REFUSED));
      assertThat(r.outcomes().get(0).detail()).isEqualTo("pg_terminate_backend by an interrupted earlier attempt");
      assertThat(r.outcomes().get(2).detail()).isEqualTo("cap of 2 blockers per action reached");
      assertThat(pg.alive(holders[1])).isFalse();
      assertThat(pg.alive(holders[2])).isTrue();
      // The retry heartbeats its progress, the earlier attempt's included (later heartbeats are throttled).
      assertThat(heartbeats).first().satisfies(h -> assertThat(h.outcomes()).extracting(SignalOutcome::pid)
          .containsExactly(holders[0]));
    } finally {
      retryEnv.close();
    }
  }

  @Test
  void analyzeRunsOnStaleTablesOnlyAndRefusesAnythingElse() throws Exception {
    String analyzedBefore = lastAnalyze("stale_t");
    AnalyzeResult r = superStub.analyzeTables(pg.target, POLICY,
        List.of("public.stale_t", "public.fresh_t", "public.accounts_view", "public.nope", "x; drop table y",
            "stale_t"));

    assertThat(r.outcomes()).extracting(AnalyzeOutcome::table, AnalyzeOutcome::result).containsExactly(
        tuple("public.stale_t", AnalyzeOutcome.Result.ANALYZED),
        tuple("public.fresh_t", AnalyzeOutcome.Result.FRESH),
        tuple("public.accounts_view", AnalyzeOutcome.Result.REFUSED),
        tuple("public.nope", AnalyzeOutcome.Result.REFUSED),
        tuple("x; drop table y", AnalyzeOutcome.Result.REFUSED),
        tuple("stale_t", AnalyzeOutcome.Result.REFUSED));
    assertThat(r.outcomes().get(2).detail()).isEqualTo("public.accounts_view is a view, not an ordinary table");
    assertThat(r.outcomes().get(3).detail()).isEqualTo("no table of that name in database " + pg.db);
    assertThat(r.outcomes().get(4).detail()).isEqualTo("not a table name (schema.table, identifiers only)");
    assertThat(r.outcomes().get(5).detail()).isEqualTo("listed twice in the plan (as public.stale_t)");
    await().atMost(Duration.ofSeconds(10)).until(() -> !lastAnalyze("stale_t").equals(analyzedBefore));
    assertThat(scalar("SELECT to_regclass('public.y') IS NOT NULL")).isEqualTo("t");
  }

  @Test
  void analyzeByARoleThatMayNotIsRefusedAndALockTimeoutIsReported() throws Exception {
    AnalyzeResult refused = stub.analyzeTables(pg.target, POLICY, List.of("public.locked_t"));
    assertThat(refused.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.result()).isEqualTo(AnalyzeOutcome.Result.REFUSED);
      assertThat(o.detail()).startsWith("role may not ANALYZE public.locked_t");
    });

    String analyzedBefore = lastAnalyze("locked_t");
    pg.idleInTransaction(pg.app, null, "LOCK TABLE locked_t IN SHARE UPDATE EXCLUSIVE MODE");
    AnalyzeResult timedOut = superStub.analyzeTables(pg.target, POLICY, List.of("public.locked_t"));

    assertThat(timedOut.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.result()).isEqualTo(AnalyzeOutcome.Result.TIMED_OUT);
      assertThat(o.detail()).startsWith("lock timeout of 5000 ms");
      assertThat(o.seconds()).isBetween(4.5, 30.0);
    });
    assertThat(lastAnalyze("locked_t")).isEqualTo(analyzedBefore);
  }

  private static String lastAnalyze(String table) throws SQLException {
    return scalar("SELECT last_analyze::text FROM pg_stat_user_tables WHERE relname = '" + table + "'");
  }
}
