package dev.remediator.incident;

import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.DatabaseActivities;
import dev.remediator.runbook.KubernetesActivities;
import dev.remediator.runbook.ProbeActivities;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.PoolSizeActivities;
import dev.remediator.runbook.dbpool.SessionInfo;
import dev.remediator.runbook.dbpool.TerminationResult;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.registry.Runbooks;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drives incidents with generated alert streams — High and Critical firing, Alertmanager repeats, HA copies from
 * two peers, a lagging peer's stale firing and resolved copies, resolutions in any order, approvals, rejections, acknowledgements, time passing — on a worker whose
 * cache holds two workflows while several run at once (every task may be a replay, as after a worker restart).
 * After every step it checks the invariants; at the end every history replays. Seeded: a failure names its seed,
 * and {@code -Dremediator.streams.seed=N -Dremediator.streams.count=1} runs that one sequence again.
 *
 * <p>Here on the SDK's time-skipping test server (500 sequences); {@link AlertStreamOnDevServerTest} runs the same
 * streams on the real server ({@code temporal server start-dev}), in real time at 1/20 of the durations.
 */
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
class AlertStreamPropertyTest {
  private static final long FIRST_SEED = Long.getLong("remediator.streams.seed", 20261129L);
  private static final int INTERLEAVED = 4;
  private static final int MAX_STEPS = 10;
  static final String TASK_QUEUE = "streams";

  /** The policy, its durations divided by {@code scale} (1 on the test server, which skips time). */
  static String policy(long scale) {
    return """
        approvers: [alice, bob]
        verifySamples: 2
        verifyInterval: %dms
        approvalTimeout: %dms
        quietPeriod: %dms
        criticalEscalateAfter: %dms
        rollingRestart: off
        poolIncrease: off
        escalation:
          - {name: database, channels: [database-pager], ackTimeout: %dms}
          - {name: platform, channels: [platform-pager], ackTimeout: %dms}
        """.formatted(20_000 / scale, 900_000 / scale, 120_000 / scale, 1_800_000 / scale, 900_000 / scale,
        900_000 / scale);
  }

  private TestWorkflowEnvironment env;
  WorkflowClient client;
  final Map<String, SimulatedTarget> worlds = new ConcurrentHashMap<>();
  private List<Sequence> batch = List.of();

