package dev.remediator.postgres;

import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that the role can see and signal other roles' sessions, and fails with the exact SQL that fixes it when it
 * cannot. Without {@code pg_read_all_stats}, {@code pg_stat_activity.state} and {@code query} are NULL /
 * {@code <insufficient privilege>} for other roles: every count would silently be zero. Without
 * {@code pg_signal_backend}, {@code pg_terminate_backend} fails for other roles' sessions. Privileges are checked with
 * {@code pg_has_role(..., 'USAGE')}: membership without inheritance (a NOINHERIT role; on 16+ a grant
 * {@code WITH INHERIT FALSE}) gives none, and the remedy then says how to make it inherit.
 */
public final class Privileges {
  public static final String READ_ALL_STATS = "pg_read_all_stats";
  static final String SIGNAL_BACKEND = "pg_signal_backend";

  /** The columns {@link Grants#read} needs; the snapshot statement embeds the same expressions. */
  public static final String COLUMNS =
      """
      current_user::text AS role, coalesce(r.rolsuper, false) AS superuser, coalesce(r.rolinherit, true) AS inherit,
      current_setting('server_version_num')::int AS server_version_num,
      pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
      pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS signal_backend,
      pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS read_all_stats_member,
      pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') AS signal_backend_member""";

  static final String CHECK_SQL = "SELECT " + COLUMNS + " FROM pg_roles r WHERE r.rolname = current_user";

  /** What the connected role may do, as PostgreSQL says. */
  public record Grants(
      String role, boolean superuser, boolean inherit, int serverVersionNum, boolean readAllStats,
      boolean signalBackend, boolean readAllStatsMember, boolean signalBackendMember) {

    public static Grants read(ResultSet rs) throws SQLException {
      return new Grants(
          rs.getString("role"),
          rs.getBoolean("superuser"),
          rs.getBoolean("inherit"),
          rs.getInt("server_version_num"),
          rs.getBoolean("read_all_stats"),
          rs.getBoolean("signal_backend"),
          rs.getBoolean("read_all_stats_member"),
          rs.getBoolean("signal_backend_member"));
    }
  }

  private Privileges() {}

  /** One round trip: the privileges both snapshot and termination need. */
  public static void requireStatsAndSignal(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(CHECK_SQL);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      require(Grants.read(rs), true);
    }
  }

  /**
   * Throws a non-retryable {@code DatabaseMissingPrivileges} naming every missing privilege, what it is for, and the
   * SQL that gives it.
   *
   * @param needSignal whether {@code pg_signal_backend} is needed (termination) or only visibility (snapshot)
   */
  public static void require(Grants g, boolean needSignal) {
    if (g.superuser()) {
      return;
    }
    List<String> missing = new ArrayList<>();
    List<String> why = new ArrayList<>();
    if (!g.readAllStats()) {
      missing.add(READ_ALL_STATS);
      why.add(READ_ALL_STATS + " to see other roles' sessions in pg_stat_activity (without it their state is"
          + " hidden and every count would read zero)");
    }
    if (needSignal && !g.signalBackend()) {
      missing.add(SIGNAL_BACKEND);
      why.add(SIGNAL_BACKEND + " to terminate other roles' sessions");
    }
    if (!missing.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "role " + g.role() + " lacks " + String.join(" and ", why) + ". As a superuser run: " + remedy(g, missing),
          PostgresConnector.DATABASE_PRIVILEGES);
    }
  }

  /**
   * Belt and braces after {@link #require}: the privilege check passed, yet {@code hidden} sessions of other roles
   * read {@code <insufficient privilege>}. A silent zero would be a lie: fails non-retryably with the grant.
   */
  public static void requireNothingHidden(int hidden, String role) {
    if (hidden > 0) {
      throw ApplicationFailure.newNonRetryableFailure(
          hidden + " sessions of other roles are hidden from role " + role + ": GRANT " + READ_ALL_STATS + " TO "
              + quoteIdent(role) + ";",
          PostgresConnector.DATABASE_PRIVILEGES);
    }
  }

  /**
   * The SQL that gives the privileges. Privileges come through inheritance: before PostgreSQL 16 a NOINHERIT role
   * inherits nothing, whatever it is granted; from 16 a grant carries its own INHERIT option (default: the role's),
   * and granting again {@code WITH INHERIT TRUE} changes a grant that exists in place.
   */
  static String remedy(Grants g, List<String> missing) {
    String role = quoteIdent(g.role());
    String grant = "GRANT " + String.join(", ", missing) + " TO " + role;
    if (g.serverVersionNum() >= 160000) {
      boolean memberAlready = missing.contains(READ_ALL_STATS) && g.readAllStatsMember()
          || missing.contains(SIGNAL_BACKEND) && g.signalBackendMember();
      return !g.inherit() || memberAlready ? grant + " WITH INHERIT TRUE;" : grant + ";";
    }
    return g.inherit() ? grant + ";" : grant + "; ALTER ROLE " + role + " INHERIT;";
  }

  public static String quoteIdent(String name) {
    return name.matches("[a-z_][a-z0-9_$]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
