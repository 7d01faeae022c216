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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@link DatabaseActivities} over JDBC, one dedicated connection per call (see {@link PostgresConnector}).
 *
 * <p>Round trips: a snapshot is one statement ({@link SnapshotQuery}); a termination is one privilege check plus one
 * guarded statement per session.
 */
public class DatabaseActivitiesImpl implements DatabaseActivities {

  /**
   * Terminates one session in one statement: the identity (pid + backend_start + xact_start), the rules of
   * {@link SessionRules} and {@code pg_terminate_backend} run together, so nothing changes between the check and the
   * act but the instant the statement takes. The same row says why a session was not terminated.
   */
  static final String TERMINATE_SQL =
      """
      WITH %1$s
      SELECT x.pid, x.backend_start, x.xact_start, x.state, x.refusal, x.stale,
             CASE WHEN x.backend_start = ? AND x.xact_start IS NOT DISTINCT FROM ?
                       AND x.refusal IS NULL AND x.stale IS NULL
                  THEN pg_terminate_backend(x.pid%5$s) END AS terminated
        FROM (SELECT a.pid, a.state,
                     to_char(a.backend_start AT TIME ZONE 'UTC', %2$s) AS backend_start,
                     to_char(a.xact_start AT TIME ZONE 'UTC', %2$s) AS xact_start,
                     %3$s AS refusal,
                     %4$s AS stale
                FROM p CROSS JOIN pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid
               WHERE a.pid = ?) x
      """;

  private final TargetDirectory targets;

  public DatabaseActivitiesImpl(TargetDirectory targets) {
    this.targets = targets;
  }

  @Override
  public ConnectionSnapshot snapshot(Target target, RunbookPolicy policy) {
    TargetConfig config = targets.require(target);
    try (Connection c = PostgresConnector.open(config, true)) {
      ConnectionSnapshot s = SnapshotQuery.take(c, target, config.postgres(), policy);
      return s.withDiagnosis(RootCauseHint.diagnose(s, policy));
    } catch (SQLException e) {
      throw PostgresConnector.failure("snapshot of " + target.id(), e);
    }
  }

  @Override
  public TerminationResult terminateIdleInTransaction(
      Target target, RunbookPolicy policy, List<SessionInfo> sessions) {
    TargetConfig config = targets.require(target);
    List<SessionInfo> plan = sessions == null ? List.of() : sessions;
    List<SessionOutcome> outcomes = new ArrayList<>();
    if (plan.isEmpty()) {
      return new TerminationResult(outcomes);
    }
    try (Connection c = PostgresConnector.open(config, false)) {
      Privileges.requireStatsAndSignal(c);
      long waitMillis = Math.min(5000, config.postgres().statementTimeoutOrDefault().toMillis() / 2);
      // PostgreSQL 14+ can wait for the backend to exit, so the verification that follows sees the slot freed.
      String wait = c.getMetaData().getDatabaseMajorVersion() >= 14 && waitMillis > 0 ? ", " + waitMillis : "";
      String sql =
          TERMINATE_SQL.formatted(
              SessionRules.PARAMS, SessionRules.UTC, SessionRules.REFUSAL, SessionRules.STALE, wait);
      Set<Integer> seen = new HashSet<>();
      int terminated = 0;
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        SessionRules.bind(c, ps, 1, target, config.postgres(), policy, 0);
        for (SessionInfo s : plan) {
          if (s == null) {
            continue;
          }
          if (!seen.add(s.pid())) {
            outcomes.add(new SessionOutcome(s.pid(), Result.REFUSED, "listed twice in the plan"));
          } else if (s.backendStart() == null) {
            outcomes.add(
                new SessionOutcome(s.pid(), Result.REFUSED, "no backend_start in the plan: identity cannot be checked"));
          } else if (terminated >= policy.maxSessionsPerTermination()) {
            outcomes.add(
                new SessionOutcome(
                    s.pid(),
                    Result.REFUSED,
                    "cap of " + policy.maxSessionsPerTermination() + " sessions per action reached"));
          } else {
            SessionOutcome o = terminate(ps, s);
            if (o.result() == Result.TERMINATED) {
              terminated++; // the cap bounds what one call terminates: sessions already gone do not count
            }
            outcomes.add(o);
          }
        }
      }
    } catch (SQLException e) {
      throw PostgresConnector.failure("terminating sessions on " + target.id(), e);
    }
    return new TerminationResult(outcomes);
  }

  private static SessionOutcome terminate(PreparedStatement ps, SessionInfo s) throws SQLException {
    int at = SessionRules.PARAM_COUNT + 1;
    ps.setString(at, s.backendStart());
    ps.setString(at + 1, s.xactStart());
    ps.setInt(at + 2, s.pid());
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return new SessionOutcome(s.pid(), Result.GONE, "session no longer exists");
      }
      String backendStart = rs.getString("backend_start");
      String xactStart = rs.getString("xact_start");
      if (!Objects.equals(backendStart, s.backendStart())) {
        return new SessionOutcome(
            s.pid(),
            Result.CHANGED,
            "pid now belongs to another backend (started " + backendStart + ", planned " + s.backendStart() + ")");
      }
      if (!Objects.equals(xactStart, s.xactStart())) {
        return new SessionOutcome(
            s.pid(),
            Result.CHANGED,
            "the planned transaction ended (committed or rolled back); "
                + (xactStart == null ? "no transaction now" : "another began at " + xactStart));
      }
      String refusal = rs.getString("refusal");
      if (refusal != null) {
        return new SessionOutcome(s.pid(), Result.REFUSED, refusal);
      }
      String stale = rs.getString("stale");
      if (stale != null) {
        return new SessionOutcome(s.pid(), Result.CHANGED, stale);
      }
      boolean terminated = rs.getBoolean("terminated");
      return terminated
          ? new SessionOutcome(s.pid(), Result.TERMINATED, "pg_terminate_backend")
          : new SessionOutcome(
              s.pid(),
              Result.REFUSED,
              "pg_terminate_backend returned false (signal not delivered, or the backend did not exit in time)");
    } catch (SQLException e) {
      if ("42501".equals(e.getSQLState())) {
        // e.g. a superuser's session with terminateSuperusers but a non-superuser Remediator role.
        return new SessionOutcome(s.pid(), Result.REFUSED, "server refused: " + e.getMessage());
      }
      throw e;
    }
  }
}