  @BeforeAll
  void start() {
    Warmup.dataConverter();
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder()
        .setWorkerFactoryOptions(WorkerFactoryOptions.newBuilder().setWorkflowCacheSize(2).build())
        .build());
    RunbookWorkflows.searchAttributes(env);
    // 2 loaded cores: a replayed task may not yield within the SDK's 1 s deadlock detector; that is not a deadlock.
    // As the worker runs on the embedded server (RemediatorWorker): the test server never moves a workflow task from
    // a sticky queue to the normal one, so a task for a workflow the 2-slot cache evicted could wait forever.
    Worker worker = env.newWorker(TASK_QUEUE,
        io.temporal.worker.WorkerOptions.newBuilder(workerOptions())
            .setStickyQueueScheduleToStartTimeout(Duration.ZERO).build());
    RunbookWorkflows.start(env, worker, new WorldsByTarget(worlds));
    client = env.getWorkflowClient();
  }

  static io.temporal.worker.WorkerOptions workerOptions() {
    return io.temporal.worker.WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(15_000).build();
  }

  @AfterAll
  void stop() {
    env.close();
  }

  /** How many sequences this server runs. */
  int sequences() {
    return Integer.getInteger("remediator.streams.count", 500);
  }

  /** Durations of the policy and of the stream's pauses are divided by this. */
  long scale() {
    return 1;
  }

  /** Time passes in the stream (skipped on the test server). */
  void pass(Duration d) {
    env.sleep(d);
  }

  /** Before a signal: on the test server, off the instant a timer of the incident fires ({@link TimerCollisions}). */
  void beforeSignal(String workflowId) {
    TimerCollisions.stepOver(env, client, workflowId);
  }

  @Test
  void generatedAlertStreamsKeepTheInvariants() {
    // Round-robin over a few incidents at a time: with a cache of two, most workflow tasks start from a replay.
    int sequences = sequences();
    for (int first = 0; first < sequences; first += INTERLEAVED) {
      batch = new ArrayList<>();
      for (int i = first; i < Math.min(sequences, first + INTERLEAVED); i++) {
        batch.add(new Sequence(FIRST_SEED + i));
      }
      batch.forEach(Sequence::open);
      for (int round = 0; round < MAX_STEPS; round++) {
        for (Sequence s : batch) {
          s.stepAndCheck(round);
        }
      }
      batch.forEach(Sequence::resolveEverything);
      batch.forEach(Sequence::closeAndReplay);
    }
  }

  /** One generated stream for one target of its own. */
  private final class Sequence {
    private final long seed;
    private final Random random;
    private final Target target;
    private final SimulatedTarget world;
    private final List<String> steps = new ArrayList<>();
    /** What the test has told the incident: alert name → firing. */
    private final Map<String, Boolean> firing = new ConcurrentHashMap<>();
    /** Alert name → its current episode (a re-fire after resolution starts a new one, with a later startsAt). */
    private final Map<String, Integer> episode = new ConcurrentHashMap<>();
    private IncidentWorkflow incident;
    private int length;
    /** Termination calls when the incident was seen with every alert resolved; null while one fires. */
    private Integer terminationsWhenResolved;

    Sequence(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
      this.target = new Target("prop", "svc-" + seed, "db");
      this.world = random.nextBoolean() ? SimulatedTarget.leaking(10 + random.nextInt(20)) : loaded(random);
      worlds.put(target.id(), world);
    }

    private static SimulatedTarget loaded(Random random) {
      SimulatedTarget t = new SimulatedTarget();
      t.load = 22 + random.nextInt(10);
      t.recoversAfterSnapshots = random.nextInt(12);
      return t;
    }

    private int steps() {
      return steps.size();
    }

    void open() {
      guard(() -> {
        Alert opening = random.nextBoolean() ? critical(true) : high(true);
        firing.put(opening.alertName(), true);
        incident = client.newWorkflowStub(IncidentWorkflow.class, WorkflowOptions.newBuilder()
            .setWorkflowId(Runbooks.fallback().incidentId(target)).setTaskQueue(TASK_QUEUE).build());
        WorkflowClient.start(incident::run,
            new IncidentInput(target, ConfigLoader.parsePolicy(policy(scale())), opening, "alertmanager", null));
        steps.add("open " + opening.alertName());
        length = 3 + random.nextInt(MAX_STEPS - 2);
      });
    }

    void stepAndCheck(int round) {
      if (round >= length || closed()) {
        return;
      }
      guard(() -> {
        step();
        check();
      });
    }

    /** Alertmanager resolves whatever still fires; the incident must then close after the quiet period. */
    void resolveEverything() {
      guard(() -> {
        for (String name : List.copyOf(firing.keySet())) {
          if (firing.get(name)) {
            send(name.equals(DbPoolRunbook.CRITICAL) ? critical(false) : high(false));
          }
        }
      });
    }

    void closeAndReplay() {
      guard(() -> {
        IncidentReport report;
        try {
          // A liveness bound, generous for 2 loaded cores (the quiet period itself is skipped).
          report = WorkflowStub.fromTyped(incident).getResult(
              Long.getLong("remediator.streams.closeTimeout", 300), java.util.concurrent.TimeUnit.SECONDS,
              IncidentReport.class);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new AssertionError("every alert resolved, but the incident did not close (phase "
              + incident.status().phase() + ")" + failedTasks());
        }
        check();
        assertThat(report.alerts()).as(context()).allMatch(a -> !a.firing());
        replay();
      });
    }

    /** Workflow tasks that failed in this batch's incidents (one stuck task holds the test server's clock). */
    private String failedTasks() {
      StringBuilder b = new StringBuilder();
      var events = client.fetchHistory(Runbooks.fallback().incidentId(target)).getEvents();
      events.subList(Math.max(0, events.size() - 30), events.size()).forEach(e -> b.append("\nEV ")
          .append(e.getEventId()).append(' ').append(e.getEventType()).append(' ')
          .append(e.hasTimerStartedEventAttributes() ? e.getTimerStartedEventAttributes().getStartToFireTimeout() : "")
          .append(java.time.Instant.ofEpochSecond(e.getEventTime().getSeconds())));
      for (Sequence other : batch) {
        client.fetchHistory(Runbooks.fallback().incidentId(other.target)).getEvents().stream()
            .filter(io.temporal.api.history.v1.HistoryEvent::hasWorkflowTaskFailedEventAttributes)
            .reduce((first, second) -> second)
            .ifPresent(e -> b.append("\nworkflow task failed in seed ").append(other.seed).append(": ")
                .append(e.getWorkflowTaskFailedEventAttributes().getFailure()));
      }
      return b.toString();
    }

    private void guard(Runnable r) {
      try {
        r.run();
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(context() + "\n" + e.getMessage() + "\n" + lastTimeline(), e);
      }
    }

    /** The end of the incident's timeline (from its result if it closed), to read a failure by. */
    private String lastTimeline() {
      try {
        List<TimelineEntry> t = closed()
            ? WorkflowStub.fromTyped(incident).getResult(IncidentReport.class).timeline()
            : incident.status().timeline();
        return t.subList(Math.max(0, t.size() - 25), t.size()).stream()
            .map(e -> e.at() + " " + e.actor() + ": " + e.event()).collect(Collectors.joining("\n"));
      } catch (RuntimeException e) {
        return "(no timeline: " + e + ")";
      }
    }

    private void step() {
      int choice = random.nextInt(13);
      switch (choice) {
        case 0, 1 -> send(critical(true));
        case 2 -> send(high(true));
        case 3 -> { // HA pair: both peers deliver the same group in one instant
          String name = random.nextBoolean() ? DbPoolRunbook.CRITICAL : DbPoolRunbook.HIGH;
          if (Boolean.FALSE.equals(firing.get(name))) {
            episode.merge(name, 1, Integer::sum);
          }
          Alert a = alert(name, true, episode.getOrDefault(name, 0));
          signal(() -> incident.alerts(new AlertBatch(List.of(a, a))));
          firing.put(a.alertName(), true);
          steps.add("HA copies " + a.alertName());
        }
        case 4 -> send(critical(false));
        case 5 -> send(high(false));
        case 6, 7 -> decide(random.nextInt(3) == 0 ? DecisionAction.REJECT : DecisionAction.APPROVE);
        case 8 -> {
          signal(() -> incident.acknowledge(new Acknowledgement("dba-on-call", null)));
          steps.add("ack");
        }
        case 10 -> { // a peer's late firing copy of an episode that has resolved since: changes nothing
          String name = random.nextBoolean() ? DbPoolRunbook.CRITICAL : DbPoolRunbook.HIGH;
          if (Boolean.FALSE.equals(firing.get(name))) {
            signal(() -> incident.alert(alert(name, true, episode.getOrDefault(name, 0))));
            steps.add("stale firing copy " + name);
          }
        }
        case 11 -> { // a lagging peer's resolved copy of the episode before the one we know: changes nothing
          String name = random.nextBoolean() ? DbPoolRunbook.CRITICAL : DbPoolRunbook.HIGH;
          if (firing.containsKey(name)) {
            signal(() -> incident.alert(alert(name, false, episode.getOrDefault(name, 0) - 1)));
            steps.add("stale resolved copy " + name);
          }
        }
        case 9 -> {
          signal(() -> incident.replan(new ApprovalDecision(null, "alice", "try again")));
          steps.add("replan");
        }
        default -> {
          Duration d = Duration.ofSeconds(5 + random.nextInt(240)).dividedBy(scale());
          pass(d);
          steps.add("sleep " + d.toMillis() + "ms");
        }
      }
    }

    /** A signal; a copy that arrives after the incident closed finds none (the receiver answers "no open incident"). */
    private void signal(Runnable send) {
      try {
        beforeSignal(Runbooks.fallback().incidentId(target));
        send.run();
      } catch (io.temporal.client.WorkflowNotFoundException e) {
        assertThat(closed()).as("only a closed incident is not found").isTrue();
      }
    }

    private void decide(DecisionAction action) {
      IncidentStatus s = incident.status();
      String plan = s.plan() == null ? "plan-none" : s.plan().planId();
      ApprovalDecision d = new ApprovalDecision(plan, random.nextBoolean() ? "bob" : "alice", null);
      if (action == DecisionAction.APPROVE) {
        signal(() -> incident.approve(d));
      } else {
        signal(() -> incident.reject(d));
      }
      steps.add(action + " " + plan + (s.awaitingApproval() ? "" : " (nothing pending)"));
    }

    private void send(Alert a) {
      // Alertmanager's repeat_interval and the other HA peer: the same notification often arrives more than once.
      if (a.firing() && Boolean.FALSE.equals(firing.get(a.alertName()))) {
        episode.merge(a.alertName(), 1, Integer::sum); // fires again after it resolved: a new episode
        a = alert(a.alertName(), true, episode.get(a.alertName()));
      }
      int copies = 1 + (random.nextInt(4) == 0 ? 1 : 0);
      for (int i = 0; i < copies; i++) {
        Alert copy = a;
        signal(() -> incident.alert(copy));
      }
      firing.put(a.alertName(), a.firing());
      steps.add((a.firing() ? "fire " : "resolve ") + a.alertName() + (copies > 1 ? " x2" : ""));
    }

    private boolean closed() {
      return !WorkflowStub.fromTyped(incident).describe().getWorkflowExecutionInfo().getStatus()
          .equals(io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    }

    private void check() {
      if (closed()) {
        checkNoActionAfterResolved();
        assertThat(firing.values()).as("closed only when every alert is resolved: " + context())
            .doesNotContain(true);
        return;
      }
      // A resolved copy whose startsAt is older than the tracked episode never resolves it: the model is the test's.
      IncidentStatus s = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(20))
          .until(incident::status, st -> modelled(st).equals(firing));
      checkNoActionAfterResolved(); // the incident has taken every alert the test sent
      Severity expected = s.alerts().stream().filter(TrackedAlert::firing).map(TrackedAlert::severity)
          .reduce(null, Severity::max);
      if (expected != null) {
        assertThat(s.severity()).as("severity = highest firing: " + context()).isEqualTo(expected);
      }
      Map<String, Long> perPlan = s.actions().stream()
          .filter(a -> a.result() == ActionResult.EXECUTED)
          .collect(Collectors.groupingBy(a -> a.planId() + "/" + a.type(), Collectors.counting()));
      assertThat(perPlan.values()).as("each destructive action at most once: " + context()).allMatch(c -> c == 1);
      long recorded = s.actions().stream().filter(a -> a.type() == ActionType.TERMINATE_SESSIONS
          && (a.result() == ActionResult.EXECUTED || a.result() == ActionResult.REFUSED)).count();
      assertThat((long) world.terminations.size()).as("every termination call is one recorded action (one may be"
          + " finishing): " + context()).isBetween(recorded, recorded + 1);
      long alertLines = s.timeline().stream().filter(e -> e.actor().equals("alertmanager")).count();
      assertThat(alertLines).as("repeats never reach the timeline: " + context())
          .isLessThanOrEqualTo(steps.stream().filter(x -> !x.startsWith("sleep")).count());
    }

    /**
     * Never an action after every alert resolved: once the incident has taken the resolution (the status shows it),
     * no termination starts until an alert fires again; one the worker had already been handed may still begin.
     */
    private void checkNoActionAfterResolved() {
      if (firing.containsValue(true)) {
        terminationsWhenResolved = null;
      } else if (terminationsWhenResolved == null) {
        terminationsWhenResolved = world.terminations.size();
      } else {
        assertThat(world.terminations.size()).as("no action after every alert resolved: " + context())
            .isLessThanOrEqualTo(terminationsWhenResolved + 1);
      }
    }

    private static Map<String, Boolean> modelled(IncidentStatus s) {
      return s.alerts().stream()
          .collect(Collectors.toMap(TrackedAlert::alertName, TrackedAlert::firing, (x, y) -> x || y));
    }

    private void replay() {
      WorkflowExecutionHistory history = client.fetchHistory(Runbooks.fallback().incidentId(target));
      try {
        RunbookWorkflows.replay(history);
      } catch (Exception e) {
        throw new AssertionError("replay failed: " + e.getMessage(), e);
      }
    }

    private Alert critical(boolean fire) {
      return alert(DbPoolRunbook.CRITICAL, fire, episode.getOrDefault(DbPoolRunbook.CRITICAL, 0));
    }

    private Alert high(boolean fire) {
      return alert(DbPoolRunbook.HIGH, fire, episode.getOrDefault(DbPoolRunbook.HIGH, 0));
    }

    /** Alertmanager's alert: fingerprint from the labels, startsAt from the episode. */
    private Alert alert(String name, boolean fire, int episode) {
      boolean critical = name.equals(DbPoolRunbook.CRITICAL);
      String startsAt = java.time.Instant.parse("2026-11-26T17:27:15.08Z").plusSeconds(3600L * episode).toString();
      return new Alert(name, critical ? "critical" : "warning", fire ? "firing" : "resolved",
          (critical ? "c-" : "h-") + seed, startsAt, null);
    }

    private String context() {
      return "seed " + seed + " steps " + steps;
    }
  }

  /** The activities of many simulated targets, routed by target. */
  static final class WorldsByTarget
      implements DatabaseActivities, PoolSizeActivities, KubernetesActivities, ProbeActivities,
          NotificationActivities {
    private final Map<String, SimulatedTarget> worlds;

    WorldsByTarget(Map<String, SimulatedTarget> worlds) {
      this.worlds = worlds;
    }

    private SimulatedTarget of(Target t) {
      return worlds.get(t.id());
    }

    @Override
    public ConnectionSnapshot snapshot(Target target, RunbookPolicy policy) {
      return of(target).snapshot(target, policy);
    }

    @Override
    public SimilarIssues similarElsewhere(Target target, RunbookPolicy policy) {
      return of(target).similarElsewhere(target, policy);
    }

    @Override
    public TerminationResult terminateIdleInTransaction(Target t, RunbookPolicy p, List<SessionInfo> sessions) {
      return of(t).terminateIdleInTransaction(t, p, sessions);
    }

    @Override
    public RestartResult rollingRestart(Target target, String requestId, Duration cooldown) {
      return of(target).rollingRestart(target, requestId, cooldown);
    }

    @Override
    public RolloutStatus awaitRollout(Target target, Duration timeout) {
      return of(target).awaitRollout(target, timeout);
    }

    @Override
    public PoolSettings poolSettings(Target target) {
      return of(target).poolSettings(target);
    }

    @Override
    public PoolSettings setPoolSettings(Target target, List<PoolSettings.EnvValue> values) {
      return of(target).setPoolSettings(target, values);
    }

    @Override
    public PoolSettings restorePoolSettings(Target target, PoolSettings previous) {
      return of(target).restorePoolSettings(target, previous);
    }

    @Override
    public LogSummary errorLogs(Target target, Duration since) {
      return of(target).errorLogs(target, since);
    }

    @Override
    public List<RolloutRevision> recentChanges(Target target, int limit) {
      return of(target).recentChanges(target, limit);
    }

    @Override
    public ServiceHealth probe(Target target) {
      return of(target).probe(target);
    }

    @Override
    public NotificationResult send(Notification n) {
      String[] id = n.incidentId().split(":"); // dbpool:namespace:service:database
      return worlds.get(id[1] + "/" + id[2] + "/" + id[3]).send(n);
    }
  }
}
