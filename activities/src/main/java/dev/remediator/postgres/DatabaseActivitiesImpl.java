package dev.remediator.postgres;

import dev.remediator.activities.EndpointOutages;
import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.TargetConfig;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.DatabaseActivities;
import dev.remediator.runbook.dbpool.PoolPolicy;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.runbook.dbpool.SessionInfo;
import dev.remediator.runbook.dbpool.SessionOutcome;
import dev.remediator.runbook.dbpool.SessionOutcome.Result;
import dev.remediator.incident.Target;
import dev.remediator.runbook.dbpool.TerminationResult;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@link DatabaseActivities} over JDBC. A snapshot runs on one of the few read-only connections kept per target
 * ({@link DiagnosisConnections}); a termination on a dedicated connection of its own (see {@link PostgresConnector}).
 *
 * <p>Round trips: a snapshot is one statement ({@link SnapshotQuery}) plus, on a kept connection, the check that it
 * is still alive; a termination is one privilege check plus one guarded statement per session.
 */
public class DatabaseActivitiesImpl implements DatabaseActivities, AutoCloseable {

  private final TargetDirectory targets;
  private final DiagnosisConnections diagnosis;
  private final EndpointOutages outages;

  public DatabaseActivitiesImpl(TargetDirectory targets) {
    this(targets, new DiagnosisConnections(), new EndpointOutages());
  }

  DatabaseActivitiesImpl(TargetDirectory targets, DiagnosisConnections diagnosis) {
    this(targets, diagnosis, new EndpointOutages());
  }

  DatabaseActivitiesImpl(TargetDirectory targets, DiagnosisConnections diagnosis, EndpointOutages outages) {
    this.targets = targets;
    this.diagnosis = diagnosis;
    this.outages = outages;
  }

  /**
   * A snapshot of a database whose host:port does not answer fails fast while another attempt less than
   * {@link EndpointOutages#WINDOW} old speaks for it, non-retryably with the outage's start ({@code TargetUnreachable}).
   */
  @Override
  public ConnectionSnapshot snapshot(Target target, RunbookPolicy policy) {
    TargetConfig config = targets.require(target);
    String doing = "snapshot of " + target.id();
    try {
      ConnectionSnapshot s = outages.call(EndpointOutages.endpoint(config.postgres().url(), 5432), target.id(),
          () -> diagnosis.withConnection(config, c -> SnapshotQuery.take(c, target, config.postgres(), policy)),
          DatabaseActivitiesImpl::unreachable);
      return s.withDiagnosis(RootCauseHint.diagnose(s, policy));
    } catch (EndpointOutages.Down e) {
      throw e.failure(doing);
    } catch (SQLException e) {
      throw PostgresConnector.failure(doing, e);
    }
  }

  /** Read-only, bounded: see {@link SimilarPoolScan}. Refuses an incident target that is not configured. */
  @Override
  public SimilarIssues similarElsewhere(Target incidentTarget, RunbookPolicy policy) {
    targets.require(incidentTarget);
    return SimilarPoolScan.run(targets.config(), incidentTarget, policy);
  }

  /**
   * The server did not answer: a connection error (SQLSTATE class 08: refused, connect timeout, no route), from
   * connecting (the connector's failure) or from the statement on a kept connection.
   */
  static boolean unreachable(Throwable e) {
    if (e instanceof io.temporal.failure.ApplicationFailure af) {
      return PostgresConnector.DATABASE_UNREACHABLE.equals(af.getType());
    }
    return e instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08");
  }

  /** The kept diagnosis connections (tests and the benchmark look at reuse through it). */
  DiagnosisConnections diagnosisConnections() {
    return diagnosis;
  }

  /** Closes the kept diagnosis connections; a later snapshot fails. */
  @Override
  public void close() {
    diagnosis.close();
  }

  /**
   * Carries progress across attempts: after each session the activity heartbeats the sessions it has terminated, so
   * a retry after a crash (heartbeat details) reports them as terminated instead of merely gone, and counts them
   * against the cap. Heartbeats are throttled by the SDK, so the last few may not have reached the server when a
   * worker dies: sessions that are gone on a retried attempt are marked as possibly terminated by it.
   */
  @Override
  public TerminationResult terminateIdleInTransaction(
      Target target, RunbookPolicy policy, List<SessionInfo> sessions) {
    ActivityExecutionContext activity = Activity.getExecutionContext();
    Optional<TerminationResult> earlier = activity.getHeartbeatDetails(TerminationResult.class);
    // heartbeat details mean an earlier attempt ran, whatever attempt number the server gives
    int attempt = Math.max(activity.getInfo().getAttempt(), earlier.isPresent() ? 2 : 1);
    return terminate(
        target,
        policy,
        sessions,
        attempt,
        earlier.map(TerminationResult::outcomes).orElse(List.of()),
        done -> activity.heartbeat(new TerminationResult(done, attempt)));
  }

