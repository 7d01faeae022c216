package dev.remediator.incident;

import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.DatabaseActivities;
import dev.remediator.runbook.dbpool.PoolDiagnosis;
import dev.remediator.runbook.dbpool.PoolPattern;
import dev.remediator.runbook.KubernetesActivities;
import dev.remediator.runbook.ProbeActivities;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.PoolSizeActivities;
import dev.remediator.runbook.dbpool.RootCause;
import dev.remediator.runbook.dbpool.SessionInfo;
import dev.remediator.runbook.dbpool.SessionOutcome;
import dev.remediator.runbook.dbpool.TerminationResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted world for workflow tests: one application whose connections to a 40-connection server (3 reserved) are
 * {@code base} healthy + {@code leaked} idle in transaction + {@code load} active. Actions change the world the way
 * the runbook expects them to (or not, as the scenario says), and every call is recorded so tests can assert what
 * was done, and how often.
 */
final class SimulatedTarget
    implements DatabaseActivities, PoolSizeActivities, KubernetesActivities, ProbeActivities,
        NotificationActivities {
  static final int MAX = 40;
  static final int RESERVED = 3;

  volatile int base = 5;
  volatile int leaked;
  volatile double leakIdleSeconds = 900;
  volatile int load;
  volatile boolean restartClearsLeaks = true;
  volatile boolean restartClearsLoad;
  volatile boolean poolIncreaseClearsLoad = true;
  volatile boolean rolloutFails;
  volatile boolean serviceUp = true;
  /** The server refuses every connection (SQLSTATE 53300): snapshots fail, not retried. */
  volatile boolean databaseRefuses;
  /**
   * Slots taken and freed as clients come and go (53300): the first two snapshots (the diagnosis's and the plan's)
   * are refused, then every other one, so the watch's samples get through and the planning snapshots do not.
   */
  volatile boolean refusesThePlanningSnapshots;
  /**
   * When not 0: the database does not answer, down since this wall-clock time as the worker's endpoint registry
   * reports it (a non-retryable {@code TargetUnreachable} failure with the outage's start in its details).
   */
  volatile long databaseDownSinceMillis;
  /** How many targets the worker saw wait on the dead database's endpoint, as the failure's details report it. */
  volatile int waitingOnEndpoint;
  final AtomicInteger snapshotCalls = new AtomicInteger();
  /**
   * The other configured targets the check for similar issues reads at close, in order, each its own world (null:
   * it does not answer). Set before the incident starts.
   */
  final java.util.Map<Target, SimulatedTarget> elsewhere = new java.util.LinkedHashMap<>();
  final AtomicInteger similarCalls = new AtomicInteger();
  final AtomicInteger probeCalls = new AtomicInteger();
  /** False: the target configures neither /health nor /ready (the probe answers with neither). */
  volatile boolean probesConfigured = true;
  /** The probe activity fails (not retried). */
  volatile boolean probesFail;
  /** When set, a termination waits for it to open before acting (signals can land while the activity runs). */
  volatile java.util.concurrent.CountDownLatch terminationHeld;
  final java.util.concurrent.CountDownLatch terminationStarted = new java.util.concurrent.CountDownLatch(1);
  /** After this many snapshots the load and leak vanish on their own (0 = never). */
  volatile int recoversAfterSnapshots;

  final AtomicInteger snapshots = new AtomicInteger();
  final List<List<SessionInfo>> terminations = new CopyOnWriteArrayList<>();
  final List<String> restarts = new CopyOnWriteArrayList<>();
  final List<List<PoolSettings.EnvValue>> poolChanges = new CopyOnWriteArrayList<>();
  final List<PoolSettings> restores = new CopyOnWriteArrayList<>();
  /** When set, a pool change is refused with it, as the activity refuses one while another rollout runs. */
  volatile String poolChangeRefusal;
  /** Pool changes, restores and rollout waits in the order they were called. */
  final List<String> kubernetesCalls = new CopyOnWriteArrayList<>();
  final List<Notification> notifications = new CopyOnWriteArrayList<>();
  /** The target's configuration names no Deployment: the pool read says so, and no other cluster call is allowed. */
  volatile boolean kubernetesConfigured = true;
  final AtomicInteger kubernetesCallsWithoutDeployment = new AtomicInteger();
  volatile List<PoolSettings.EnvValue> env =
      List.of(new PoolSettings.EnvValue("DATABASE_POOL_SIZE", "5"), new PoolSettings.EnvValue("DATABASE_MAX_OVERFLOW", "2"));

  static SimulatedTarget leaking(int sessions) {
    SimulatedTarget t = new SimulatedTarget();
    t.base = 9;
    t.leaked = sessions; // 9 + 25 = 34 of 37: the captured alert's 91.89%
    return t;
  }

  double utilization() {
    return (base + leaked + load) / (double) (MAX - RESERVED);
  }

  List<SessionInfo> leakedSessions() {
    List<SessionInfo> list = new ArrayList<>();
    for (int i = 0; i < leaked; i++) {
      list.add(new SessionInfo(1000 + i, "auth_service", "auth-service", "10.0.0.7", "idle in transaction",
          "2026-11-26 17:00:00." + (100000 + i) + "+00", "2026-11-26 17:01:00+00", leakIdleSeconds, leakIdleSeconds,
          "SELECT balance FROM accounts WHERE email = ?", true, true, null));
    }
    return list;
  }

  @Override
  public synchronized ConnectionSnapshot snapshot(Target target, RunbookPolicy policy) {
    snapshotCalls.incrementAndGet();
    if (databaseDownSinceMillis != 0) {
      throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
          "connecting to " + target.id() + ": connect timed out", "TargetUnreachable",
          java.util.Map.of("endpoint", "authdb:5432", "sinceMillis", databaseDownSinceMillis, "attempted", true,
              "waiting", waitingOnEndpoint));
    }
    int call = snapshotCalls.get();
    if (databaseRefuses || (refusesThePlanningSnapshots && (call <= 2 || call % 2 == 0))) {
      throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
          "connecting to " + target.id() + ": the server refused the connection (SQLSTATE 53300)",
          "DatabaseRefusedConnection");
    }
    if (recoversAfterSnapshots > 0 && snapshots.incrementAndGet() > recoversAfterSnapshots) {
      leaked = 0;
      load = 0;
    } else if (recoversAfterSnapshots == 0) {
      snapshots.incrementAndGet();
    }
    int total = base + leaked + load;
    RootCause cause = leaked > 0 ? RootCause.LEAK : load > 0 ? RootCause.LOAD : RootCause.UNKNOWN;
    return new ConnectionSnapshot("2026-11-26T17:30:00Z", total, load, base, leaked, load > 0 ? 120 : 0, MAX,
        RESERVED, total + 1, utilization(), leakedSessions(), List.of(), List.of(), List.of(),
        new PoolDiagnosis(cause, List.of(leaked + " idle in transaction, " + load + " active")), List.of(), total, 1,
        leaked, 0, "14.22");
  }

  /** Each other world's snapshot judged by the runbook's own pattern, as the activity does on real databases. */
  @Override
  public SimilarIssues similarElsewhere(Target incidentTarget, RunbookPolicy policy) {
    similarCalls.incrementAndGet();
    List<SimilarIssues.Elsewhere> found = new ArrayList<>();
    elsewhere.forEach((t, world) -> found.add(world == null
        ? new SimilarIssues.Elsewhere(t, SimilarIssues.Finding.UNCHECKED, "did not answer: connect timed out")
        : PoolPattern.finding(t, world.snapshot(t, policy), policy)));
    return new SimilarIssues(PoolPattern.describe(policy), found, 40, null);
  }

  @Override
  public TerminationResult terminateIdleInTransaction(
      Target target, RunbookPolicy policy, List<SessionInfo> sessions) {
    terminationStarted.countDown();
    java.util.concurrent.CountDownLatch held = terminationHeld;
    if (held != null) {
      try {
        if (!held.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the termination");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return terminate(sessions);
  }

  private synchronized TerminationResult terminate(List<SessionInfo> sessions) {
    terminations.add(List.copyOf(sessions));
    leaked = Math.max(0, leaked - sessions.size());
    return new TerminationResult(
        sessions.stream()
            .map(s -> new SessionOutcome(s.pid(), SessionOutcome.Result.TERMINATED, "pg_terminate_backend"))
            .toList(),
        1);
  }

  @Override
  public synchronized RestartResult rollingRestart(Target target, String requestId, Duration cooldown) {
    if (restarts.contains(requestId)) {
      return new RestartResult(false, null, "already restarted for " + requestId);
    }
    restarts.add(requestId);
    if (restartClearsLeaks) {
      leaked = 0;
    }
    if (restartClearsLoad) {
      load = 0;
    }
    return new RestartResult(true, "2026-11-26T17:40:00Z", null);
  }

  @Override
  public RolloutStatus awaitRollout(Target target, Duration timeout) {
    kubernetesCalls.add("awaitRollout");
    return rolloutFails
        ? new RolloutStatus(false, true, 3, 1, 2, "deployment \"auth-service\" exceeded its progress deadline")
        : new RolloutStatus(true, false, 3, 3, 3, "deployment \"auth-service\" successfully rolled out");
  }

  @Override
  public PoolSettings poolSettings(Target target) {
    if (!kubernetesConfigured) {
      return PoolSettings.notConfigured("target " + target.id() + " has no kubernetes.deployment configured");
    }
    return new PoolSettings(3, env);
  }

  @Override
  public synchronized PoolSettings setPoolSettings(Target target, List<PoolSettings.EnvValue> values) {
    if (poolChangeRefusal != null) {
      throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
          poolChangeRefusal, PoolSizeActivities.ROLLOUT_IN_PROGRESS);
    }
    kubernetesCalls.add("setPoolSettings");
    PoolSettings previous = new PoolSettings(3, env);
    poolChanges.add(List.copyOf(values));
    env = List.copyOf(values);
    if (poolIncreaseClearsLoad) {
      load = 0;
    }
    return previous;
  }

  @Override
  public synchronized PoolSettings restorePoolSettings(Target target, PoolSettings previous) {
    kubernetesCalls.add("restorePoolSettings");
    restores.add(previous);
    // As the activity: a value someone changed since our last change is left alone, and named.
    List<PoolSettings.EnvValue> set = poolChanges.isEmpty() ? List.of() : poolChanges.get(poolChanges.size() - 1);
    List<String> left = new ArrayList<>();
    List<PoolSettings.EnvValue> now = new ArrayList<>();
    for (PoolSettings.EnvValue v : env) {
      String ours = set.stream().filter(s -> s.name().equals(v.name())).map(PoolSettings.EnvValue::value)
          .findFirst().orElse(v.value());
      String original = previous.values().stream().filter(p -> p.name().equals(v.name()))
          .map(PoolSettings.EnvValue::value).findFirst().orElse(v.value());
      if (!java.util.Objects.equals(ours, v.value())) {
        left.add("left " + v.name() + "=" + v.value() + ": changed by someone else since we set " + ours);
        now.add(v);
      } else {
        now.add(new PoolSettings.EnvValue(v.name(), original));
      }
    }
    env = List.copyOf(now);
    return new PoolSettings(3, env, null, left.isEmpty() ? null : String.join("; ", left));
  }

  @Override
  public LogSummary errorLogs(Target target, Duration since) {
    if (!kubernetesConfigured) {
      kubernetesCallsWithoutDeployment.incrementAndGet();
    }
    return new LogSummary(3, 1200, new java.util.TreeMap<>(java.util.Map.of("Connection pool exhausted", 12)),
        List.of("ERROR Connection pool exhausted"));
  }

  @Override
  public List<RolloutRevision> recentChanges(Target target, int limit) {
    if (!kubernetesConfigured) {
      kubernetesCallsWithoutDeployment.incrementAndGet();
    }
    return List.of(new RolloutRevision(7, "2026-11-26T12:00:00Z", "deploy v2.3.1", List.of("auth:2.3.1"), 3));
  }

  @Override
  public ServiceHealth probe(Target target) {
    probeCalls.incrementAndGet();
    if (probesFail) {
      throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure("probe: connection refused", "ProbeFailed");
    }
    if (!probesConfigured) {
      return new ServiceHealth(null, null);
    }
    ProbeResult r =
        new ProbeResult("http://auth-service:8000/health", serviceUp, serviceUp ? 200 : 503, 12, null);
    return new ServiceHealth(r, r);
  }

  @Override
  public NotificationResult send(Notification notification) {
    notifications.add(notification);
    return new NotificationResult(
        notification.channels().stream().map(c -> new NotificationResult.Delivery(c, true, 202, null)).toList());
  }

  List<String> pagedTiers() {
    return notifications.stream().filter(n -> "trigger".equals(n.event())).map(Notification::tier).toList();
  }
}
