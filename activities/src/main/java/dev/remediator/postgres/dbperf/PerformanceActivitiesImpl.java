package dev.remediator.postgres.dbperf;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import dev.remediator.postgres.DiagnosisConnections;
import dev.remediator.postgres.GuardedSignal;
import dev.remediator.postgres.PostgresConnector;
import dev.remediator.postgres.Privileges;
import dev.remediator.postgres.SessionRules;
import dev.remediator.runbook.dbperf.AnalyzeOutcome;
import dev.remediator.runbook.dbperf.AnalyzeResult;
import dev.remediator.runbook.dbperf.BackendSession;
import dev.remediator.runbook.dbperf.PerformanceActivities;
import dev.remediator.runbook.dbperf.PerformanceCause;
import dev.remediator.runbook.dbperf.PerformancePolicy;
import dev.remediator.runbook.dbperf.PerformanceSample;
import dev.remediator.runbook.dbperf.PerformanceSnapshot;
import dev.remediator.runbook.dbperf.SignalOutcome;
import dev.remediator.runbook.dbperf.SignalResult;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

/**
 * {@link PerformanceActivities} over JDBC. The diagnosis and the samples run on the read-only connections kept per
 * target ({@link DiagnosisConnections}); each action on a dedicated connection of its own
 * ({@link PostgresConnector#open}). Signals are checked and sent in one statement per blocker ({@link GuardedSignal}
 * with {@link SessionRules#EXCLUSION} and "still blocks a session"); ANALYZE resolves each name on the server and runs
 * in its own transaction with its own timeouts. Never VACUUM, never DDL.
 */
public class PerformanceActivitiesImpl implements PerformanceActivities, AutoCloseable {
  /** How long a signal action waits for the lock waits to clear before it counts them. */
  static final Duration WAITS_CLEAR_WITHIN = Duration.ofSeconds(2);

  private static final Duration WAITS_POLL = Duration.ofMillis(100);

  /** Lock timeout of each ANALYZE: it waits for no one's lock longer than this. */
  static final Duration ANALYZE_LOCK_TIMEOUT = Duration.ofSeconds(5);

  /** {@code table} or {@code schema.table}: plain or double-quoted identifiers, nothing else. */
  private static final String IDENTIFIER = "(?:[A-Za-z_][A-Za-z0-9_$]*|\"(?:[^\"]|\"\")+\")";

  private static final Pattern TABLE_NAME = Pattern.compile("(?:" + IDENTIFIER + "\\.)?" + IDENTIFIER);

  private static final Executor DIRECT = Runnable::run;

  /** The two signals and what each reports. */
  private enum Signal {
    CANCEL("pg_cancel_backend", SignalOutcome.Result.CANCELLED),
    TERMINATE("pg_terminate_backend", SignalOutcome.Result.TERMINATED);

    final String function;
    final SignalOutcome.Result done;

    Signal(String function, SignalOutcome.Result done) {
      this.function = function;
      this.done = done;
    }
  }

  private final TargetDirectory targets;
  private final DiagnosisConnections diagnosis;

  public PerformanceActivitiesImpl(TargetDirectory targets) {
    this(targets, new DiagnosisConnections());
  }

  public PerformanceActivitiesImpl(TargetDirectory targets, DiagnosisConnections diagnosis) {
    this.targets = targets;
    this.diagnosis = diagnosis;
  }

  @Override
  public PerformanceSnapshot diagnose(Target target, RunbookPolicy policy) {
    TargetConfig config = targets.require(target);
    try {
      return diagnosis.withConnection(config,
          c -> DiagnosisPass.take(c, target, config.postgres(), PerformancePolicy.of(policy)));
    } catch (SQLException e) {
      throw PostgresConnector.failure("diagnosis of " + target.id(), e);
    }
  }

  @Override
  public PerformanceSample sample(Target target, RunbookPolicy policy) {
    TargetConfig config = targets.require(target);
    try {
      return diagnosis.withConnection(config,
          c -> DiagnosisPass.sample(c, target, config.postgres(), PerformancePolicy.of(policy)));
    } catch (SQLException e) {
      throw PostgresConnector.failure("sample of " + target.id(), e);
    }
  }

  @Override
  public SignalResult cancelBlockers(Target target, RunbookPolicy policy, List<BackendSession> blockers) {
    return signal(target, policy, blockers, Signal.CANCEL);
  }

  @Override
  public SignalResult terminateBlockers(Target target, RunbookPolicy policy, List<BackendSession> blockers) {
    return signal(target, policy, blockers, Signal.TERMINATE);
  }

