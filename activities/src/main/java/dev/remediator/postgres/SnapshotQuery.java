package dev.remediator.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.config.TargetConfig;
import dev.remediator.runbook.dbpool.BlockedSession;
import dev.remediator.runbook.dbpool.ClientGroup;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.PoolDiagnosis;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.dbpool.PoolPolicy;
import dev.remediator.runbook.dbpool.SessionInfo;
import dev.remediator.incident.Target;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole snapshot in ONE statement and one round trip: the privilege check, the runbook's summary, the server's
 * limits, the listed sessions (idle in transaction, long-running, blocked, blocking) and the client groups, with
 * the lists aggregated as JSON. {@code pg_stat_activity} is read once (a MATERIALIZED CTE), so every number comes
 * from the same instant. Public for the benchmark, which times it on an open connection.
 */
public final class SnapshotQuery {
  /** Per-list cap: keeps the snapshot well under Temporal's payload limits at any connection count. */
  static final int MAX_LISTED = 200;

  static final int MAX_CLIENT_GROUPS = 50;

  /**
   * The sessions of {@code s} that match {@code %2$s} (over {@code a}), sorted by {@code %3$s} and capped, as a JSON
   * array of rows {@code x}: each with the termination rule it breaks ({@code refusal}, NULL = terminable) and its
   * identity in UTC microseconds. {@link SessionRules}, timestamps and JSON are evaluated only for a list's
   * candidates, not for every connection; a row's JSON is the row itself ({@code json_agg(x)}), which costs about
   * half of building each object key by key ({@code json_build_object}).
   */
  private static final String LISTED =
      """
      (SELECT json_agg(x ORDER BY %3$s) FROM (
         SELECT pid, usename, application_name, client_addr, state,
                to_char(backend_start AT TIME ZONE 'UTC', %1$s) AS backend_start,
                to_char(xact_start AT TIME ZONE 'UTC', %1$s) AS xact_start,
                state_seconds, query_seconds, query, application, refusal, blocked_by
           FROM (
             SELECT a.*, coalesce(%4$s, %5$s) AS refusal
               FROM s a CROSS JOIN p CROSS JOIN LATERAL (SELECT a.rolsuper) r
              WHERE %2$s) y
          ORDER BY %3$s LIMIT (SELECT max_listed FROM p)) x)""";

