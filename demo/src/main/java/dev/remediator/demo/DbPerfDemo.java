package dev.remediator.demo;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.launcher.EmbeddedStack;
import dev.remediator.launcher.TemporalMode;
import dev.remediator.launcher.TemporalServer;
import dev.remediator.runbook.dbperf.DbPerfRunbook;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code ./remediator demo db-performance}: the Database Performance runbook end to end on the embedded stack. A
 * batch job of the application updates an account and then keeps running (one statement, so its row lock is held
 * until it ends); {@value #WAITERS} requests that update the same account queue behind it. A real
 * {@code PostgresLockWaits} webhook opens the incident; the runbook finds the blocking tree, plans to cancel the
 * blocker's statement, an approver approves, PostgreSQL cancels it, the waiters' updates go through, the lock waits
 * stay gone for the verification samples, and the report is printed. On the same server another configured service's
 * database ({@value #OTHER_DATABASE}) has a lock wait of its own: the check for similar issues at close lists it,
 * and nothing is done to it.
 */
public final class DbPerfDemo {
  static final String INCIDENT_ID =
      DbPerfRunbook.DEFINITION.incidentId(new Target("prod", "auth-service", DemoDatabase.DATABASE));
  static final int WAITERS = 3;
  /** Another service's database on the same server, with a lock wait of its own the runbook only reports. */
  static final String OTHER_DATABASE = "billingdb";
  static final String OTHER_SERVICE = "billing-service";
  /** The demo's lock-wait threshold (the runbook's default is 30 s): waits older than this are lock waits. */
  static final Duration LOCK_WAIT_AFTER = Duration.ofSeconds(2);

  /** The blocker: one statement that locks account 1 and then runs on (a batch job stuck in a slow step). */
  static final String BLOCKER_SQL = "DO $$ BEGIN UPDATE accounts SET balance = balance + 0 WHERE id = 1;"
      + " PERFORM pg_sleep(3600); END $$";
  /** Each waiter: an ordinary request that updates the same account. */
  static final String WAITER_SQL = "UPDATE accounts SET balance = balance - 1 WHERE id = 1";

  /** What the demo observed: the incident's report and PostgreSQL's word after it. */
  public record Result(
      IncidentReport report, String blockerEnded, int waitersCompleted, long lockWaitsAfter, long balanceAfter,
      long otherWaitsAfter) {
    /** The other database's lock wait was reported at close, and left alone. */
    public boolean otherDatabaseReported() {
      SimilarIssues similar = report.similarElsewhere();
      return similar != null && otherWaitsAfter == 1 && similar.with(SimilarIssues.Finding.SAME_PATTERN).stream()
          .anyMatch(e -> e.target().service().equals(OTHER_SERVICE));
    }

    public boolean blockerCancelled() {
      return report.outcome() == IncidentOutcome.MITIGATED
          && otherDatabaseReported()
          && report.actions().stream()
              .anyMatch(a -> a.type() == ActionType.CANCEL_BLOCKERS && a.result() == ActionResult.EXECUTED)
          && "57014".equals(blockerEnded)
          && waitersCompleted == WAITERS
          && lockWaitsAfter == 0
          && balanceAfter == 100 - WAITERS;
    }
  }

  private final PrintStream out;
  private final Narrator narrator;

  public DbPerfDemo(PrintStream out) {
    this.out = out;
    this.narrator = new Narrator(out, INCIDENT_ID);
  }

  public Result run() throws IOException, SQLException, InterruptedException {
    long started = System.nanoTime();
    Path home = Files.createTempDirectory("remediator-demo-");
    ExecutorService sessions = Executors.newFixedThreadPool(WAITERS + 2); // every session blocks its thread
    List<Connection> opened = new ArrayList<>();
    try (DemoDatabase db = DemoDatabase.start(home);
        NotificationSink sink = NotificationSink.start(out)) {
      narrator.step("PostgreSQL (embedded) with database " + DemoDatabase.DATABASE + "; the batch job runs:");
      out.println("      " + BLOCKER_SQL);
      Connection blocker = open(db, opened);
      CompletableFuture<String> blockerEnded = CompletableFuture.supplyAsync(() -> run(blocker, BLOCKER_SQL), sessions);
      await(db, "the batch job holds the row lock", "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a"
          + " USING (pid) WHERE a.datname = current_database() AND l.locktype = 'transactionid' AND l.granted"
          + " AND a.query LIKE 'DO $$%'", 1);
      narrator.step(WAITERS + " requests update the same account and queue behind it: " + WAITER_SQL);
      List<CompletableFuture<String>> waiters = new ArrayList<>();
      for (int i = 0; i < WAITERS; i++) {
        Connection c = open(db, opened);
        waiters.add(CompletableFuture.supplyAsync(() -> run(c, WAITER_SQL), sessions));
      }
      await(db, WAITERS + " lock waits older than " + LOCK_WAIT_AFTER.toSeconds() + " s",
          "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
              + " AND now() - query_start > interval '" + LOCK_WAIT_AFTER.toSeconds() + " seconds'", WAITERS);
      narrator.step("On the same server " + OTHER_SERVICE + "'s database " + OTHER_DATABASE
          + " has a lock wait of its own (a transaction left open, one update behind it)");
      CompletableFuture<String> otherWaiter = otherLockWait(db, opened, sessions);

      String token = UUID.randomUUID().toString();
      Path tokenFile = Files.writeString(home.resolve("webhook-token"), token);
      RemediatorConfig config = ConfigLoader.parse(
          config(db.jdbcUrl(), db.jdbcUrl(OTHER_DATABASE), tokenFile) + sink.configYaml(home.resolve("secrets")),
          "demo configuration");
      narrator.step("Starting embedded Temporal server, worker and Alertmanager receiver");
      TemporalServer server = TemporalMode.startServer(TemporalMode.EMBEDDED, out, out, home.resolve("temporal"), 0, 0);
      try (EmbeddedStack stack = EmbeddedStack.start(config, server, "127.0.0.1", 0, null)) {
        IncidentReport report = narrator.fireApproveAndClose(stack, token, "/demo/db-performance-firing.json",
            "/demo/db-performance-resolved.json", "PostgresLockWaits, prod/authdb", "batch job blocks checkout", Duration.ofSeconds(60));
        int completed = 0;
        for (CompletableFuture<String> w : waiters) {
          completed += "done".equals(w.get(30, TimeUnit.SECONDS)) ? 1 : 0;
        }
        Result result = new Result(report, blockerEnded.get(30, TimeUnit.SECONDS), completed,
            count(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND wait_event_type = 'Lock'"),
            count(db, "SELECT balance::bigint FROM accounts WHERE id = 1"),
            count(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + OTHER_DATABASE + "'"
                + " AND wait_event_type = 'Lock'"));
        if (otherWaiter.isDone()) {
          throw new IllegalStateException(OTHER_DATABASE + "'s waiter ended: " + otherWaiter.getNow(null));
        }
        report(result, (System.nanoTime() - started) / 1_000_000_000.0);
        return result;
      }
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("a session of the demo did not end: " + e, e);
    } finally {
      for (Connection c : opened) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // ended by the remediation or by the server's shutdown
        }
      }
      sessions.shutdownNow();
      Demo.deleteTree(home);
    }
  }

  /**
   * {@value #OTHER_DATABASE}, owned by the application's role: a transaction that updated invoice 1 and stays open,
   * and one update queued behind it, waiting past the lock-wait threshold.
   */
  private CompletableFuture<String> otherLockWait(DemoDatabase db, List<Connection> opened, ExecutorService sessions)
      throws SQLException, InterruptedException {
    try (Connection c = db.superuser("postgres");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + OTHER_DATABASE + " OWNER " + DemoDatabase.APP_ROLE);
    }
    Connection holder = db.connect(DemoDatabase.APP_ROLE, OTHER_DATABASE);
    opened.add(holder);
    try (Statement s = holder.createStatement()) {
      s.execute("CREATE TABLE invoices (id bigint PRIMARY KEY, paid boolean NOT NULL DEFAULT false)");
      s.execute("INSERT INTO invoices SELECT g FROM generate_series(1, 10) g");
    }
    holder.setAutoCommit(false);
    try (Statement s = holder.createStatement()) {
      s.execute("UPDATE invoices SET paid = true WHERE id = 1");
    }
    Connection waiter = db.connect(DemoDatabase.APP_ROLE, OTHER_DATABASE);
    opened.add(waiter);
    CompletableFuture<String> waiting =
        CompletableFuture.supplyAsync(() -> run(waiter, "UPDATE invoices SET paid = true WHERE id = 1"), sessions);
    await(db, "1 lock wait in " + OTHER_DATABASE, "SELECT count(*) FROM pg_stat_activity WHERE datname = '"
        + OTHER_DATABASE + "' AND wait_event_type = 'Lock' AND now() - query_start > interval '"
        + LOCK_WAIT_AFTER.toSeconds() + " seconds'", 1);
    return waiting;
  }

  /** Runs one statement; "done", or the SQLSTATE it failed with (57014: cancelled). */
  private static String run(Connection c, String sql) {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
      return "done";
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }

  private static Connection open(DemoDatabase db, List<Connection> opened) throws SQLException {
    Connection c = db.connect(DemoDatabase.APP_ROLE);
    opened.add(c);
    return c;
  }

  private static long count(DemoDatabase db, String sql) throws SQLException {
    try (Connection c = db.superuser(DemoDatabase.DATABASE);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void await(DemoDatabase db, String what, String countSql, int atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    BooleanSupplier reached = () -> {
      try {
        return count(db, countSql) >= atLeast;
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    };
    while (!reached.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("PostgreSQL did not reach: " + what);
      }
      Thread.sleep(50);
    }
    narrator.step("PostgreSQL shows " + what);
  }

  private void report(Result r, double seconds) {
    IncidentReport rep = r.report();
    out.println();
    out.println("Incident report " + rep.incidentId());
    out.printf(Locale.ROOT, "  outcome        %s%n", rep.outcome());
    out.printf(Locale.ROOT, "  actions        %s%n", String.join("; ", rep.actions().stream()
        .map(a -> a.type() + " " + a.result()).toList()));
    out.printf(Locale.ROOT, "  batch job      ended with SQLSTATE %s (57014: canceled on request)%n", r.blockerEnded());
    out.printf(Locale.ROOT, "  requests       %d of %d went through; lock waits now %d; balance %d%n",
        r.waitersCompleted(), WAITERS, r.lockWaitsAfter(), r.balanceAfter());
    out.printf(Locale.ROOT, "  elsewhere      %s; %s still waits (reported, not touched)%n",
        rep.similarElsewhere() == null ? "not checked" : rep.similarElsewhere().line(), OTHER_DATABASE);
    out.printf(Locale.ROOT, "  duration       %d s (workflow time); demo took %.1f s%n", rep.durationSeconds(),
        seconds);
    out.println();
    out.println("Post-incident draft (Markdown, also in the workflow result):");
    rep.markdown().lines().limit(18).forEach(l -> out.println("  | " + l));
    out.println("  | ...");
    out.println(r.blockerCancelled() ? "Blocker cancelled; the queue drained; " + OTHER_DATABASE
        + "'s lock wait reported, not touched." : "LOCK WAITS NOT CLEARED, OR THE OTHER DATABASE NOT REPORTED.");
  }

  static String config(String jdbcUrl, String otherUrl, Path tokenFile) {
    return """
        receiver:
          tokenFile: %s
        defaults:
          escalation:
            - {name: database, channels: [%s, %s, %s], ackTimeout: 15m}
            - {name: development, channels: [%s], ackTimeout: 15m}
          approvers: [%s]
          verifySamples: 2
          verifyInterval: 1s
          quietPeriod: 1m
          runbooks:
            dbperf:
              lockWaitAfter: %ds
              recoveredSamples: 2
        targets:
          - service: auth-service
            namespace: prod
            database: %s
            postgres:
              url: %s
              user: %s
              applicationRoles: [%s]
          - service: %s
            namespace: prod
            database: %s
            postgres:
              url: %s
              user: %s
              applicationRoles: [%s]
        """.formatted(tokenFile, NotificationSink.SLACK_CHANNEL, NotificationSink.PAGER_CHANNEL,
        NotificationSink.WEBHOOK_CHANNEL, NotificationSink.SLACK_CHANNEL, Demo.APPROVER, LOCK_WAIT_AFTER.toSeconds(),
        DemoDatabase.DATABASE, jdbcUrl, DemoDatabase.REMEDIATOR_ROLE, DemoDatabase.APP_ROLE, OTHER_SERVICE,
        OTHER_DATABASE, otherUrl, DemoDatabase.REMEDIATOR_ROLE, DemoDatabase.APP_ROLE);
  }
}