  /**
   * Signals each planned blocker that is still the same backend and transaction, still blocks a session, is on the
   * target database and not excluded. After each blocker the activity heartbeats the blockers signalled so far, so a
   * retry after a crash reports them instead of signalling again, and counts them against the cap.
   */
  private SignalResult signal(Target target, RunbookPolicy policy, List<BackendSession> blockers, Signal kind) {
    ActivityExecutionContext activity = Activity.getExecutionContext();
    var earlier = activity.getHeartbeatDetails(SignalResult.class);
    int attempt = Math.max(activity.getInfo().getAttempt(), earlier.isPresent() ? 2 : 1);
    Set<Integer> doneEarlier = new HashSet<>();
    earlier.map(SignalResult::outcomes).orElse(List.of()).stream()
        .filter(o -> o.result() == kind.done).forEach(o -> doneEarlier.add(o.pid()));
    TargetConfig config = targets.require(target);
    PerformancePolicy own = PerformancePolicy.of(policy);
    List<BackendSession> plan = blockers == null ? List.of() : blockers;
    List<SignalOutcome> outcomes = new ArrayList<>();
    List<SignalOutcome> signalled = new ArrayList<>();
    try (Connection c = PostgresConnector.open(config, false)) {
      Privileges.requireStatsAndSignal(c);
      Set<Integer> seen = new HashSet<>();
      try (PreparedStatement ps = c.prepareStatement(PerformanceQueries.signal(call(c, config, kind)))) {
        SessionRules.bind(c, ps, 1, target, config.postgres(), Duration.ZERO, Duration.ZERO, own.longRunningAfter(), 0);
        for (BackendSession b : plan) {
          if (b == null) {
            continue;
          }
          SignalOutcome o;
          if (!seen.add(b.pid())) {
            o = new SignalOutcome(b.pid(), SignalOutcome.Result.REFUSED, "listed twice in the plan");
          } else if (doneEarlier.contains(b.pid())) {
            o = new SignalOutcome(b.pid(), kind.done, kind.function + " by an interrupted earlier attempt");
          } else if (b.backendStart() == null) {
            o = new SignalOutcome(b.pid(), SignalOutcome.Result.REFUSED,
                "no backend_start in the plan: identity cannot be checked");
          } else if (signalled.size() >= own.maxBlockersPerAction()) { // per action, across its attempts
            o = new SignalOutcome(b.pid(), SignalOutcome.Result.REFUSED,
                "cap of " + own.maxBlockersPerAction() + " blockers per action reached");
          } else {
            o = outcome(GuardedSignal.run(ps, b.pid(), b.backendStart(), b.xactStart(), kind.function), b, kind,
                attempt);
          }
          if (o.result() == kind.done) {
            signalled.add(o);
          }
          outcomes.add(o);
          activity.heartbeat(new SignalResult(List.copyOf(signalled), attempt, 0));
        }
      }
      return new SignalResult(outcomes, attempt, waitsAfter(c, target, config, own, !signalled.isEmpty()));
    } catch (SQLException e) {
      throw PostgresConnector.failure(kind.function + " on " + target.id(), e);
    }
  }

  /** The signal over {@code x.pid}; a termination waits (PostgreSQL 14+) for the backend to exit, up to 5 s. */
  private static String call(Connection c, TargetConfig config, Signal kind) throws SQLException {
    if (kind == Signal.CANCEL) {
      return "pg_cancel_backend(x.pid)";
    }
    long waitMillis = Math.min(5000, config.postgres().statementTimeoutOrDefault().toMillis() / 2);
    boolean canWait = c.getMetaData().getDatabaseMajorVersion() >= 14 && waitMillis > 0;
    return "pg_terminate_backend(x.pid" + (canWait ? ", " + waitMillis : "") + ")";
  }

  private static SignalOutcome outcome(GuardedSignal.Check check, BackendSession b, Signal kind, int attempt) {
    return switch (check.verdict()) {
      case SIGNALLED -> new SignalOutcome(b.pid(), kind.done, check.detail());
      case GONE -> new SignalOutcome(b.pid(), SignalOutcome.Result.GONE, attempt > 1
          ? "session no longer exists (an earlier attempt of this action was interrupted: it may have signalled it)"
          : check.detail());
      case CHANGED, STALE -> new SignalOutcome(b.pid(), SignalOutcome.Result.CHANGED, check.detail());
      case REFUSED, NOT_SIGNALLED -> new SignalOutcome(b.pid(), SignalOutcome.Result.REFUSED, check.detail());
    };
  }

