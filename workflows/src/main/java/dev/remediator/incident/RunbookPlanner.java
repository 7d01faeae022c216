package dev.remediator.incident;

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
      Diagnosis diagnosis,
      int restartsDone,
      boolean kubernetes,
      PoolSettings pool,
      boolean poolIncreased,
      int round) {}

  static List<PlannedAction> plan(Situation s) {
    RunbookPolicy p = s.policy();
    List<PlannedAction> actions = new ArrayList<>();

    List<SessionInfo> leaked = leakedSessions(p, s.snapshot());
    if (p.terminateSessions() != ActionMode.OFF && !leaked.isEmpty()) {
      actions.add(
          new PlannedAction(
              ActionType.TERMINATE_SESSIONS,
              p.terminateSessions(),
              leaked.size() + " session(s) of the application idle in transaction longer than "
                  + minutes(p.idleInTransactionTerminateAfter().toSeconds()) + " hold connections (runbook: kill"
                  + " idle-in-transaction sessions)",
              leaked,
              List.of()));
    }
    if (s.kubernetes() && p.rollingRestart() != ActionMode.OFF && s.restartsDone() < p.maxRestarts()) {
      actions.add(
          new PlannedAction(
              ActionType.ROLLING_RESTART,
              p.rollingRestart(),
              "rolling restart clears connection leaks held by the application (restart "
                  + (s.restartsDone() + 1) + " of at most " + p.maxRestarts() + ")",
              List.of(),
              List.of()));
    }
    boolean poolHelps =
        s.round() > 0
            || s.diagnosis().cause() == RootCause.LOAD
            || s.diagnosis().cause() == RootCause.CONFIGURATION;
    if (s.kubernetes() && p.poolIncrease() != ActionMode.OFF && !s.poolIncreased() && poolHelps && s.pool() != null) {
      List<PoolSettings.EnvValue> proposed = proposePoolIncrease(p, s.snapshot(), s.pool());
      if (!proposed.isEmpty()) {
        actions.add(
            new PlannedAction(
                ActionType.POOL_INCREASE,
                p.poolIncrease(),
                "temporary pool increase within the server's capacity, reverted "
                    + minutes(p.poolIncreaseRevertAfter().toSeconds()) + " after recovery",
                List.of(),
                proposed));
      }
    }
    return actions;
  }

  /** Sessions idle in transaction past the termination threshold (the activity re-checks each at execution). */
  static List<SessionInfo> leakedSessions(RunbookPolicy p, ConnectionSnapshot snapshot) {
    if (snapshot == null) {
      return List.of();
    }
    double threshold = p.idleInTransactionTerminateAfter().toMillis() / 1000.0;
    return snapshot.idleInTransactionSessions().stream()
        .filter(x -> x.stateSeconds() >= threshold)
        .limit(p.maxSessionsPerTermination())
        .toList();
  }

  /**
   * Each numeric pool env var × {@code poolIncreaseFactor}, scaled down so that every replica at its new maximum plus
   * the other clients still fit in the server's usable connections. Empty if no increase fits.
   */
  static List<PoolSettings.EnvValue> proposePoolIncrease(
      RunbookPolicy p, ConnectionSnapshot snapshot, PoolSettings pool) {
    if (snapshot == null || pool.replicas() <= 0) {
      return List.of();
    }
    List<PoolSettings.EnvValue> current =
        pool.values().stream().filter(v -> v.value() != null && v.value().matches("\\d+")).toList();
    int currentPerReplica = current.stream().mapToInt(v -> Integer.parseInt(v.value())).sum();
    if (currentPerReplica == 0) {
      return List.of();
    }
    int usable = snapshot.maxConnections() - snapshot.reservedConnections();
    int others = Math.max(0, snapshot.serverConnections() - snapshot.totalConnections());
    int fitsPerReplica = (usable - others) / pool.replicas();
    int wantedPerReplica = (int) Math.ceil(currentPerReplica * p.poolIncreaseFactor());
    int newPerReplica = Math.min(wantedPerReplica, fitsPerReplica);
    if (newPerReplica <= currentPerReplica) {
      return List.of();
    }
    List<PoolSettings.EnvValue> proposed = new ArrayList<>();
    int assigned = 0;
    for (int i = 0; i < current.size(); i++) {
      int value = Integer.parseInt(current.get(i).value());
      int scaled =
          i == current.size() - 1
              ? newPerReplica - assigned
              : (int) Math.floor((double) value * newPerReplica / currentPerReplica);
      assigned += scaled;
      proposed.add(new PoolSettings.EnvValue(current.get(i).name(), Integer.toString(scaled)));
    }
    return proposed;
  }

  private static String minutes(long seconds) {
    return seconds % 60 == 0 && seconds >= 60 ? seconds / 60 + " min" : seconds + " s";
  }
}
