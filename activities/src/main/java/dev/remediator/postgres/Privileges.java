package dev.remediator.postgres;

import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Checks, on connect, that the role can see and signal other roles' sessions. Without {@code pg_read_all_stats},
 * {@code pg_stat_activity.state} is NULL for other roles: every count would silently be zero.
 */
final class Privileges {
  private static final String HAS_ROLE =
      "SELECT current_user AS me, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,"
          + " pg_has_role(current_user, ?, 'USAGE') AS granted";

  private Privileges() {}

  static void requireStatsVisibility(Connection c) throws SQLException {
    require(c, "pg_read_all_stats", "see other roles' sessions in pg_stat_activity");
  }

  static void requireSignalBackend(Connection c) throws SQLException {
    require(c, "pg_signal_backend", "terminate other roles' sessions");
  }

  private static void require(Connection c, String role, String why) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(HAS_ROLE)) {
      ps.setString(1, role);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean("superuser") && !rs.getBoolean("granted")) {
          throw ApplicationFailure.newNonRetryableFailure(
              "role " + rs.getString("me") + " lacks " + role + ", needed to " + why + ": GRANT " + role + " TO "
                  + rs.getString("me") + ";",
              PostgresConnector.DATABASE_PRIVILEGES);
        }
      }
    }
  }
}
