package dev.remediator.postgres;

import dev.remediator.config.ConfigException;
import dev.remediator.config.TargetConfig;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Opens the connections the activities use: a dedicated one per termination, and the diagnosis's few kept ones
 * ({@link DiagnosisConnections}: at most two per target, closed when idle, so they hold few of the slots the
 * application needs). Timeouts are always set, in the startup packet, so a sick server cannot hang a worker thread
 * and a kept connection keeps them for its whole life.
 */
public final class PostgresConnector {
  /** {@code application_name} of every Remediator session: lets operators see us and lets us skip ourselves. */
  public static final String APPLICATION_NAME = "remediator";

  /** SQLSTATE 53300 {@code too_many_connections}: the server refused us a slot. */
  public static final String TOO_MANY_CONNECTIONS = "53300";

  public static final String DATABASE_REFUSED = "DatabaseRefusedConnection";
  public static final String DATABASE_AUTH = "DatabaseAuthenticationFailed";
  public static final String DATABASE_PRIVILEGES = "DatabaseMissingPrivileges";
  public static final String DATABASE_CONFIG = "DatabaseConfiguration";
  /** A connection error (SQLSTATE class 08: refused, timed out, no route): the server did not answer. Retryable. */
  public static final String DATABASE_UNREACHABLE = "DatabaseUnreachable";

  private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();

  private PostgresConnector() {}

  public static Connection open(TargetConfig target) {
    return open(target, false);
  }

  /**
   * Opens the connection. With {@code readOnly}, every transaction of the session is read-only
   * ({@code default_transaction_read_only}, set in the startup packet: no extra round trip), so diagnostics cannot
   * write even by mistake.
   */
  public static Connection open(TargetConfig target, boolean readOnly) {
    return open(target, readOnly, false);
  }

  /**
   * A read-only connection for {@link DiagnosisConnections}: statements are prepared on the server at their first
   * execution ({@code prepareThreshold=1}; pgjdbc keeps them per connection, by text) and, on PostgreSQL 12+, planned
   * once ({@code plan_cache_mode = force_generic_plan}, set once for the connection's life): the snapshot's plan does
   * not depend on its parameters, so planning it again at each call (the default's first five custom plans) is waste.
   */
  static Connection openForReuse(TargetConfig target) {
    return open(target, true, true);
  }

  private static Connection open(TargetConfig target, boolean readOnly, boolean reused) {
    TargetConfig.Postgres pg = target.postgres();
    Properties props = new Properties();
    try {
      props.setProperty("user", pg.resolveUser());
      String password = pg.resolvePassword();
      if (password != null) {
        props.setProperty("password", password);
      }
    } catch (ConfigException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), DATABASE_CONFIG);
    }
    long connectSeconds = Math.max(1, pg.connectTimeoutOrDefault().toSeconds());
    long statementMillis = Math.max(1, pg.statementTimeoutOrDefault().toMillis());
    props.setProperty("ApplicationName", APPLICATION_NAME);
    if (reused) {
      props.setProperty("prepareThreshold", "1");
    }
    props.setProperty("connectTimeout", Long.toString(connectSeconds));
    props.setProperty("loginTimeout", Long.toString(connectSeconds));
    props.setProperty("socketTimeout", Long.toString(statementMillis / 1000 + connectSeconds + 5));
    props.setProperty(
        "options",
        "-c statement_timeout=" + statementMillis + " -c lock_timeout=" + Math.min(statementMillis, 2000)
            + " -c idle_in_transaction_session_timeout=" + (statementMillis * 2)
            + (readOnly ? " -c default_transaction_read_only=on" : ""));
    try {
      Connection c = DRIVER.connect(pg.url(), props);
      if (c == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            "not a PostgreSQL JDBC URL: " + pg.url(), DATABASE_CONFIG);
      }
      if (readOnly) {
        c.setReadOnly(true); // no round trip with autocommit on; says what the connection is for
      }
      if (reused && c.getMetaData().getDatabaseMajorVersion() >= 12) {
        try (var st = c.createStatement()) {
          st.execute("SET plan_cache_mode = force_generic_plan");
        } catch (SQLException e) {
          c.close();
          throw e;
        }
      }
      return c;
    } catch (SQLException e) {
      throw failure("connecting to " + target.target().id(), e);
    }
  }

  /**
   * Maps a SQL error to a Temporal failure: refusals the workflow must act on (no slots, bad credentials, missing
   * privileges) are non-retryable and typed; network trouble and timeouts stay retryable.
   */
  public static ApplicationFailure failure(String doing, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String message = doing + ": " + e.getMessage() + " (SQLSTATE " + state + ")";
    if (TOO_MANY_CONNECTIONS.equals(state)) {
      return ApplicationFailure.newNonRetryableFailure(
          doing + ": the server refused the connection, its slots are exhausted: \"" + e.getMessage()
              + "\" (SQLSTATE 53300). Give Remediator a reserved path: PostgreSQL 16+ reserved_connections +"
              + " GRANT pg_use_reserved_connections; before 16 only superusers may use the reserved slots"
              + " (superuser_reserved_connections). See docs/postgresql.md.",
          DATABASE_REFUSED);
    }
    if (state.startsWith("28")) {
      return ApplicationFailure.newNonRetryableFailure(message, DATABASE_AUTH);
    }
    if (state.equals("42501")) {
      return ApplicationFailure.newNonRetryableFailure(message, DATABASE_PRIVILEGES);
    }
    if (state.equals("3D000")) {
      return ApplicationFailure.newNonRetryableFailure(message, DATABASE_CONFIG);
    }
    if (state.startsWith("08")) {
      return ApplicationFailure.newFailure(message, DATABASE_UNREACHABLE);
    }
    return ApplicationFailure.newFailure(message, "DatabaseError");
  }

  /**
   * The target's configuration with connect and statement timeouts no longer than {@code atMost}: a bounded read of
   * another target (the checks for similar issues at close) gives up within its share of the scan's budget.
   */
  public static TargetConfig withTimeoutsAtMost(TargetConfig t, Duration atMost) {
    TargetConfig.Postgres p = t.postgres();
    TargetConfig.Postgres bounded = new TargetConfig.Postgres(p.url(), p.user(), p.userEnv(), p.userFile(),
        p.passwordEnv(), p.passwordFile(), p.applicationRoles(), p.applicationNames(),
        min(p.connectTimeoutOrDefault(), atMost), min(p.statementTimeoutOrDefault(), atMost), p.terminateSuperusers(),
        p.excludeApplicationNames());
    return new TargetConfig(t.service(), t.namespace(), t.database(), bounded, t.kubernetes(), t.endpoints(),
        t.policy());
  }

  /** Why a target could not be read, in a few words by the failure's type ("did not answer", "lacks privileges"). */
  public static String why(ApplicationFailure e) {
    String type = e.getType() == null ? "" : e.getType();
    return switch (type) {
      case DATABASE_UNREACHABLE -> "did not answer";
      case DATABASE_REFUSED -> "refused the connection (slots exhausted)";
      case DATABASE_PRIVILEGES -> "lacks privileges";
      case DATABASE_AUTH -> "authentication failed";
      case DATABASE_CONFIG -> "configuration";
      default -> "failed";
    };
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