  /**
   * Blocking uses {@code pg_blocking_pids()} instead of the runbook's self-join of {@code pg_locks}: the self-join
   * pairs a waiting lock with every other lock on the same object whatever the modes (so compatible holders show up
   * as "blockers"), misses sessions that block by being ahead in the wait queue, reports a parallel query's workers
   * instead of its leader, and costs a join of the whole lock table with itself. {@code pg_blocking_pids()} asks the
   * lock manager, which knows the conflict table and the queue. It is called only for sessions actually waiting on a
   * heavyweight lock ({@code wait_event_type = 'Lock'}), since each call briefly takes the lock manager's locks.
   *
   * <p>Cost: {@code pg_stat_activity} is read once into {@code s} with only what the counts and filters need; every
   * count comes from one pass over {@code s} ({@code c}); the per-session rules, timestamps and JSON are computed
   * only for the sessions a list considers. A session can be terminable only if it is idle in transaction (rule c),
   * so {@code terminable} evaluates the rules only for those.
   */
  static final String SQL =
      """
      WITH %1$s,
      me AS (SELECT %2$s FROM pg_roles r WHERE r.rolname = current_user),
      s AS MATERIALIZED (
        SELECT a.pid, a.datname, a.usename::text AS usename, a.application_name, host(a.client_addr) AS client_addr,
               a.state, a.query, a.backend_start, a.xact_start, a.state_change, a.backend_type, r.rolsuper,
               a.datname = p.db AS on_db,
               coalesce(extract(epoch FROM now() - a.state_change), 0)::float8 AS state_seconds,
               coalesce(extract(epoch FROM now() - a.query_start), 0)::float8 AS query_seconds,
               %3$s AS application,
               CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by
          FROM p CROSS JOIN pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid
         WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
      ),
      c AS (
        SELECT count(*) FILTER (WHERE a.query = '<insufficient privilege>') AS hidden,
               count(*) FILTER (WHERE a.on_db) AS total,
               count(*) FILTER (WHERE a.on_db AND a.state = 'active') AS active,
               count(*) FILTER (WHERE a.on_db AND a.state = 'idle') AS idle,
               count(*) FILTER (WHERE a.on_db AND a.state = 'idle in transaction') AS idle_in_transaction,
               coalesce(max(a.query_seconds) FILTER (WHERE a.on_db AND a.state <> 'idle'), 0) AS longest_query_seconds,
               count(*) AS server_connections,
               count(*) FILTER (WHERE a.on_db AND a.application) AS application_connections,
               count(*) FILTER (WHERE a.on_db AND a.state = 'idle in transaction' AND %4$s IS NULL AND %5$s IS NULL)
                 AS terminable,
               count(*) FILTER (WHERE a.on_db AND %6$s) AS idle_listed,
               count(*) FILTER (WHERE a.on_db AND %7$s) AS long_listed,
               count(*) FILTER (WHERE a.on_db AND %8$s) AS waiting
          FROM s a CROSS JOIN p CROSS JOIN LATERAL (SELECT a.rolsuper) r
      )
      SELECT to_char(now() AT TIME ZONE 'UTC', %9$s) AS taken_at,
             me.*, c.*,
             current_setting('max_connections')::int AS max_connections,
             current_setting('superuser_reserved_connections')::int
               + coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int AS reserved,
             current_setting('server_version') AS server_version,
             %10$s AS idle_sessions,
             %11$s AS long_sessions,
             %12$s AS waiting_sessions,
             %13$s AS blocking_sessions,
             (SELECT json_agg(g ORDER BY g.total DESC, g.application_name, g.client_addr, g.usename) FROM (
                SELECT application_name, client_addr, usename, count(*) AS total,
                       count(*) FILTER (WHERE state = 'active') AS active,
                       count(*) FILTER (WHERE state = 'idle in transaction') AS idle_in_transaction,
                       count(*) FILTER (WHERE state = 'idle') AS idle,
                       coalesce(max(state_seconds) FILTER (WHERE state = 'idle in transaction'), 0)
                         AS oldest_idle_in_transaction_seconds,
                       bool_or(application) AS application
                  FROM s WHERE on_db GROUP BY application_name, client_addr, usename
                 ORDER BY count(*) DESC, application_name, client_addr, usename LIMIT %14$d) g) AS clients
        FROM me CROSS JOIN c
      """
          .formatted(
              SessionRules.PARAMS,
              Privileges.COLUMNS,
              SessionRules.APPLICATION,
              SessionRules.REFUSAL,
              SessionRules.STALE,
              Lists.IDLE,
              Lists.LONG,
              Lists.WAITING,
              SessionRules.UTC,
              listed("a.on_db AND " + Lists.IDLE, "refusal IS NULL DESC, state_seconds DESC, pid"),
              listed("a.on_db AND " + Lists.LONG, "query_seconds DESC, pid"),
              listed("a.on_db AND " + Lists.WAITING, "query_seconds DESC, pid"),
              // Blockers on any database: the pids the waiting sessions of the target database wait for (an array
              // computed once, not a semi-join the generic plan would run as a nested loop over s).
              listed("a.pid = ANY ((SELECT array_agg(b) FROM s w CROSS JOIN unnest(w.blocked_by) b WHERE w.on_db)"
                  + "::int[])", "pid"),
              MAX_CLIENT_GROUPS);

  /** What puts a session of the target database on a list. */
  private static final class Lists {
    static final String IDLE = "a.state = 'idle in transaction' AND a.state_seconds > p.idle_list";
    static final String LONG = "a.state = 'active' AND a.query_seconds > p.long_running";
    static final String WAITING = "coalesce(cardinality(a.blocked_by), 0) > 0";
  }

