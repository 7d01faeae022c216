package dev.remediator.postgres.dbperf;

import dev.remediator.postgres.GuardedSignal;
import dev.remediator.postgres.Privileges;
import dev.remediator.postgres.SessionRules;

/**
 * The Database Performance runbook's SQL. Every statement starts with the session rules' parameter row {@code p}
 * ({@link SessionRules#PARAMS}: target database, exclusions, the long-running threshold) and this runbook's row
 * {@code q} ({@link #PARAMS}). Names leave the database as {@code format('%I.%I', schema, name)}: quoted where they
 * need it, so a name read here can be given back to {@code to_regclass}.
 */
final class PerformanceQueries {
  /** This runbook's thresholds; bound after {@link SessionRules#PARAMS}. */
  static final String PARAMS =
      """
      q AS (
        SELECT ?::float8 AS lock_wait, ?::float8 AS stale_share, ?::bigint AS stale_min, ?::float8 AS dead_share,
               ?::bigint AS dead_min
      )""";

  static final int PARAM_COUNT = SessionRules.PARAM_COUNT + 5;

  /** {@code schema.name} of a relation oid {@code %s}, quoted as identifiers; NULL if not in this database. */
  private static final String RELATION_NAME =
      "(SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.oid = %s)";

  /** Lock waiters of the target database waiting past the threshold (over {@code a} with its blocking pids). */
  private static final String LOCK_WAIT = "a.on_db AND a.wait_event_type = 'Lock' AND a.query_seconds > q.lock_wait";

  /** Statements or transactions past the long-running threshold on the target database, lock waiters excluded. */
  private static final String LONG_RUNNING =
      """
      a.on_db AND a.backend_type = 'client backend' AND a.wait_event_type IS DISTINCT FROM 'Lock'
        AND ((a.state = 'active' AND a.query_seconds > p.long_running) OR a.xact_seconds > p.long_running)""";

