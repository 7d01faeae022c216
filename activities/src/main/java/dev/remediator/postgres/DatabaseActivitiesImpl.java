package dev.remediator.postgres;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.ConnectionSnapshot;
import dev.remediator.incident.DatabaseActivities;
import dev.remediator.incident.Diagnosis;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SessionInfo;
import dev.remediator.incident.SessionOutcome;
import dev.remediator.incident.SessionOutcome.Result;
import dev.remediator.incident.Target;
import dev.remediator.incident.TerminationResult;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** {@link DatabaseActivities} over JDBC, one dedicated connection per call. */
public class DatabaseActivitiesImpl implements DatabaseActivities {

  /**
   * The runbook's summary query, extended with the server limits the alert divides by, in one statement. Only
   * client backends count (not autovacuum, WAL senders, background workers), and never this session.
   * {@code longest_query_seconds} ignores idle sessions, whose {@code query_start} is their last, finished query.
   */
  static final String SUMMARY_SQL =
      """
      SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS taken_at,
             count(*) FILTER (WHERE datname = ?) AS total,
             count(*) FILTER (WHERE datname = ? AND state = 'active') AS active,
             count(*) FILTER (WHERE datname = ? AND state = 'idle') AS idle,
             count(*) FILTER (WHERE datname = ? AND state = 'idle in transaction') AS idle_in_transaction,
             coalesce(max(extract(epoch FROM now() - query_start))
                        FILTER (WHERE datname = ? AND state <> 'idle'), 0) AS longest_query_seconds,
             count(*) AS server_connections,
             count(*) FILTER (WHERE state IS NULL AND usename <> current_user) AS hidden,
             current_setting('max_connections')::int AS max_connections,
             current_setting('superuser_reserved_connections')::int
               + coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int AS reserved
        FROM pg_stat_activity
       WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
      """;

  /** The runbook's "long-running queries" and "idle connections in transaction" queries, as one. */
  static final String SESSIONS_SQL =
      """
      SELECT pid, usename, application_name, host(client_addr) AS client_addr, state,
             backend_start::text AS backend_start, xact_start::text AS xact_start,
             extract(epoch FROM now() - state_change) AS state_seconds,
             coalesce(extract(epoch FROM now() - query_start), 0) AS query_seconds,
             query
        FROM pg_stat_activity
       WHERE datname = ? AND backend_type = 'client backend' AND pid <> pg_backend_pid()
         AND ((state = 'idle in transaction' AND now() - state_change > make_interval(secs => ?))
           OR (state = 'active' AND now() - query_start > make_interval(secs => ?)))
       ORDER BY state, state_change
      """;

  private final TargetDirectory targets;

  public DatabaseActivitiesImpl(TargetDirectory targets) {
    this.targets = targets;
  }

