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
 * The snapshot statement as it was before the statement was made cheaper (main at 8c7a152), kept verbatim as test
 * code: {@link SnapshotEquivalenceTest} proves that {@link SnapshotQuery} returns exactly what this one returned. It
 * evaluated the termination rules, timestamps and {@code host()} for every connection and scanned the target
 * database's sessions once per count.
 */
final class SnapshotQueryBefore {
  /** Per-list cap: keeps the snapshot well under Temporal's payload limits at any connection count. */
  static final int MAX_LISTED = 200;

  static final int MAX_CLIENT_GROUPS = 50;

  private static final String SESSION_JSON =
      """
      json_build_object('pid', x.pid, 'usename', x.usename, 'application_name', x.application_name,
        'client_addr', x.client_addr, 'state', x.state, 'backend_start', x.backend_start,
        'xact_start', x.xact_start, 'state_seconds', x.state_seconds, 'query_seconds', x.query_seconds,
        'query', x.query, 'application', x.application, 'refusal', x.refusal, 'blocked_by', x.blocked_by)""";

  /**
   * Blocking uses {@code pg_blocking_pids()} instead of the runbook's self-join of {@code pg_locks}: the self-join
   * pairs a waiting lock with every other lock on the same object whatever the modes (so compatible holders show up
   * as "blockers"), misses sessions that block by being ahead in the wait queue, reports a parallel query's workers
   * instead of its leader, and costs a join of the whole lock table with itself. {@code pg_blocking_pids()} asks the
   * lock manager, which knows the conflict table and the queue. It is called only for sessions actually waiting on a
   * heavyweight lock ({@code wait_event_type = 'Lock'}), since each call briefly takes the lock manager's locks.
   */
  static final String SQL =
      """
      WITH %1$s,
      me AS (SELECT %8$s FROM pg_roles r WHERE r.rolname = current_user),
      s AS MATERIALIZED (
        SELECT a.pid, a.datname, a.usename::text AS usename, a.application_name, host(a.client_addr) AS client_addr,
               a.state, a.query,
               to_char(a.backend_start AT TIME ZONE 'UTC', %2$s) AS backend_start,
               to_char(a.xact_start AT TIME ZONE 'UTC', %2$s) AS xact_start,
               coalesce(extract(epoch FROM now() - a.state_change), 0)::float8 AS state_seconds,
               coalesce(extract(epoch FROM now() - a.query_start), 0)::float8 AS query_seconds,
               %3$s AS application,
               coalesce(%4$s, %5$s) AS refusal,
               CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by
          FROM p CROSS JOIN pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid
         WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
      ),
      t AS (
        SELECT s.*,
               s.state = 'idle in transaction' AND s.state_seconds > p.idle_list AS idle_listed,
               s.state = 'active' AND s.query_seconds > p.long_running AS long_listed,
               coalesce(cardinality(s.blocked_by), 0) > 0 AS waiting
          FROM s CROSS JOIN p WHERE s.datname = p.db
      ),
      blocker_pids AS (SELECT DISTINCT unnest(blocked_by) AS pid FROM t WHERE waiting)
      SELECT to_char(now() AT TIME ZONE 'UTC', %2$s) AS taken_at,
             me.*,
             (SELECT count(*) FROM s WHERE s.query = '<insufficient privilege>') AS hidden,
             (SELECT count(*) FROM t) AS total,
             (SELECT count(*) FROM t WHERE state = 'active') AS active,
             (SELECT count(*) FROM t WHERE state = 'idle') AS idle,
             (SELECT count(*) FROM t WHERE state = 'idle in transaction') AS idle_in_transaction,
             (SELECT coalesce(max(query_seconds), 0) FROM t WHERE state <> 'idle') AS longest_query_seconds,
             (SELECT count(*) FROM s) AS server_connections,
             (SELECT count(*) FROM t WHERE application) AS application_connections,
             (SELECT count(*) FROM t WHERE refusal IS NULL) AS terminable,
             (SELECT count(*) FROM t WHERE idle_listed) AS idle_listed,
             (SELECT count(*) FROM t WHERE long_listed) AS long_listed,
             (SELECT count(*) FROM t WHERE waiting) AS waiting,
             current_setting('max_connections')::int AS max_connections,
             current_setting('superuser_reserved_connections')::int
               + coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int AS reserved,
             current_setting('server_version') AS server_version,
             (SELECT json_agg(%6$s ORDER BY x.refusal IS NULL DESC, x.state_seconds DESC, x.pid)
                FROM (SELECT * FROM t WHERE idle_listed
                ORDER BY refusal IS NULL DESC, state_seconds DESC, pid LIMIT (SELECT max_listed FROM p)) x) AS idle_sessions,
             (SELECT json_agg(%6$s ORDER BY x.query_seconds DESC, x.pid) FROM (SELECT * FROM t WHERE long_listed
                ORDER BY query_seconds DESC, pid LIMIT (SELECT max_listed FROM p)) x) AS long_sessions,
             (SELECT json_agg(%6$s ORDER BY x.query_seconds DESC, x.pid) FROM (SELECT * FROM t WHERE waiting
                ORDER BY query_seconds DESC, pid LIMIT (SELECT max_listed FROM p)) x) AS waiting_sessions,
             (SELECT json_agg(%6$s ORDER BY x.pid) FROM (SELECT * FROM s WHERE s.pid IN (SELECT pid FROM blocker_pids)
                ORDER BY s.pid LIMIT (SELECT max_listed FROM p)) x) AS blocking_sessions,
             (SELECT json_agg(g ORDER BY g.total DESC, g.application_name, g.client_addr, g.usename) FROM (
                SELECT application_name, client_addr, usename, count(*) AS total,
                       count(*) FILTER (WHERE state = 'active') AS active,
                       count(*) FILTER (WHERE state = 'idle in transaction') AS idle_in_transaction,
                       count(*) FILTER (WHERE state = 'idle') AS idle,
                       coalesce(max(state_seconds) FILTER (WHERE state = 'idle in transaction'), 0)
                         AS oldest_idle_in_transaction_seconds,
                       bool_or(application) AS application
                  FROM t GROUP BY application_name, client_addr, usename
                 ORDER BY count(*) DESC, application_name, client_addr, usename LIMIT %7$d) g) AS clients
        FROM me
      """
          .formatted(
              SessionRules.PARAMS,
              SessionRules.UTC,
              SessionRules.APPLICATION,
              SessionRules.REFUSAL,
              SessionRules.STALE,
              SESSION_JSON,
              MAX_CLIENT_GROUPS,
              Privileges.COLUMNS);

  private static final ObjectMapper JSON = new ObjectMapper();

  private SnapshotQueryBefore() {}

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
        int hidden = rs.getInt("hidden");
        if (hidden > 0) {
          // Belt and braces: the privilege check passed, yet rows are hidden. A silent zero would be a lie.
          throw ApplicationFailure.newNonRetryableFailure(
              hidden + " sessions of other roles are hidden from role " + rs.getString("role") + ": GRANT "
                  + Privileges.READ_ALL_STATS + " TO " + Privileges.quoteIdent(rs.getString("role")) + ";",
              PostgresConnector.DATABASE_PRIVILEGES);
        }
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

  static List<Integer> roots(int pid, Map<Integer, List<Integer>> waitsFor) {
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