  /** One attempt with no earlier progress: what a first attempt does. */
  TerminationResult terminate(Target target, RunbookPolicy policy, List<SessionInfo> sessions) {
    return terminate(target, policy, sessions, 1, List.of(), done -> {});
  }

  /**
   * @param attempt this attempt of the action (1 = first)
   * @param earlier sessions earlier attempts reported terminated (their heartbeat details)
   * @param progress called after each session with the sessions terminated so far, earlier attempts included
   */
  TerminationResult terminate(
      Target target,
      RunbookPolicy policy,
      List<SessionInfo> sessions,
      int attempt,
      List<SessionOutcome> earlier,
      Consumer<List<SessionOutcome>> progress) {
    TargetConfig config = targets.require(target);
    List<SessionInfo> plan = sessions == null ? List.of() : sessions;
    List<SessionOutcome> outcomes = new ArrayList<>();
    if (plan.isEmpty()) {
      return new TerminationResult(outcomes, attempt);
    }
    Set<Integer> terminatedEarlier = new HashSet<>();
    earlier.stream().filter(o -> o.result() == Result.TERMINATED).forEach(o -> terminatedEarlier.add(o.pid()));
    List<SessionOutcome> terminatedSoFar = new ArrayList<>();
    int counted = 0; // against the cap: terminated, and on a retried attempt also gone (perhaps terminated by it)
    PoolPolicy own = PoolPolicy.of(policy);
    try (Connection c = PostgresConnector.open(config, false)) {
      Privileges.requireStatsAndSignal(c);
      long waitMillis = Math.min(5000, config.postgres().statementTimeoutOrDefault().toMillis() / 2);
      // PostgreSQL 14+ can wait for the backend to exit, so the verification that follows sees the slot freed.
      String wait = c.getMetaData().getDatabaseMajorVersion() >= 14 && waitMillis > 0 ? ", " + waitMillis : "";
      String sql =
          GuardedSignal.sql(SessionRules.REFUSAL, SessionRules.STALE, "pg_terminate_backend(x.pid" + wait + ")");
      Set<Integer> seen = new HashSet<>();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        SessionRules.bind(c, ps, 1, target, config.postgres(), own.idleInTransactionReportAfter(),
            own.idleInTransactionTerminateAfter(), own.longRunningQueryAfter(), 0);
        for (SessionInfo s : plan) {
          if (s == null) {
            continue;
          }
          SessionOutcome o;
          if (!seen.add(s.pid())) {
            o = new SessionOutcome(s.pid(), Result.REFUSED, "listed twice in the plan");
          } else if (terminatedEarlier.contains(s.pid())) {
            o = new SessionOutcome(
                s.pid(), Result.TERMINATED, "pg_terminate_backend by an interrupted earlier attempt");
          } else if (s.backendStart() == null) {
            o = new SessionOutcome(s.pid(), Result.REFUSED, "no backend_start in the plan: identity cannot be checked");
          } else if (counted >= own.maxSessionsPerTermination()) { // per action, across its attempts
            o = new SessionOutcome(s.pid(), Result.REFUSED,
                "cap of " + own.maxSessionsPerTermination() + " sessions per action reached");
          } else {
            o = terminate(ps, s);
            if (o.result() == Result.GONE && attempt > 1) {
              counted++;
              o = new SessionOutcome(s.pid(), Result.GONE, "session no longer exists (an earlier attempt of this"
                  + " action was interrupted: it may have terminated it)");
            }
          }
          if (o.result() == Result.TERMINATED) {
            terminatedSoFar.add(o);
            counted++;
          }
          outcomes.add(o);
          progress.accept(List.copyOf(terminatedSoFar));
        }
      }
    } catch (SQLException e) {
      throw PostgresConnector.failure("terminating sessions on " + target.id(), e);
    }
    return new TerminationResult(outcomes, attempt);
  }

  /** One session, identity and rules checked in the statement that terminates it ({@link GuardedSignal}). */
  private static SessionOutcome terminate(PreparedStatement ps, SessionInfo s) throws SQLException {
    GuardedSignal.Check check = GuardedSignal.run(ps, s.pid(), s.backendStart(), s.xactStart(), "pg_terminate_backend");
    Result result = switch (check.verdict()) {
      case GONE -> Result.GONE;
      case CHANGED, STALE -> Result.CHANGED;
      case REFUSED, NOT_SIGNALLED -> Result.REFUSED;
      case SIGNALLED -> Result.TERMINATED;
    };
    return new SessionOutcome(s.pid(), result, check.detail());
  }
}