  /**
   * Lock waits past the threshold after the signals: polled until none are left or {@link #WAITS_CLEAR_WITHIN} has
   * passed (a cancelled statement rolls back and a terminated backend exits in a moment, not at once).
   */
  private static int waitsAfter(Connection c, Target target, TargetConfig config, PerformancePolicy p,
      boolean signalled) throws SQLException {
    long deadline = System.nanoTime() + (signalled ? WAITS_CLEAR_WITHIN.toNanos() : 0);
    try (PreparedStatement ps = c.prepareStatement(PerformanceQueries.waits())) {
      DiagnosisPass.bind(c, ps, target, config.postgres(), p, 0);
      while (true) {
        int waits;
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          waits = rs.getInt(1);
        }
        if (waits == 0 || System.nanoTime() >= deadline) {
          return waits;
        }
        try {
          Thread.sleep(WAITS_POLL.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return waits;
        }
      }
    }
  }

  /**
   * ANALYZE of each planned table still stale, one transaction each with the policy's statement timeout and a 5 s
   * lock timeout. Names are checked to be identifiers, resolved on the server ({@code to_regclass}) to an ordinary
   * table of this database the role may analyze, and the statement names the table as the server quotes it.
   * Heartbeats the tables analyzed so far: a retry reports them instead of analyzing again.
   */
  @Override
  public AnalyzeResult analyzeTables(Target target, RunbookPolicy policy, List<String> tables) {
    ActivityExecutionContext activity = Activity.getExecutionContext();
    var earlier = activity.getHeartbeatDetails(AnalyzeResult.class);
    int attempt = Math.max(activity.getInfo().getAttempt(), earlier.isPresent() ? 2 : 1);
    Set<String> doneEarlier = new HashSet<>();
    earlier.map(AnalyzeResult::outcomes).orElse(List.of()).stream()
        .filter(o -> o.result() == AnalyzeOutcome.Result.ANALYZED).forEach(o -> doneEarlier.add(o.table()));
    TargetConfig config = targets.require(target);
    PerformancePolicy own = PerformancePolicy.of(policy);
    List<String> plan = tables == null ? List.of() : tables;
    List<AnalyzeOutcome> outcomes = new ArrayList<>();
    List<AnalyzeOutcome> analyzed = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int considered = 0;
    try (Connection c = PostgresConnector.open(config, false)) {
      for (String name : plan) {
        AnalyzeOutcome o;
        if (name == null || !TABLE_NAME.matcher(name).matches()) {
          o = refused(name, "not a table name (schema.table, identifiers only)");
        } else if (!seen.add(name)) {
          o = refused(name, "listed twice in the plan");
        } else if (doneEarlier.contains(name)) {
          o = new AnalyzeOutcome(name, AnalyzeOutcome.Result.ANALYZED, 0, "ANALYZE by an interrupted earlier attempt");
        } else if (considered >= own.maxTablesPerAnalyze()) {
          o = refused(name, "cap of " + own.maxTablesPerAnalyze() + " tables per action reached");
        } else {
          considered++;
          o = analyze(c, target, own, name, seen);
        }
        if (o.result() == AnalyzeOutcome.Result.ANALYZED) {
          analyzed.add(o);
        }
        outcomes.add(o);
        activity.heartbeat(new AnalyzeResult(List.copyOf(analyzed), attempt));
      }
    } catch (SQLException e) {
      throw PostgresConnector.failure("ANALYZE on " + target.id(), e);
    }
    return new AnalyzeResult(outcomes, attempt);
  }

  private static AnalyzeOutcome refused(String name, String why) {
    return new AnalyzeOutcome(name, AnalyzeOutcome.Result.REFUSED, 0, why);
  }

  /** @param seen the names met so far; the name the server resolves this one to joins them */
  private static AnalyzeOutcome analyze(Connection c, Target target, PerformancePolicy p, String name,
      Set<String> seen) throws SQLException {
    String quoted;
    try (PreparedStatement ps = c.prepareStatement(PerformanceQueries.RESOLVE)) {
      DiagnosisPass.bindThresholds(ps, 1, p);
      ps.setString(6, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        String refusal = refusal(rs, target);
        if (refusal != null) {
          return refused(name, refusal);
        }
        if (!rs.getString("name").equals(name) && !seen.add(rs.getString("name"))) {
          return refused(name, "listed twice in the plan (as " + rs.getString("name") + ")");
        }
        if (!rs.getBoolean("stale")) {
          return new AnalyzeOutcome(name, AnalyzeOutcome.Result.FRESH, 0, "no longer stale: "
              + rs.getLong("n_mod_since_analyze") + " rows modified since the last analyze, "
              + rs.getLong("n_live_tup") + " live");
        }
        quoted = rs.getString("name"); // quoted by the server: format('%I.%I')
      }
    } catch (SQLException e) {
      if ("42602".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) { // invalid name, unknown schema
        return refused(name, "not a table of " + target.database() + ": " + e.getMessage());
      }
      throw e;
    }
    return runAnalyze(c, name, quoted, p.analyzeTimeout());
  }

