package dev.remediator.postgres.dbperf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Target;
import dev.remediator.postgres.PostgresConnector;
import dev.remediator.postgres.Privileges;
import dev.remediator.postgres.QueryText;
import dev.remediator.postgres.SessionRules;
import dev.remediator.postgres.SnapshotQuery;
import dev.remediator.runbook.dbperf.BackendSession;
import dev.remediator.runbook.dbperf.Blocker;
import dev.remediator.runbook.dbperf.LockWait;
import dev.remediator.runbook.dbperf.PerformancePolicy;
import dev.remediator.runbook.dbperf.PerformanceSample;
import dev.remediator.runbook.dbperf.PerformanceSnapshot;
import dev.remediator.runbook.dbperf.TableStats;
import dev.remediator.runbook.dbperf.TopStatement;
import dev.remediator.runbook.dbperf.VacuumProgress;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Runs the diagnosis ({@link PerformanceQueries#DIAGNOSE}, then {@link PerformanceQueries#TOP_STATEMENTS} when
 * {@code pg_stat_statements} is installed: two statements on one read-only connection) and the sample, and builds the
 * contract's records: the blocking tree from the waiters' blocking pids, held locks filtered by the lock manager's
 * conflict table ({@link LockModes}), every query text through {@link QueryText}.
 */
final class DiagnosisPass {
  /** Cap per list of the snapshot (lock waits, blockers, long-running, tables, vacuums). */
  static final int MAX_LISTED = 50;

  /** Sessions the statement returns at most (the tree is built from them): well above any list's cap. */
  static final int MAX_SESSIONS = 1000;

  /** Held-lock lines per blocker. */
  static final int MAX_HELD = 10;

  /** A statement enters the mean-time list from this many calls: one slow call is not a pattern. */
  static final int MIN_CALLS_FOR_MEAN = 3;

  private static final ObjectMapper JSON = new ObjectMapper();

  private DiagnosisPass() {}

  /** Binds the session rules' row and this runbook's row ({@link PerformanceQueries#PARAMS}) from parameter 1. */
  static void bind(Connection c, PreparedStatement ps, Target target, TargetConfig.Postgres pg, PerformancePolicy p,
      int maxListed) throws SQLException {
    SessionRules.bind(c, ps, 1, target, pg, Duration.ZERO, Duration.ZERO, p.longRunningAfter(), maxListed);
    bindThresholds(ps, SessionRules.PARAM_COUNT + 1, p);
  }

  /** Binds {@link PerformanceQueries#PARAMS} at {@code first .. first + 4}. */
  static void bindThresholds(PreparedStatement ps, int first, PerformancePolicy p) throws SQLException {
    ps.setDouble(first, p.lockWaitAfter().toMillis() / 1000.0);
    ps.setDouble(first + 1, p.staleModifiedShare());
    ps.setLong(first + 2, p.staleMinRows());
    ps.setDouble(first + 3, p.deadTupleShare());
    ps.setLong(first + 4, p.deadTupleMinRows());
  }

  static PerformanceSnapshot take(Connection c, Target target, TargetConfig.Postgres pg, PerformancePolicy p)
      throws SQLException {
    return take(c, target, pg, p, true);
  }

  /**
   * @param topStatements also read {@code pg_stat_statements}' tops when installed (a second statement); without,
   *     the snapshot's top lists are empty and say why
   */
  static PerformanceSnapshot take(Connection c, Target target, TargetConfig.Postgres pg, PerformancePolicy p,
      boolean topStatements) throws SQLException {
    String takenAt;
    String statementsSchema;
    int active;
    Map<Integer, JsonNode> sessions = new HashMap<>();
    List<JsonNode> held = new ArrayList<>();
    List<TableStats> tables = new ArrayList<>();
    List<VacuumProgress> vacuums = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(PerformanceQueries.DIAGNOSE)) {
      bind(c, ps, target, pg, p, MAX_SESSIONS);
      try (ResultSet rs = ps.executeQuery()) {
        requireRow(rs);
        Privileges.require(Privileges.Grants.read(rs), false);
        Privileges.requireNothingHidden(rs.getInt("hidden"), rs.getString("role"));
        takenAt = rs.getString("taken_at");
        active = rs.getInt("active_sessions");
        statementsSchema = rs.getString("statements_schema");
        parse(rs.getString("sessions")).forEach(n -> sessions.put(n.path("pid").asInt(), n));
        parse(rs.getString("held")).forEach(held::add);
        for (JsonNode t : parse(rs.getString("tables"))) {
          tables.add(new TableStats(text(t, "name"), t.path("n_live_tup").asLong(), t.path("n_dead_tup").asLong(),
              t.path("n_mod_since_analyze").asLong(), text(t, "last_analyze"), text(t, "last_autovacuum"),
              t.path("stale").asBoolean(), t.path("dead").asBoolean()));
        }
        for (JsonNode v : parse(rs.getString("vacuums"))) {
          vacuums.add(new VacuumProgress(v.path("pid").asInt(), v.path("autovacuum").asBoolean(), text(v, "name"),
              text(v, "phase"), v.path("seconds").asDouble()));
        }
      }
    }
    Tree tree = new Tree(sessions, held);
    Statements statements = topStatements ? statements(c, statementsSchema, target, p)
        : Statements.none("pg_stat_statements not read (not asked for)");
    return new PerformanceSnapshot(takenAt, tree.lockWaits(), tree.blockers(), tree.longRunning(),
        statements.unavailable == null, statements.unavailable, statements.byTotal, statements.byMean,
        List.copyOf(tables), List.copyOf(vacuums), active);
  }

  static PerformanceSample sample(Connection c, Target target, TargetConfig.Postgres pg, PerformancePolicy p)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(PerformanceQueries.SAMPLE)) {
      bind(c, ps, target, pg, p, 0);
      try (ResultSet rs = ps.executeQuery()) {
        requireRow(rs);
        Privileges.require(Privileges.Grants.read(rs), false);
        Privileges.requireNothingHidden(rs.getInt("hidden"), rs.getString("role"));
        return new PerformanceSample(rs.getString("taken_at"), rs.getInt("lock_waits"),
            rs.getDouble("longest_lock_wait_seconds"), rs.getInt("long_running"),
            rs.getDouble("longest_statement_seconds"), rs.getInt("active_sessions"));
      }
    }
  }

  private static void requireRow(ResultSet rs) throws SQLException {
    if (!rs.next()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "role cannot read pg_roles: the diagnosis returned nothing", PostgresConnector.DATABASE_PRIVILEGES);
    }
  }

  private record Statements(List<TopStatement> byTotal, List<TopStatement> byMean, String unavailable) {
    static Statements none(String why) {
      return new Statements(List.of(), List.of(), why);
    }
  }

  /** The top lists, or why there are none: not installed here, not preloaded, an old version, no privilege. */
  private static Statements statements(Connection c, String schema, Target target, PerformancePolicy p) {
    if (schema == null) {
      return Statements.none("pg_stat_statements is not installed in database " + target.database()
          + " (CREATE EXTENSION pg_stat_statements; the server needs shared_preload_libraries = 'pg_stat_statements')");
    }
    List<TopStatement> total = new ArrayList<>();
    List<TopStatement> mean = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(PerformanceQueries.TOP_STATEMENTS.formatted(Privileges.quoteIdent(schema)))) {
      ps.setInt(1, p.topStatements());
      ps.setInt(2, MIN_CALLS_FOR_MEAN);
      ps.setInt(3, p.topStatements());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          TopStatement s = new TopStatement(rs.getLong("queryid"), QueryText.normalize(rs.getString("query")),
              rs.getLong("calls"), rs.getDouble("total_ms"), rs.getDouble("mean_ms"), rs.getLong("rows"));
          ("total".equals(rs.getString("list")) ? total : mean).add(s);
        }
      }
    } catch (SQLException e) {
      // e.g. 55000 "pg_stat_statements must be loaded via shared_preload_libraries", 42703 on an old version
      return Statements.none("pg_stat_statements is installed but cannot be read: " + e.getMessage()
          + " (SQLSTATE " + e.getSQLState() + ")");
    }
    return new Statements(List.copyOf(total), List.copyOf(mean), null);
  }

  /** The blocking tree over the sessions the statement returned, and the lists built from them. */
  private static final class Tree {
    private final Map<Integer, JsonNode> sessions;
    private final Map<Integer, List<Integer>> waitsFor = new HashMap<>();
    private final Map<Integer, List<JsonNode>> held = new HashMap<>();

    Tree(Map<Integer, JsonNode> sessions, List<JsonNode> heldRows) {
      this.sessions = sessions;
      sessions.forEach((pid, n) -> {
        List<Integer> by = new ArrayList<>();
        n.path("blocked_by").forEach(b -> by.add(b.asInt()));
        if (!by.isEmpty()) {
          waitsFor.put(pid, by.stream().sorted().toList());
        }
      });
      heldRows.forEach(h -> held.computeIfAbsent(h.path("pid").asInt(), k -> new ArrayList<>()).add(h));
    }

    List<LockWait> lockWaits() {
      return sessions.values().stream()
          .filter(n -> n.path("lock_wait").asBoolean())
          .sorted(Comparator.comparingDouble((JsonNode n) -> -n.path("query_seconds").asDouble())
              .thenComparingInt(n -> n.path("pid").asInt()))
          .limit(MAX_LISTED)
          .map(n -> {
            int pid = n.path("pid").asInt();
            return new LockWait(session(n), waitsFor.getOrDefault(pid, List.of()),
                SnapshotQuery.roots(pid, waitsFor), n.path("query_seconds").asDouble(),
                text(n, "awaited_locktype"), text(n, "awaited_mode"), text(n, "awaited_relation"));
          })
          .toList();
    }

    /** Every session a listed waiter waits for, directly or through a chain, most waiters behind it first. */
    List<Blocker> blockers() {
      TreeSet<Integer> nodes = new TreeSet<>();
      sessions.values().stream().filter(n -> n.path("lock_wait").asBoolean())
          .forEach(n -> nodes.addAll(behind(n.path("pid").asInt())));
      List<Blocker> out = new ArrayList<>();
      for (int pid : nodes) {
        JsonNode n = sessions.get(pid);
        if (n == null) {
          continue; // beyond the statement's cap
        }
        List<Integer> blocked = waitsFor.entrySet().stream()
            .filter(e -> e.getValue().contains(pid)).map(Map.Entry::getKey).sorted().toList();
        List<Integer> tree = waitsFor.keySet().stream().filter(w -> behind(w).contains(pid)).toList();
        double longest = tree.stream().mapToDouble(w -> seconds(w)).max().orElse(0);
        out.add(new Blocker(session(n), held(pid), blocked, tree.size(), !waitsFor.containsKey(pid), longest));
      }
      return out.stream()
          .sorted(Comparator.comparingInt((Blocker b) -> -b.waitersInTree())
              .thenComparingInt(b -> b.session().pid()))
          .limit(MAX_LISTED)
          .toList();
    }

    /** The sessions {@code waiter} waits for, directly or through other waiters (cycles followed once). */
    private TreeSet<Integer> behind(int waiter) {
      TreeSet<Integer> seen = new TreeSet<>();
      List<Integer> todo = new ArrayList<>(waitsFor.getOrDefault(waiter, List.of()));
      while (!todo.isEmpty()) {
        int p = todo.remove(todo.size() - 1);
        if (p != waiter && seen.add(p)) {
          todo.addAll(waitsFor.getOrDefault(p, List.of()));
        }
      }
      return seen;
    }

    private double seconds(int pid) {
      JsonNode n = sessions.get(pid);
      return n == null ? 0 : n.path("query_seconds").asDouble();
    }

    /** The blocker's granted locks that conflict with a lock one of its waiters awaits, one line each. */
    private List<String> held(int pid) {
      TreeSet<String> lines = new TreeSet<>();
      for (JsonNode h : held.getOrDefault(pid, List.of())) {
        String mode = text(h, "mode");
        if (LockModes.conflict(mode, text(h, "awaited_mode"))) {
          lines.add(LockModes.describe(mode, text(h, "locktype"), text(h, "relation")));
        }
      }
      return lines.stream().limit(MAX_HELD).toList();
    }

    List<BackendSession> longRunning() {
      return sessions.values().stream()
          .filter(n -> n.path("long_running").asBoolean())
          .sorted(Comparator.comparingDouble((JsonNode n) ->
                  -Math.max(n.path("query_seconds").asDouble(), n.path("xact_seconds").asDouble()))
              .thenComparingInt(n -> n.path("pid").asInt()))
          .limit(MAX_LISTED)
          .map(DiagnosisPass::session)
          .toList();
    }
  }

  static BackendSession session(JsonNode n) {
    String excluded = text(n, "excluded");
    return new BackendSession(n.path("pid").asInt(), text(n, "usename"), text(n, "application_name"),
        text(n, "client_addr"), text(n, "state"), text(n, "backend_start"), text(n, "xact_start"),
        text(n, "query_start"), text(n, "wait_event_type"), text(n, "wait_event"), n.path("xact_seconds").asDouble(),
        n.path("query_seconds").asDouble(), QueryText.normalize(text(n, "query")), excluded != null, excluded);
  }

  private static JsonNode parse(String json) throws SQLException {
    if (json == null) {
      return JSON.createArrayNode();
    }
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SQLException("unreadable diagnosis JSON: " + e.getOriginalMessage(), "XX000", e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
