package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The Database Performance runbook on real PostgreSQL, the real Temporal server and worker processes: a real lock
 * queue whose root blocker changes between the plan and its approval. The approved cancel finds another
 * transaction on the planned pid and is refused for it; the runbook diagnoses again and plans for the new root
 * blocker, which is idle in transaction (a cancel cannot release its locks), so the termination follows; the worker
 * and the Temporal server are killed while that plan awaits approval (the server restarts on the same database).
 * Exactly once: the first blocker's session was never signalled, the second was terminated once, every queued
 * request went through.
 */
class DbPerformanceIT extends Scenario {
  static final String INCIDENT = "dbperf:prod:auth-service:authdb";
  private static final Duration PHASE = Duration.ofSeconds(90);
  private static final String LOCK = "UPDATE accounts SET balance = balance - 1 WHERE id = 7";

  private final ExecutorService sessions = Executors.newCachedThreadPool();
  private final List<Connection> opened = new ArrayList<>();

  @AfterEach
  void closeSessions() {
    sessions.shutdownNow();
    for (Connection c : opened) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // terminated by the runbook
      }
    }
  }

  @Test
  @DisplayName("db performance: the blocker changes before approval; re-planned; worker and server killed awaiting the next approval")
  void blockerChangesBetweenPlanAndApproval(TestInfo info) throws Exception {
    stack(info, Map.of("runbooks", "{dbperf: {lockWaitAfter: 2s, cancelGrace: 2s, recoveredSamples: 2}}"));
    stack.incident = INCIDENT;
    RemediatorProcess worker = startAll();

    // First blocker: a transaction that updated account 7 and went idle holding the row lock.
    Connection first = transaction();
    execute(first, LOCK);
    Identity firstBefore = identity(first);
    // The next in line will itself stay in its transaction once it has the row (the same application bug).
    Connection second = transaction();
    CompletableFuture<String> secondUpdate = CompletableFuture.supplyAsync(() -> run(second, LOCK), sessions);
    awaitLockWaits(1);
    List<CompletableFuture<String>> queued = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Connection c = autocommit();
      queued.add(CompletableFuture.supplyAsync(() -> run(c, LOCK), sessions));
    }
    awaitLockWaits(3);

    HttpResponse<String> fired = stack.webhook(receiverPort, Stack.payload("db-performance-firing.json"));
    assertThat(fired.statusCode()).as(fired.body()).isEqualTo(200);
    assertThat(Stack.parse(fired.body()).at("/accepted/0/incidentId").asText()).isEqualTo(INCIDENT);

    JsonNode planned = stack.awaitPhase("AWAITING_APPROVAL", PHASE);
    assertThat(planned.at("/plan/actions/0/type").asText()).isEqualTo("CANCEL_BLOCKERS");
    assertThat(planned.at("/plan/actions/0/blockers/0/pid").asInt()).isEqualTo(firstBefore.pid());
    String firstPlan = planned.at("/plan/planId").asText();

    // Before the approval lands, the first blocker commits and starts another transaction on the same backend: its
    // pid and backend are the same, its transaction is not, and it blocks nobody. The second has the row now.
    first.commit();
    execute(first, "SELECT 1");
    assertThat(secondUpdate.get(30, TimeUnit.SECONDS)).isEqualTo("done");
    Identity secondIdentity = identity(second);
    awaitLockWaits(2);
    approve(firstPlan);

    JsonNode replanned = awaitPlanOtherThan(firstPlan);
    JsonNode action = replanned.at("/plan/actions/0");
    note("first plan refused for a changed blocker; re-planned " + action.path("type").asText() + " of pid "
        + action.at("/blockers/0/pid").asInt());
    assertThat(action.at("/blockers/0/pid").asInt()).as("the new root blocker").isEqualTo(secondIdentity.pid());
    String plan = replanned.at("/plan/planId").asText();
    if ("CANCEL_BLOCKERS".equals(action.path("type").asText())) {
      approve(plan); // cancelling an idle-in-transaction blocker releases nothing: the termination is planned next
      plan = awaitPlanOtherThan(plan).at("/plan/planId").asText();
    }
    assertThat(stack.show().at("/status/plan/actions/0/type").asText()).isEqualTo("TERMINATE_BLOCKERS");
    worker.kill();
    note("worker killed while TERMINATE_BLOCKERS awaits approval");
    // The Temporal server goes too (kill -9) and comes back on the same database: the same plan still waits.
    killServer(stack.processes().get(0), "killed too, while TERMINATE_BLOCKERS awaits approval");
    restartServer();
    stack.startWorker("worker-2");
    assertThat(stack.awaitPhase("AWAITING_APPROVAL", PHASE).at("/plan/planId").asText())
        .as("the same plan, still pending after the server's restart").isEqualTo(plan);
    assertThat(backendExists(secondIdentity.pid())).as("nothing done before the approval").isTrue();
    approve(plan);

    for (CompletableFuture<String> q : queued) {
      assertThat(q.get(60, TimeUnit.SECONDS)).as("a queued request went through").isEqualTo("done");
    }
    stack.awaitPhase("RECOVERED", PHASE);
    HttpResponse<String> resolved = stack.webhook(receiverPort, Stack.payload("db-performance-resolved.json"));
    assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
    JsonNode report = stack.awaitReport(PHASE);

    assertThat(report.get("outcome").asText()).isEqualTo("MITIGATED");
    assertThat(actions(report, "TERMINATE_BLOCKERS", "EXECUTED")).as("one termination").hasSize(1);
    // PostgreSQL's word: the first blocker's backend is alive and its session usable (never signalled); the second
    // is gone, terminated once; nobody waits.
    assertThat(identity(first).pid()).isEqualTo(firstBefore.pid());
    assertThat(backendExists(firstBefore.pid())).isTrue();
    assertThat(backendExists(secondIdentity.pid())).as("the second blocker was terminated").isFalse();
    assertThat(lockWaits()).isZero();
    assertNoNonDeterminism();
  }

  private JsonNode awaitPlanOtherThan(String planId) {
    JsonNode[] seen = new JsonNode[1];
    await("a new plan after " + planId).atMost(PHASE).pollInterval(Duration.ofMillis(200)).until(() -> {
      JsonNode s = stack.show();
      seen[0] = s == null ? null : s.get("status");
      return seen[0] != null && "AWAITING_APPROVAL".equals(seen[0].path("phase").asText())
          && !planId.equals(seen[0].at("/plan/planId").asText());
    });
    return seen[0];
  }

  private void awaitLockWaits(int n) {
    await(n + " lock waits older than 2 s").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> lockWaits() >= n);
  }

  private long lockWaits() throws SQLException {
    return scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = 'authdb' AND wait_event_type = 'Lock'"
        + " AND now() - query_start > interval '2 seconds'");
  }

  private boolean backendExists(int pid) throws SQLException {
    return scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid) == 1;
  }

  private long scalar(String sql) throws SQLException {
    try (Connection c = db.superuser("postgres");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  record Identity(int pid, String backendStart) {}

  private static Identity identity(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_backend_pid(), backend_start::text FROM pg_stat_activity"
            + " WHERE pid = pg_backend_pid()")) {
      rs.next();
      return new Identity(rs.getInt(1), rs.getString(2));
    }
  }

  private Connection transaction() throws SQLException {
    Connection c = autocommit();
    c.setAutoCommit(false);
    return c;
  }

  private Connection autocommit() throws SQLException {
    Connection c = db.connect(TargetDatabase.APP_ROLE);
    opened.add(c);
    return c;
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static String run(Connection c, String sql) {
    try {
      execute(c, sql);
      return "done";
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }
}