  /** Why the resolved relation is not one to ANALYZE, or null. */
  private static String refusal(ResultSet rs, Target target) throws SQLException {
    if (!rs.getBoolean("found")) {
      return "no table of that name in database " + target.database();
    }
    String kind = rs.getString("relkind");
    if (!"r".equals(kind)) {
      return rs.getString("name") + " is " + switch (kind) {
        case "v" -> "a view";
        case "m" -> "a materialized view";
        case "p" -> "a partitioned table (analyze its partitions)";
        case "f" -> "a foreign table";
        case "i", "I" -> "an index";
        case "S" -> "a sequence";
        default -> "of kind " + kind;
      } + ", not an ordinary table";
    }
    if ("t".equals(rs.getString("persistence"))) {
      return rs.getString("name") + " is another session's temporary table";
    }
    if (!rs.getBoolean("user_table")) {
      return rs.getString("name") + " is a system table";
    }
    if (!rs.getBoolean("may_analyze")) {
      return "role may not ANALYZE " + rs.getString("name")
          + " (it must own it; on PostgreSQL 17+ GRANT MAINTAIN ON it, or GRANT pg_maintain)";
    }
    return null;
  }

  /**
   * One ANALYZE in a transaction of its own: the timeouts and the statement go in one execute, which PostgreSQL runs
   * as one implicit transaction ({@code SET LOCAL} holds for it; an error ends it, and with it the timeouts). The
   * JDBC socket timeout is raised for the time: the connection's is set for short statements.
   */
  private static AnalyzeOutcome runAnalyze(Connection c, String name, String quoted, Duration timeout)
      throws SQLException {
    int networkTimeout = c.getNetworkTimeout();
    long started = System.nanoTime();
    c.setNetworkTimeout(DIRECT, (int) Math.min(Integer.MAX_VALUE, timeout.plusSeconds(30).toMillis()));
    try (Statement st = c.createStatement()) {
      st.execute("SET LOCAL statement_timeout = " + timeout.toMillis() + "; SET LOCAL lock_timeout = "
          + ANALYZE_LOCK_TIMEOUT.toMillis() + "; ANALYZE " + quoted);
      double seconds = (System.nanoTime() - started) / 1e9;
      for (SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
        if (w.getMessage() != null && w.getMessage().contains("skipping")) { // "only table or database owner can …"
          return new AnalyzeOutcome(name, AnalyzeOutcome.Result.REFUSED, seconds, "server: " + w.getMessage());
        }
      }
      return new AnalyzeOutcome(name, AnalyzeOutcome.Result.ANALYZED, seconds, "ANALYZE " + quoted);
    } catch (SQLException e) {
      double seconds = (System.nanoTime() - started) / 1e9;
      String state = String.valueOf(e.getSQLState());
      return switch (state) {
        case "57014", "55P03" -> new AnalyzeOutcome(name, AnalyzeOutcome.Result.TIMED_OUT, seconds,
            ("57014".equals(state) ? "statement timeout of " + timeout.toMillis() + " ms"
                : "lock timeout of " + ANALYZE_LOCK_TIMEOUT.toMillis() + " ms") + ": " + e.getMessage());
        case "42P01" -> new AnalyzeOutcome(name, AnalyzeOutcome.Result.GONE, seconds, e.getMessage());
        case "42501" -> new AnalyzeOutcome(name, AnalyzeOutcome.Result.REFUSED, seconds,
            "server refused: " + e.getMessage());
        default -> throw e;
      };
    } finally {
      c.setNetworkTimeout(DIRECT, networkTimeout);
    }
  }

  /**
   * Read-only, bounded: see {@link SimilarDatabaseScan}. Refuses an incident target that is not configured. Its
   * connections are its own (read-only, closed at once), not the kept diagnosis ones.
   */
  @Override
  public SimilarIssues similarElsewhere(Target incidentTarget, RunbookPolicy policy, PerformanceCause cause) {
    TargetConfig incident = targets.require(incidentTarget);
    return SimilarDatabaseScan.run(targets.config(), incident, PerformancePolicy.of(policy), cause);
  }

  /** Closes the kept diagnosis connections. */
  @Override
  public void close() {
    diagnosis.close();
  }
}
