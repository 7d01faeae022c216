package dev.remediator.postgres;

import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that the role can see and signal other roles' sessions, and fails with the exact GRANT when it cannot.
 * Without {@code pg_read_all_stats}, {@code pg_stat_activity.state} and {@code query} are NULL /
 * {@code <insufficient privilege>} for other roles: every count would silently be zero. Without
 * {@code pg_signal_backend}, {@code pg_terminate_backend} fails for other roles' sessions. Membership is checked with
 * {@code pg_has_role(..., 'USAGE')}: a grant to a NOINHERIT role does not give the privileges, and is refused too.
 */
final class Privileges {
  static final String READ_ALL_STATS = "pg_read_all_stats";
  static final String SIGNAL_BACKEND = "pg_signal_backend";

  /** Columns {@code role, superuser, read_all_stats, signal_backend}; the snapshot statement embeds the same. */
  static final String CHECK_SQL =
      """
      SELECT current_user::text AS role, r.rolsuper AS superuser,
             pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
             pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS signal_backend
        FROM pg_roles r WHERE r.rolname = current_user
      """;

  private Privileges() {}

  /** One round trip: the privileges both snapshot and termination need. */
  static void requireStatsAndSignal(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(CHECK_SQL);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      require(
          rs.getString("role"),
          rs.getBoolean("superuser"),
          rs.getBoolean("read_all_stats"),
          rs.getBoolean("signal_backend"),
          true);
    }
  }

  /**
   * Throws a non-retryable {@code DatabaseMissingPrivileges} naming every missing grant and what it is for.
   *
   * @param needSignal whether {@code pg_signal_backend} is needed (termination) or only visibility (snapshot)
   */
  static void require(String role, boolean superuser, boolean readAllStats, boolean signalBackend, boolean needSignal) {
    if (superuser) {
      return;
    }
    List<String> missing = new ArrayList<>();
    List<String> why = new ArrayList<>();
    if (!readAllStats) {
      missing.add(READ_ALL_STATS);
      why.add(READ_ALL_STATS + " to see other roles' sessions in pg_stat_activity (without it their state is"
          + " hidden and every count would read zero)");
    }
    if (needSignal && !signalBackend) {
      missing.add(SIGNAL_BACKEND);
      why.add(SIGNAL_BACKEND + " to terminate other roles' sessions");
    }
    if (!missing.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "role " + role + " lacks " + String.join(" and ", why) + ". As a superuser run: GRANT "
              + String.join(", ", missing) + " TO " + quoteIdent(role) + ";",
          PostgresConnector.DATABASE_PRIVILEGES);
    }
  }

  static String quoteIdent(String name) {
    return name.matches("[a-z_][a-z0-9_$]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