  private static String listed(String where, String order) {
    return LISTED.formatted(SessionRules.UTC, where, order, SessionRules.REFUSAL, SessionRules.STALE);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private SnapshotQuery() {}

  private static void bind(Connection c, PreparedStatement ps, Target target, TargetConfig.Postgres pg, PoolPolicy p)
      throws SQLException {
    SessionRules.bind(c, ps, 1, target, pg, p.idleInTransactionReportAfter(), p.idleInTransactionTerminateAfter(),
        p.longRunningQueryAfter(), MAX_LISTED);
  }

  /** Runs the statement and builds the snapshot; the diagnosis is left to {@link RootCauseHint}. */
  public static ConnectionSnapshot take(
      Connection c, Target target, TargetConfig.Postgres pg, RunbookPolicy policy)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(SQL)) {
      bind(c, ps, target, pg, PoolPolicy.of(policy));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw ApplicationFailure.newNonRetryableFailure(
              "role cannot read pg_roles: the snapshot returned nothing", PostgresConnector.DATABASE_PRIVILEGES);
        }
        // Privileges first: without them every number below would be a silent zero.
        Privileges.require(Privileges.Grants.read(rs), false);
        Privileges.requireNothingHidden(rs.getInt("hidden"), rs.getString("role"));
        int max = rs.getInt("max_connections");
        int reserved = rs.getInt("reserved");
        int total = rs.getInt("total");
        int server = rs.getInt("server_connections");
        int application = rs.getInt("application_connections");
        List<SessionInfo> idle = sessions(rs.getString("idle_sessions"));
        List<SessionInfo> longRunning = sessions(rs.getString("long_sessions"));
        List<SessionInfo> blocking = sessions(rs.getString("blocking_sessions"));
        List<BlockedSession> blocked = blocked(rs.getString("waiting_sessions"));
        int omitted =
            (rs.getInt("idle_listed") - idle.size())
                + (rs.getInt("long_listed") - longRunning.size())
                + (rs.getInt("waiting") - blocked.size());
        return new ConnectionSnapshot(
            rs.getString("taken_at"),
            total,
            rs.getInt("active"),
            rs.getInt("idle"),
            rs.getInt("idle_in_transaction"),
            rs.getDouble("longest_query_seconds"),
            max,
            reserved,
            server,
            max - reserved <= 0 ? 1.0 : (double) total / (max - reserved),
            idle,
            longRunning,
            blocked,
            clients(rs.getString("clients")),
            PoolDiagnosis.unknown(),
            blocking,
            application,
            server - application,
            rs.getInt("terminable"),
            omitted,
            rs.getString("server_version"));
      }
    }
  }

  /**
   * {@code EXPLAIN ANALYZE} of the statement as {@link #take} binds it: the benchmark's profile of the snapshot
   * (planning and execution time on the server, the costliest nodes). Read-only, like the snapshot itself.
   */
  public static List<String> explainAnalyze(
      Connection c, Target target, TargetConfig.Postgres pg, RunbookPolicy policy) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, FORMAT TEXT) " + SQL)) {
      bind(c, ps, target, pg, PoolPolicy.of(policy));
      List<String> lines = new java.util.ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          lines.add(rs.getString(1));
        }
      }
      return lines;
    }
  }

  private static List<SessionInfo> sessions(String json) throws SQLException {
    List<SessionInfo> out = new ArrayList<>();
    for (JsonNode n : parse(json)) {
      out.add(session(n));
    }
    return List.copyOf(out);
  }

  private static SessionInfo session(JsonNode n) {
    String refusal = text(n, "refusal");
    return new SessionInfo(
        n.path("pid").asInt(),
        text(n, "usename"),
        text(n, "application_name"),
        text(n, "client_addr"),
        text(n, "state"),
        text(n, "backend_start"),
        text(n, "xact_start"),
        n.path("state_seconds").asDouble(),
        n.path("query_seconds").asDouble(),
        QueryText.normalize(text(n, "query")),
        n.path("application").asBoolean(),
        refusal == null,
        refusal);
  }

  /** Blocked sessions with their root blockers, found by following each chain through the other waiting sessions. */
  private static List<BlockedSession> blocked(String json) throws SQLException {
    Map<Integer, List<Integer>> waitsFor = new HashMap<>();
    List<JsonNode> nodes = new ArrayList<>();
    for (JsonNode n : parse(json)) {
      List<Integer> by = new ArrayList<>();
      n.path("blocked_by").forEach(p -> by.add(p.asInt()));
      waitsFor.put(n.path("pid").asInt(), by);
      nodes.add(n);
    }
    List<BlockedSession> out = new ArrayList<>();
    for (JsonNode n : nodes) {
      int pid = n.path("pid").asInt();
      out.add(
          new BlockedSession(
              session(n), List.copyOf(waitsFor.get(pid)), n.path("query_seconds").asDouble(),
              roots(pid, waitsFor)));
    }
    return List.copyOf(out);
  }

  /** The ends of the blocking chains of {@code pid}: sessions it waits for, directly or not, that wait on nobody. */
  public static List<Integer> roots(int pid, Map<Integer, List<Integer>> waitsFor) {
    Set<Integer> roots = new LinkedHashSet<>();
    Set<Integer> seen = new HashSet<>();
    List<Integer> todo = new ArrayList<>(waitsFor.getOrDefault(pid, List.of()));
    seen.add(pid);
    while (!todo.isEmpty()) {
      int p = todo.remove(todo.size() - 1);
      if (!seen.add(p)) {
        continue; // a cycle (a deadlock the server will break) or a shared blocker
      }
      List<Integer> next = waitsFor.get(p);
      if (next == null || next.isEmpty()) {
        roots.add(p);
      } else {
        todo.addAll(next);
      }
    }
    return roots.stream().sorted().toList();
  }

  private static List<ClientGroup> clients(String json) throws SQLException {
    List<ClientGroup> out = new ArrayList<>();
    for (JsonNode n : parse(json)) {
      out.add(
          new ClientGroup(
              text(n, "application_name"),
              text(n, "client_addr"),
              text(n, "usename"),
              n.path("total").asInt(),
              n.path("active").asInt(),
              n.path("idle_in_transaction").asInt(),
              n.path("idle").asInt(),
              n.path("oldest_idle_in_transaction_seconds").asDouble(),
              n.path("application").asBoolean()));
    }
    return List.copyOf(out);
  }

  private static JsonNode parse(String json) throws SQLException {
    if (json == null) {
      return JSON.createArrayNode();
    }
    try {
      return JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SQLException("unreadable snapshot JSON: " + e.getOriginalMessage(), "XX000", e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
