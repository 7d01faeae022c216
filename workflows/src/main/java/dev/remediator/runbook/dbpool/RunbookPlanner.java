package dev.remediator.runbook.dbpool;

import dev.remediator.incident.ActionMode;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.PlannedAction;
import dev.remediator.incident.RunbookPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * Step 3 of the workflow, as pure, deterministic code: from severity, diagnosis and policy, the plan of actions in
 * the runbook's order (terminate leaked sessions, rolling restart, temporary pool increase), each with its reason and
 * exact targets. Actions the policy turns {@code OFF} are not planned.
 */
final class RunbookPlanner {
  private RunbookPlanner() {}

  /** What the planner knows about the incident so far. */
  record Situation(
      RunbookPolicy policy,
      ConnectionSnapshot snapshot,
      PoolDiagnosis diagnosis,
      int restartsDone,
      boolean kubernetes,
      PoolSettings pool,
      boolean poolIncreased,
      int round) {}

  static List<PlannedAction> plan(Situation s) {
    RunbookPolicy p = s.policy();
    PoolPolicy own = PoolPolicy.of(p);
    List<PlannedAction> actions = new ArrayList<>();

    List<SessionInfo> leaked = leakedSessions(own, s.snapshot());
    if (own.terminateSessions() != ActionMode.OFF && !leaked.isEmpty()) {
      actions.add(termination(own, leaked, ""));
    }
    if (s.kubernetes() && p.rollingRestart() != ActionMode.OFF && s.restartsDone() < p.maxRestarts()) {
      actions.add(
          new PlannedAction(
              ActionType.ROLLING_RESTART,
              p.rollingRestart(),
              "rolling restart clears connection leaks held by the application (restart "
                  + (s.restartsDone() + 1) + " of at most " + p.maxRestarts() + ")",
              null));
    }
    boolean poolHelps =
        s.round() > 0
            || s.diagnosis().cause() == RootCause.LOAD
            || s.diagnosis().cause() == RootCause.CONFIGURATION;
    if (s.kubernetes() && own.poolIncrease() != ActionMode.OFF && !s.poolIncreased() && poolHelps && s.pool() != null) {
      List<PoolSettings.EnvValue> proposed = proposePoolIncrease(p, s.snapshot(), s.pool());
      if (!proposed.isEmpty()) {
        String capped = capped(own, s.pool(), proposed);
        actions.add(
            new PlannedAction(
                ActionType.POOL_INCREASE,
                own.poolIncrease(),
                "temporary pool increase within the server's capacity" + (capped.isEmpty() ? "" : " (" + capped + ")")
                    + ", reverted " + minutes(own.poolIncreaseRevertAfter().toSeconds()) + " after recovery",
                new PoolIncreaseTarget(proposed)));
      }
    }
    return actions;
  }

  /**
   * Below critical: only the termination of leaked sessions (a LEAK diagnosis, sessions idle in transaction past the
   * threshold), when the policy plans it at warning; never a restart or a pool change. Empty otherwise.
   */
  static List<PlannedAction> planAtWarning(PoolPolicy p, ConnectionSnapshot snapshot) {
    if (!p.plansLeaksAtWarning() || snapshot == null || snapshot.diagnosis() == null
        || snapshot.diagnosis().cause() != RootCause.LEAK) {
      return List.of();
    }
    List<SessionInfo> leaked = leakedSessions(p, snapshot);
    return leaked.isEmpty() ? List.of() : List.of(termination(p, leaked, " at warning"));
  }

  private static PlannedAction termination(PoolPolicy p, List<SessionInfo> leaked, String when) {
    return new PlannedAction(
        ActionType.TERMINATE_SESSIONS,
        p.terminateSessions(),
        leaked.size() + " session(s) of the application idle in transaction longer than "
            + minutes(p.idleInTransactionTerminateAfter().toSeconds()) + " hold connections" + when
            + " (runbook: kill idle-in-transaction sessions)",
        new TerminationTarget(leaked));
  }

  /**
   * The application's sessions idle in transaction past the termination threshold, as the activity marked them
   * terminable (its own rules: target database, application roles/names, never superusers, monitoring or us). The
   * activity re-checks each one at execution.
   */
  static List<SessionInfo> leakedSessions(PoolPolicy p, ConnectionSnapshot snapshot) {
    return PoolPattern.leaked(p, snapshot).stream().limit(p.maxSessionsPerTermination()).toList();
  }

  /** The policy's increase factor, capped by what the server can take ({@link PoolCapacity}); empty if none fits. */
  static List<PoolSettings.EnvValue> proposePoolIncrease(
      RunbookPolicy p, ConnectionSnapshot snapshot, PoolSettings pool) {
    if (snapshot == null) {
      return List.of();
    }
    CapacityAssessment capacity = PoolCapacity.proposeIncrease(snapshot, pool, p);
    if (capacity.refused() || !capacity.increasePossible()) {
      return List.of();
    }
    List<PoolSettings.EnvValue> proposed = new ArrayList<>();
    proposed.add(new PoolSettings.EnvValue(pool.values().get(0).name(), Integer.toString(capacity.proposedPoolSize())));
    if (pool.values().size() > 1) {
      proposed.add(
          new PoolSettings.EnvValue(pool.values().get(1).name(), Integer.toString(capacity.proposedMaxOverflow())));
    }
    return proposed;
  }

  /**
   * Which proposed values the server's capacity held below the policy's factor, e.g. "DATABASE_POOL_SIZE capped at 7
   * by the server's capacity (wanted 8)"; empty when none was.
   */
  static String capped(PoolPolicy p, PoolSettings pool, List<PoolSettings.EnvValue> proposed) {
    List<String> capped = new ArrayList<>();
    for (int i = 0; i < proposed.size() && i < pool.values().size(); i++) {
      String current = pool.values().get(i).value();
      int wanted = PoolCapacity.increased(current == null ? 0 : Integer.parseInt(current.trim()), p.poolIncreaseFactor());
      int got = Integer.parseInt(proposed.get(i).value());
      if (got < wanted) {
        capped.add(proposed.get(i).name() + " capped at " + got + " by the server's capacity (wanted " + wanted + ")");
      }
    }
    return String.join("; ", capped);
  }

  private static String minutes(long seconds) {
    return seconds % 60 == 0 && seconds >= 60 ? seconds / 60 + " min" : seconds + " s";
  }
}
