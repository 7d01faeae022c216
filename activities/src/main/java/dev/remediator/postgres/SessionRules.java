package dev.remediator.postgres;

import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Target;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The rules that decide which sessions belong to the target application and which may be terminated, written once as
 * SQL over {@code pg_stat_activity a LEFT JOIN pg_roles r} and a parameter row {@code p}. The snapshot uses them to
 * mark sessions {@code terminable}; termination evaluates the very same expressions in the statement that calls
 * {@code pg_terminate_backend}, so the plan and the act cannot disagree on the rules.
 */
public final class SessionRules {
  /** RFC 3339 UTC with microseconds: the full precision of a timestamptz, independent of the session time zone. */
  public static final String UTC = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'";

  /** The parameter row; bind with {@link #bind}. */
  public static final String PARAMS =
      """
      p AS (
        SELECT ?::text AS db, ?::float8 AS idle_list, ?::float8 AS idle_terminate, ?::float8 AS long_running,
               ?::text[] AS app_roles, ?::text[] AS app_names, ?::text[] AS excluded_names,
               ?::boolean AS allow_superusers, ?::int AS max_listed
      )""";

  public static final int PARAM_COUNT = 9;

  /**
   * The session belongs to the target application: its role is one of {@code applicationRoles} and/or its
   * {@code application_name} one of {@code applicationNames} (both must hold when both are configured). With neither
   * configured, no session is the application's.
   */
  static final String APPLICATION =
      """
      ((cardinality(p.app_roles) > 0 OR cardinality(p.app_names) > 0)
        AND (cardinality(p.app_roles) = 0 OR a.usename::text = ANY (p.app_roles))
        AND (cardinality(p.app_names) = 0 OR coalesce(a.application_name, '') = ANY (p.app_names)))""";

  /**
   * The exclusions (never acted on, whatever the runbook): a non-client backend, Remediator's own session, another
   * database, an excluded {@code application_name}, a superuser (unless allowed). A role that no longer exists in
   * {@code pg_roles} counts as a superuser.
   */
  private static final String EXCLUSION_RULES =
      """
        WHEN a.backend_type IS DISTINCT FROM 'client backend'
          THEN coalesce(a.backend_type, 'server') || ' process, not a client session'
        WHEN a.pid = pg_backend_pid() THEN 'Remediator''s own session'
        WHEN a.datname IS DISTINCT FROM p.db
          THEN 'on database ' || coalesce(a.datname, '(none)') || ', not ' || p.db
        WHEN coalesce(a.application_name, '') = ANY (p.excluded_names)
          THEN 'application_name ' || a.application_name || ' is never terminated'
        WHEN coalesce(r.rolsuper, true) AND NOT p.allow_superusers
          THEN 'role ' || coalesce(a.usename::text, '(unknown)') || ' is a superuser'
      """;

  /** The first exclusion the session falls under, or NULL: what no runbook acts on. */
  public static final String EXCLUSION = "CASE" + EXCLUSION_RULES + "END";

  /**
   * The first rule (d), (e) or exclusion the session breaks, or NULL: what may never be terminated, whatever its
   * state: the {@link #EXCLUSION}s, then the sessions not known to be the application's.
   */
  static final String REFUSAL =
      """
      CASE%s\
        WHEN cardinality(p.app_roles) = 0 AND cardinality(p.app_names) = 0
          THEN 'no applicationRoles or applicationNames configured: no session is known to be the application''s'
        WHEN NOT %s
          THEN 'not the application''s (role ' || coalesce(a.usename::text, '(unknown)') || ', application_name '
               || coalesce(nullif(a.application_name, ''), '(none)') || ')'
      END"""
          .formatted(EXCLUSION_RULES, APPLICATION);

  /** Rule (c): NULL if the session is idle in transaction past the termination threshold, else what it is now. */
  static final String STALE =
      """
      CASE
        WHEN a.state IS DISTINCT FROM 'idle in transaction'
          THEN 'session is now ' || coalesce(a.state, 'in an unknown state')
        WHEN a.state_change > now() - make_interval(secs => p.idle_terminate)
          THEN 'idle in transaction for only ' || round(extract(epoch FROM now() - a.state_change)::numeric, 1)
               || ' s, under the ' || p.idle_terminate || ' s threshold'
      END""";

  private SessionRules() {}

  /**
   * Binds the {@link #PARAMS} row at parameter indexes {@code first .. first + PARAM_COUNT - 1}: sessions idle in
   * transaction are listed past {@code idleReportAfter}, terminable past {@code idleTerminateAfter}; queries are long
   * past {@code longRunningAfter}.
   */
  public static void bind(
      Connection c, PreparedStatement ps, int first, Target target, TargetConfig.Postgres pg,
      Duration idleReportAfter, Duration idleTerminateAfter, Duration longRunningAfter, int maxListed)
      throws SQLException {
    double report = seconds(idleReportAfter);
    double terminate = seconds(idleTerminateAfter);
    ps.setString(first, target.database());
    // Listed from the lower of the two thresholds, so a plan can always see what it may terminate.
    ps.setDouble(first + 1, Math.min(report, terminate));
    ps.setDouble(first + 2, terminate);
    ps.setDouble(first + 3, seconds(longRunningAfter));
    ps.setArray(first + 4, c.createArrayOf("text", names(pg.applicationRoles())));
    ps.setArray(first + 5, c.createArrayOf("text", names(pg.applicationNames())));
    ps.setArray(first + 6, c.createArrayOf("text", pg.excludedApplicationNames().toArray()));
    ps.setBoolean(first + 7, pg.terminateSuperusersOrDefault());
    ps.setInt(first + 8, maxListed);
  }

  private static Object[] names(List<String> names) {
    return Objects.requireNonNullElse(names, List.<String>of()).stream().filter(Objects::nonNull).toArray();
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }
}