  /**
   * The diagnosis in one statement: privileges, the sessions of the blocking tree (every lock waiter of the target
   * database, every session one waits for) and the long-running ones, the granted locks of each blocker on the
   * objects its waiters await, the tables past the thresholds, the vacuums running, and where
   * {@code pg_stat_statements} is installed. {@code pg_stat_activity} and {@code pg_locks} are each read once.
   *
   * <p>Per session: identity in UTC microseconds, {@code blocked_by} ({@code pg_blocking_pids}, only for sessions
   * waiting on a heavyweight lock), {@code excluded} (the first {@link SessionRules#EXCLUSION}), and for a waiter the
   * lock it awaits with its relation; a waiter on a transaction id (a row lock) gets the relation of the tuple lock
   * it holds while it waits, when it holds one.
   */
  static final String DIAGNOSE =
      """
      WITH %1$s, %2$s,
      me AS (SELECT %3$s FROM pg_roles r WHERE r.rolname = current_user),
      s AS MATERIALIZED (
        SELECT a.pid, a.datname, a.usename::text AS usename, a.application_name, host(a.client_addr) AS client_addr,
               a.state, a.query, a.backend_start, a.xact_start, a.query_start, a.wait_event_type, a.wait_event,
               a.backend_type, r.rolsuper, a.datname = p.db AS on_db,
               coalesce(extract(epoch FROM now() - a.xact_start), 0)::float8 AS xact_seconds,
               coalesce(extract(epoch FROM now() - a.query_start), 0)::float8 AS query_seconds,
               CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by
          FROM p CROSS JOIN pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid
         WHERE a.pid <> pg_backend_pid()
      ),
      w AS (SELECT pid, blocked_by FROM s WHERE on_db AND cardinality(blocked_by) > 0),
      involved AS (
        SELECT coalesce(array_agg(DISTINCT x), '{}') AS pids
          FROM (SELECT pid AS x FROM w UNION SELECT unnest(blocked_by) FROM w) u
      ),
      lk AS MATERIALIZED (SELECT l.* FROM pg_locks l WHERE l.pid = ANY ((SELECT pids FROM involved)::int[])),
      awaited AS (
        SELECT DISTINCT ON (l.pid) l.*, coalesce(l.relation,
                 (SELECT t.relation FROM lk t WHERE t.pid = l.pid AND t.granted AND t.locktype = 'tuple' LIMIT 1))
                 AS rel
          FROM lk l WHERE NOT l.granted ORDER BY l.pid, l.locktype
      )
      SELECT to_char(now() AT TIME ZONE 'UTC', %4$s) AS taken_at, me.*,
             (SELECT count(*) FROM s WHERE query = '<insufficient privilege>') AS hidden,
             (SELECT count(*) FROM s WHERE on_db AND backend_type = 'client backend' AND state IS DISTINCT FROM 'idle')
               AS active_sessions,
             (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
               WHERE e.extname = 'pg_stat_statements') AS statements_schema,
             (SELECT json_agg(x ORDER BY x.pid) FROM (
                SELECT a.pid, a.usename, a.application_name, a.client_addr, a.state,
                       to_char(a.backend_start AT TIME ZONE 'UTC', %4$s) AS backend_start,
                       to_char(a.xact_start AT TIME ZONE 'UTC', %4$s) AS xact_start,
                       to_char(a.query_start AT TIME ZONE 'UTC', %4$s) AS query_start,
                       a.wait_event_type, a.wait_event, a.xact_seconds, a.query_seconds, a.query, a.blocked_by,
                       %5$s AS excluded,
                       %6$s AS lock_wait, %7$s AS long_running,
                       aw.locktype AS awaited_locktype, aw.mode AS awaited_mode, %8$s AS awaited_relation
                  FROM s a CROSS JOIN p CROSS JOIN q CROSS JOIN LATERAL (SELECT a.rolsuper) r
                  LEFT JOIN awaited aw ON aw.pid = a.pid
                 WHERE a.pid = ANY ((SELECT pids FROM involved)::int[]) OR (%7$s)
                 ORDER BY a.pid LIMIT (SELECT max_listed FROM p)) x) AS sessions,
             (SELECT json_agg(h ORDER BY h.pid, h.mode, h.locktype, h.relation, h.awaited_mode) FROM (
                SELECT DISTINCT b.pid, b.mode, b.locktype, %9$s AS relation, aw.mode AS awaited_mode
                  FROM w JOIN awaited aw ON aw.pid = w.pid
                  JOIN lk b ON b.granted AND b.pid = ANY (w.blocked_by) AND b.locktype = aw.locktype
                   AND b.database IS NOT DISTINCT FROM aw.database AND b.relation IS NOT DISTINCT FROM aw.relation
                   AND b.page IS NOT DISTINCT FROM aw.page AND b.tuple IS NOT DISTINCT FROM aw.tuple
                   AND b.virtualxid IS NOT DISTINCT FROM aw.virtualxid
                   AND b.transactionid IS NOT DISTINCT FROM aw.transactionid
                   AND b.classid IS NOT DISTINCT FROM aw.classid AND b.objid IS NOT DISTINCT FROM aw.objid
                   AND b.objsubid IS NOT DISTINCT FROM aw.objsubid) h) AS held,
             (SELECT json_agg(t ORDER BY t.worst DESC, t.name) FROM (
                SELECT format('%%I.%%I', u.schemaname, u.relname) AS name, u.n_live_tup, u.n_dead_tup,
                       u.n_mod_since_analyze,
                       to_char(greatest(u.last_analyze, u.last_autoanalyze) AT TIME ZONE 'UTC', %4$s) AS last_analyze,
                       to_char(u.last_autovacuum AT TIME ZONE 'UTC', %4$s) AS last_autovacuum,
                       %10$s AS stale, %11$s AS dead, greatest(u.n_mod_since_analyze, u.n_dead_tup) AS worst
                  FROM pg_stat_user_tables u CROSS JOIN q
                 WHERE %10$s OR %11$s
                 ORDER BY greatest(u.n_mod_since_analyze, u.n_dead_tup) DESC, name
                 LIMIT (SELECT max_listed FROM p)) t) AS tables,
             (SELECT json_agg(v ORDER BY v.seconds DESC, v.pid) FROM (
                SELECT v.pid, a.backend_type = 'autovacuum worker' AS autovacuum, %12$s AS name, v.phase,
                       coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start)), 0)::float8
                         AS seconds
                  FROM pg_stat_progress_vacuum v CROSS JOIN p LEFT JOIN s a ON a.pid = v.pid
                 WHERE v.datname = p.db
                 ORDER BY seconds DESC, v.pid LIMIT (SELECT max_listed FROM p)) v) AS vacuums
        FROM me
      """
          .formatted(
              SessionRules.PARAMS,
              PARAMS,
              Privileges.COLUMNS,
              SessionRules.UTC,
              SessionRules.EXCLUSION,
              LOCK_WAIT,
              LONG_RUNNING,
              RELATION_NAME.formatted("aw.rel"),
              RELATION_NAME.formatted("coalesce(b.relation, aw.rel)"),
              Tables.STALE,
              Tables.DEAD,
              RELATION_NAME.formatted("v.relid"));

  /** What makes a table's statistics stale or its dead tuples a build-up (over {@code u}, {@code q}). */
  static final class Tables {
    static final String STALE =
        "(u.n_mod_since_analyze > q.stale_share * u.n_live_tup AND u.n_mod_since_analyze >= q.stale_min)";
    static final String DEAD = "(u.n_dead_tup > q.dead_share * u.n_live_tup AND u.n_dead_tup >= q.dead_min)";

    private Tables() {}
  }

