package dev.remediator.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;

/**
 * Signals one backend in one statement ({@code pg_terminate_backend}, {@code pg_cancel_backend}): the identity
 * (pid + backend_start + xact_start), the rules of the runbook and the signal run together, so nothing changes between
 * the check and the act but the instant the statement takes. The same row says why a backend was not signalled.
 * Shared by the runbooks that end or cancel sessions; each gives its own rules and reads the {@link Check}.
 */
public final class GuardedSignal {
  /**
   * {@code %1$s} the parameter row {@code p}, {@code %2$s} the timestamp format, {@code %3$s} the refusal (NULL: may
   * be signalled), {@code %4$s} the staleness (NULL: still what the plan saw), {@code %5$s} the signal over
   * {@code x.pid}. Parameters after the row's: backend_start, xact_start, pid.
   */
  private static final String SQL =
      """
      WITH %1$s
      SELECT x.pid, x.backend_start, x.xact_start, x.state, x.refusal, x.stale,
             CASE WHEN x.backend_start = ? AND x.xact_start IS NOT DISTINCT FROM ?
                       AND x.refusal IS NULL AND x.stale IS NULL
                  THEN %5$s END AS signalled
        FROM (SELECT a.pid, a.state,
                     to_char(a.backend_start AT TIME ZONE 'UTC', %2$s) AS backend_start,
                     to_char(a.xact_start AT TIME ZONE 'UTC', %2$s) AS xact_start,
                     %3$s AS refusal,
                     %4$s AS stale
                FROM p CROSS JOIN pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid
               WHERE a.pid = ?) x
      """;

  /** What the statement found, in the order it is checked. */
  public enum Verdict {
    /** No backend has the pid. */
    GONE,
    /** The pid belongs to another backend, or the planned transaction ended. */
    CHANGED,
    /** A rule forbids signalling it. */
    REFUSED,
    /** The same backend and transaction, but no longer in the state the plan saw. */
    STALE,
    /** The signal function returned true. */
    SIGNALLED,
    /** The signal function returned false (not delivered, or the backend did not exit in time). */
    NOT_SIGNALLED
  }

  /** One backend's verdict and the sentence for the record. */
  public record Check(Verdict verdict, String detail) {}

  private GuardedSignal() {}

  /**
   * The statement, with the session rules' parameter row ({@link SessionRules#PARAMS}, bound first).
   *
   * @param refusal SQL over {@code a}, {@code r}, {@code p}: why the backend may never be signalled, or NULL
   * @param stale SQL over the same: why the plan no longer holds for it, or NULL
   * @param signal SQL over {@code x.pid}: the signal, e.g. {@code pg_cancel_backend(x.pid)}
   */
  public static String sql(String refusal, String stale, String signal) {
    return SQL.formatted(SessionRules.PARAMS, SessionRules.UTC, refusal, stale, signal);
  }

  /**
   * Binds the identity after the parameter row, runs the statement and reads its verdict. The server refusing the
   * signal (SQLSTATE 42501, e.g. a superuser's backend for a non-superuser role) is a {@link Verdict#REFUSED}.
   */
  public static Check run(PreparedStatement ps, int pid, String backendStart, String xactStart, String signalled)
      throws SQLException {
    int at = SessionRules.PARAM_COUNT + 1;
    ps.setString(at, backendStart);
    ps.setString(at + 1, xactStart);
    ps.setInt(at + 2, pid);
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return new Check(Verdict.GONE, "session no longer exists");
      }
      String nowStarted = rs.getString("backend_start");
      String nowXact = rs.getString("xact_start");
      if (!Objects.equals(nowStarted, backendStart)) {
        return new Check(Verdict.CHANGED,
            "pid now belongs to another backend (started " + nowStarted + ", planned " + backendStart + ")");
      }
      if (!Objects.equals(nowXact, xactStart)) {
        return new Check(Verdict.CHANGED, "the planned transaction ended (committed or rolled back); "
            + (nowXact == null ? "no transaction now" : "another began at " + nowXact));
      }
      String refusal = rs.getString("refusal");
      if (refusal != null) {
        return new Check(Verdict.REFUSED, refusal);
      }
      String stale = rs.getString("stale");
      if (stale != null) {
        return new Check(Verdict.STALE, stale);
      }
      return rs.getBoolean("signalled")
          ? new Check(Verdict.SIGNALLED, signalled)
          : new Check(Verdict.NOT_SIGNALLED, signalled
              + " returned false (signal not delivered, or the backend did not exit in time)");
    } catch (SQLException e) {
      if ("42501".equals(e.getSQLState())) {
        return new Check(Verdict.REFUSED, "server refused: " + e.getMessage());
      }
      throw e;
    }
  }
}