  @Override
  public ConnectionSnapshot snapshot(Target target, RunbookPolicy policy) {
    TargetConfig config = targets.require(target);
    try (Connection c = PostgresConnector.open(config)) {
      c.setReadOnly(true);
      c.setAutoCommit(false);
      Privileges.requireStatsVisibility(c);
      String db = target.database();
      ConnectionSnapshot summary;
      try (PreparedStatement ps = c.prepareStatement(SUMMARY_SQL)) {
        for (int i = 1; i <= 5; i++) {
          ps.setString(i, db);
        }
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getInt("hidden") > 0) {
            // Belt and braces: the privilege check passed, yet rows are hidden. A silent zero would be a lie.
            throw ApplicationFailure.newNonRetryableFailure(
                rs.getInt("hidden") + " sessions of other roles are hidden from " + "this role: grant it "
                    + "pg_read_all_stats",
                PostgresConnector.DATABASE_PRIVILEGES);
          }
          int max = rs.getInt("max_connections");
          int reserved = rs.getInt("reserved");
          int total = rs.getInt("total");
          summary =
              new ConnectionSnapshot(
                  rs.getString("taken_at"),
                  total,
                  rs.getInt("active"),
                  rs.getInt("idle"),
                  rs.getInt("idle_in_transaction"),
                  rs.getDouble("longest_query_seconds"),
                  max,
                  reserved,
                  rs.getInt("server_connections"),
                  max - reserved <= 0 ? 1.0 : (double) total / (max - reserved),
                  List.of(),
                  List.of(),
                  List.of(),
                  List.of(),
                  Diagnosis.unknown());
        }
      }
      List<SessionInfo> idleInTx = new ArrayList<>();
      List<SessionInfo> longRunning = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(SESSIONS_SQL)) {
        ps.setString(1, db);
        // Listed from the lower of the two thresholds, so a plan can always see what it may terminate.
        ps.setDouble(
            2,
            Math.min(
                    policy.idleInTransactionReportAfter().toMillis(),
                    policy.idleInTransactionTerminateAfter().toMillis())
                / 1000.0);
        ps.setDouble(3, policy.longRunningQueryAfter().toMillis() / 1000.0);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            SessionInfo s = session(rs);
            (s.state().equals("active") ? longRunning : idleInTx).add(s);
          }
        }
      }
      c.commit();
      return new ConnectionSnapshot(
          summary.takenAt(),
          summary.totalConnections(),
          summary.active(),
          summary.idle(),
          summary.idleInTransaction(),
          summary.longestQuerySeconds(),
          summary.maxConnections(),
          summary.reservedConnections(),
          summary.serverConnections(),
          summary.utilization(),
          idleInTx,
          longRunning,
          List.of(),
          List.of(),
          Diagnosis.unknown());
    } catch (SQLException e) {
      throw PostgresConnector.failure("snapshot of " + target.id(), e);
    }
  }

  /**
   * Terminates with one guarded statement per session: the identity, state, age, database and application checks
   * and {@code pg_terminate_backend} run together, so nothing changes between the check and the act.
   */
  static final String TERMINATE_SQL =
      """
      SELECT pg_terminate_backend(a.pid) AS terminated
        FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
       WHERE a.pid = ? AND a.backend_start::text = ? AND a.xact_start::text IS NOT DISTINCT FROM ?
         AND a.datname = ? AND a.state = 'idle in transaction'
         AND now() - a.state_change >= make_interval(secs => ?)
         AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
         AND NOT r.rolsuper AND coalesce(a.application_name, '') NOT IN ('remediator', 'postgres_exporter')
         AND (cardinality(?::text[]) = 0 OR a.usename = ANY (?::text[]))
         AND (cardinality(?::text[]) = 0 OR a.application_name = ANY (?::text[]))
      """;

  static final String LOOKUP_SQL =
      """
      SELECT backend_start::text AS backend_start, xact_start::text AS xact_start, state, datname, usename,
             application_name
        FROM pg_stat_activity WHERE pid = ?
      """;

  @Override
  public TerminationResult terminateIdleInTransaction(
      Target target, RunbookPolicy policy, List<SessionInfo> sessions) {
    TargetConfig config = targets.require(target);
    List<String> roles = Objects.requireNonNullElse(config.postgres().applicationRoles(), List.of());
    List<String> names = Objects.requireNonNullElse(config.postgres().applicationNames(), List.of());
    double minIdle = policy.idleInTransactionTerminateAfter().toMillis() / 1000.0;
    List<SessionOutcome> outcomes = new ArrayList<>();
    try (Connection c = PostgresConnector.open(config)) {
      Privileges.requireSignalBackend(c);
      // PostgreSQL 14+ can wait for the backend to exit, so the verification that follows sees the slot freed.
      String sql =
          c.getMetaData().getDatabaseMajorVersion() >= 14
              ? TERMINATE_SQL.replace("pg_terminate_backend(a.pid)", "pg_terminate_backend(a.pid, 5000)")
              : TERMINATE_SQL;
      int attempted = 0;
      for (SessionInfo s : sessions) {
        if (attempted >= policy.maxSessionsPerTermination()) {
          outcomes.add(new SessionOutcome(s.pid(), Result.REFUSED,
              "cap of " + policy.maxSessionsPerTermination() + " sessions per action reached"));
          continue;
        }
        attempted++;
        outcomes.add(terminate(c, sql, target, s, minIdle, roles, names));
      }
    } catch (SQLException e) {
      throw PostgresConnector.failure("terminating sessions on " + target.id(), e);
    }
    return new TerminationResult(outcomes);
  }

  private static SessionOutcome terminate(
      Connection c,
      String sql,
      Target target,
      SessionInfo s,
      double minIdle,
      List<String> roles,
      List<String> names)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, s.pid());
      ps.setString(2, s.backendStart());
      ps.setString(3, s.xactStart());
      ps.setString(4, target.database());
      ps.setDouble(5, minIdle);
      ps.setArray(6, c.createArrayOf("text", roles.toArray()));
      ps.setArray(7, c.createArrayOf("text", roles.toArray()));
      ps.setArray(8, c.createArrayOf("text", names.toArray()));
      ps.setArray(9, c.createArrayOf("text", names.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next() && rs.getBoolean("terminated")) {
          return new SessionOutcome(s.pid(), Result.TERMINATED, "pg_terminate_backend");
        }
      }
    }
    // Not terminated: say why, from a fresh look at the pid.
    try (PreparedStatement ps = c.prepareStatement(LOOKUP_SQL)) {
      ps.setInt(1, s.pid());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return new SessionOutcome(s.pid(), Result.GONE, "session no longer exists");
        }
        if (!Objects.equals(rs.getString("backend_start"), s.backendStart())) {
          return new SessionOutcome(s.pid(), Result.CHANGED, "pid now belongs to another backend");
        }
        if (!Objects.equals(rs.getString("xact_start"), s.xactStart())) {
          return new SessionOutcome(s.pid(), Result.CHANGED, "session started another transaction");
        }
        if (!"idle in transaction".equals(rs.getString("state"))) {
          return new SessionOutcome(s.pid(), Result.CHANGED, "session is now " + rs.getString("state"));
        }
        return new SessionOutcome(
            s.pid(), Result.REFUSED, "not a session of " + target.service() + " on " + target.database()
                + " that may be terminated (role " + rs.getString("usename") + ")");
      }
    }
  }

  private static SessionInfo session(ResultSet rs) throws SQLException {
    return new SessionInfo(
        rs.getInt("pid"),
        rs.getString("usename"),
        rs.getString("application_name"),
        rs.getString("client_addr"),
        rs.getString("state"),
        rs.getString("backend_start"),
        rs.getString("xact_start"),
        rs.getDouble("state_seconds"),
        rs.getDouble("query_seconds"),
        QueryText.normalize(rs.getString("query")));
  }
}