  /**
   * Both top lists from {@code pg_stat_statements} ({@code %1$s}: its schema, quoted) of the target database, the
   * connected role's own statements (this diagnosis) left out. Parameters: the list size, the minimum calls for the
   * mean list, the list size.
   */
  static final String TOP_STATEMENTS =
      """
      WITH st AS (
        SELECT s.queryid, s.query, s.calls, s.total_exec_time AS total_ms, s.mean_exec_time AS mean_ms, s.rows
          FROM %1$s.pg_stat_statements s
         WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND s.userid <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
           AND s.queryid IS NOT NULL AND s.query IS NOT NULL AND s.query <> '<insufficient privilege>'
      )
      (SELECT 'total' AS list, * FROM st ORDER BY total_ms DESC, queryid LIMIT ?)
      UNION ALL
      (SELECT 'mean' AS list, * FROM st WHERE calls >= ? ORDER BY mean_ms DESC, queryid LIMIT ?)
      """;

  /** One reading for watching: counts and maxima over the target database's sessions. */
  static final String SAMPLE =
      """
      WITH %1$s, %2$s,
      me AS (SELECT %3$s FROM pg_roles r WHERE r.rolname = current_user),
      s AS (
        SELECT a.*, a.datname = p.db AS on_db,
               coalesce(extract(epoch FROM now() - a.xact_start), 0)::float8 AS xact_seconds,
               coalesce(extract(epoch FROM now() - a.query_start), 0)::float8 AS query_seconds
          FROM p CROSS JOIN pg_stat_activity a
         WHERE a.pid <> pg_backend_pid()
      )
      SELECT to_char(now() AT TIME ZONE 'UTC', %4$s) AS taken_at, me.*, c.*
        FROM me CROSS JOIN (
          SELECT count(*) FILTER (WHERE a.query = '<insufficient privilege>') AS hidden,
                 count(*) FILTER (WHERE %5$s) AS lock_waits,
                 coalesce(max(a.query_seconds) FILTER (WHERE a.on_db AND a.wait_event_type = 'Lock'), 0)
                   AS longest_lock_wait_seconds,
                 count(*) FILTER (WHERE %6$s) AS long_running,
                 coalesce(max(a.query_seconds) FILTER (WHERE a.on_db AND a.backend_type = 'client backend'
                   AND a.state = 'active'), 0) AS longest_statement_seconds,
                 count(*) FILTER (WHERE a.on_db AND a.backend_type = 'client backend'
                   AND a.state IS DISTINCT FROM 'idle') AS active_sessions
            FROM s a CROSS JOIN p CROSS JOIN q) c
      """
          .formatted(SessionRules.PARAMS, PARAMS, Privileges.COLUMNS, SessionRules.UTC, LOCK_WAIT, LONG_RUNNING);

  /** Lock waits past the threshold on the target database, after the signals. */
  static final String WAITS =
      "WITH %1$s, %2$s SELECT count(*) FROM p CROSS JOIN q CROSS JOIN LATERAL (SELECT a.*, a.datname = p.db AS on_db,"
          + " coalesce(extract(epoch FROM now() - a.query_start), 0)::float8 AS query_seconds"
          + " FROM pg_stat_activity a) a WHERE %3$s";

  static String waits() {
    return WAITS.formatted(SessionRules.PARAMS, PARAMS, LOCK_WAIT);
  }

  /** The blocker blocks nobody now: no lock waiter of the target database has it among its blocking pids. */
  static final String BLOCKS_NOBODY =
      """
      CASE WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity w
                             WHERE w.wait_event_type = 'Lock' AND w.datname = p.db
                               AND a.pid = ANY (pg_blocking_pids(w.pid)))
           THEN 'blocks no session any more' END""";

  /** Identity, exclusions and "still blocks someone" checked in the statement that sends {@code signal}. */
  static String signal(String signal) {
    return GuardedSignal.sql(SessionRules.EXCLUSION, BLOCKS_NOBODY, signal);
  }

  /**
   * Resolves one name the plan gave: the relation {@code to_regclass} finds (NULL: none), its kind, its quoted name,
   * whether it is a user table of this database ({@code pg_stat_user_tables}), whether the connected role may ANALYZE
   * it (owner or superuser; {@code MAINTAIN} on 17+), and whether its statistics are stale now ({@link Tables#STALE}).
   * Parameters: {@link #PARAMS}, then the name.
   */
  static final String RESOLVE =
      """
      WITH %1$s
      SELECT c.oid IS NOT NULL AS found, c.relkind::text AS relkind, c.relpersistence::text AS persistence,
             CASE WHEN c.oid IS NOT NULL THEN format('%%I.%%I', n.nspname, c.relname) END AS name,
             u.relid IS NOT NULL AS user_table,
             u.n_mod_since_analyze, u.n_live_tup,
             CASE WHEN c.oid IS NULL THEN false
                  WHEN current_setting('server_version_num')::int >= 170000
                    THEN has_table_privilege(c.oid, 'MAINTAIN')
                  ELSE pg_has_role(c.relowner, 'USAGE') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
             END AS may_analyze,
             coalesce(%2$s, false) AS stale
        FROM q CROSS JOIN (SELECT to_regclass(?) AS oid) x
        LEFT JOIN pg_class c ON c.oid = x.oid
        LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_stat_user_tables u ON u.relid = c.oid
      """
          .formatted(PARAMS, Tables.STALE);

  private PerformanceQueries() {}
}
