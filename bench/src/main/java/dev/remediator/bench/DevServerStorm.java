package dev.remediator.bench;

import dev.remediator.incident.Target;
import dev.remediator.launcher.FreePorts;
import dev.remediator.launcher.TemporalDevServer;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import dev.remediator.starter.AlertReceiver;
import dev.remediator.starter.IncidentListing;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.temporal.TemporalConnection;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Alertmanager storm on {@code temporal server start-dev}, as a user runs it: {@code remediator worker} and
 * {@code remediator receiver} each in its own JVM (started from this JVM's class path), {@code targets} targets whose
 * database and endpoints do not answer (loopback ports nobody listens on: a shared dependency is down), every target's
 * alert delivered {@code repeats} times by two HA peers. Rows: intake beside a bare JDK HTTP server measured in the same
 * run; delivery -> first workflow task and delivery -> diagnosis recorded, from each incident's history, beside one
 * incident alone before the storm; the incident count. Nothing is asserted.
 */
final class DevServerStorm {
  /**
   * @param targets incidents the storm opens
   * @param repeats deliveries of each target's alert per HA peer
   * @param concurrency deliveries in flight at once
   * @param settleWait how long after the storm every incident may take to reach its diagnosis (the rest count as
   *     not reached)
   * @param workerArgs extra arguments of {@code remediator worker} (tuning to compare; none: its defaults)
   * @param idle the CPU of worker + server with nothing open (before the storm) and with the storm's incidents open
   *     afterwards (issue 24, goal 3)
   */
  record Sizes(int targets, int repeats, int concurrency, Duration settleWait, List<String> workerArgs,
      StormIdle.Sizes idle) {
    /** The storm: 10,000 deliveries over 1,000 targets (5 repeats x 2 HA peers), 32 at once. */
    static final Sizes FULL = new Sizes(1000, 5, 32, Duration.ofMinutes(5), List.of(), StormIdle.Sizes.FULL);

    static final Sizes SMOKE = new Sizes(8, 2, 4, Duration.ofMinutes(3), List.of(), StormIdle.Sizes.SMOKE);

    int deliveries() {
      return targets * repeats * 2;
    }
  }

  static final String TASK_QUEUE = "remediator-bench-storm";
  private static final String TOKEN = "bench-webhook-token-0123456789";
  /** The activity whose first close the diagnosis follows (the pg_stat_activity snapshot). */
  private static final String SNAPSHOT_ACTIVITY = "Snapshot";

  private final Sizes sizes;
  private final Consumer<String> progress;
  private final DevServerBench.Report report;

  DevServerStorm(Sizes sizes, Consumer<String> progress, DevServerBench.Report report) {
    this.sizes = sizes;
    this.progress = progress;
    this.report = report;
  }

  /** One delivery of the storm: which target, and its body. */
  record Delivery(int target, byte[] body) {}

  /** What one load measured: each delivery's time, the first time each target was sent, failures. */
  record Load(double[] millis, double seconds, int failed, Map<Integer, Long> firstSent) {
    double perSecond() {
      return millis.length / seconds;
    }

    double p(int percentile) {
      return DevServerBench.percentile(millis, percentile);
    }

    String summary() {
      return String.format(Locale.ROOT, "%.0f deliveries/s, p50/p99 %.1f/%.1f ms", perSecond(), p(50), p(99));
    }
  }

  /** From an incident's history: when its first workflow task started, when its diagnosis was recorded (0: not yet). */
  record Marks(long firstTask, long diagnosis) {}

  void run(Path cli, Path home) throws Exception {
    Path dir = Files.createDirectories(home.resolve("storm"));
    int deadDatabase = FreePorts.next();
    int deadEndpoints = FreePorts.next();
    try (DevServerBench.Sink sink = new DevServerBench.Sink()) {
      Files.writeString(dir.resolve("token"), TOKEN);
      Files.writeString(dir.resolve("hook-url"), sink.url());
      Path config = Files.writeString(dir.resolve("remediator.yaml"), config(dir, deadDatabase, deadEndpoints));
      List<Delivery> storm = deliveries();

      progress.accept("storm on the dev server: baseline, bare JDK HTTP server, " + storm.size() + " deliveries");
      Load bare;
      try (Bench.BareServer server = new Bench.BareServer()) {
        bare = load(server.url(), storm);
      }

      progress.accept("storm on the dev server: temporal server start-dev, worker and receiver in their own JVMs");
      try (TemporalDevServer server = TemporalDevServer.start(cli, dir.resolve("temporal"), FreePorts.next(),
          FreePorts.next(), FreePorts.next(), Duration.ofSeconds(120))) {
        int port = FreePorts.next();
        int metricsPort = FreePorts.next();
        String metricsUrl = "http://127.0.0.1:" + metricsPort + "/metrics";
        List<String> workerCommand = new ArrayList<>(List.of("worker", "-c", config.toString(),
            "--metrics-port", Integer.toString(metricsPort), "--metrics-host", "127.0.0.1"));
        workerCommand.addAll(sizes.workerArgs());
        Process worker = start(server.address(), dir.resolve("worker.log"), workerCommand.toArray(String[]::new));
        Process receiver = start(server.address(), dir.resolve("receiver.log"), "receiver", "-c", config.toString(),
            "--host", "127.0.0.1", "--port", Integer.toString(port));
        try (TemporalConnection temporal = TemporalConnection.connect(server.address())) {
          awaitLine(dir.resolve("worker.log"), "worker polling", worker);
          awaitLine(dir.resolve("receiver.log"), "receiver listening", receiver);
          // Goal 3's baseline: worker + server with nothing open (the receiver is not counted).
          StormIdle.Usage idleBaseline = null;
          if (sizes.idle().windows() > 0) {
            progress.accept("storm on the dev server: worker + server CPU with nothing open ("
                + sizes.idle().baseline().toSeconds() + " s)");
            idleBaseline = StormIdle.measure(worker.toHandle(), server.processHandle(), server.metricsUrl(),
                sizes.idle().baseline());
          }
          String url = "http://127.0.0.1:" + port + AlertReceiver.WEBHOOK_PATH;

          // One incident alone first: the same path with nothing else going on (the baseline of the latencies).
          Load lone = load(url, List.of(new Delivery(sizes.targets(), Bench.delivery(sizes.targets(), 0, 1,
              "http://alertmanager-0:9093"))));
          Map<Integer, Marks> loneMarks = settle(temporal.client(), lone.firstSent(), Duration.ofMinutes(2), () -> {});

          progress.accept("storm on the dev server: " + storm.size() + " deliveries over " + sizes.targets()
              + " targets to " + url);
          String loadBefore = DevServerBench.load();
          Path receiverJfr = dir.resolve("receiver.jfr");
          Path workerJfr = dir.resolve("worker.jfr");
          jfrStart(receiver, worker);
          Map<String, Double> metricsBefore = workerMetrics(metricsUrl);
          Map<String, Double> serverBefore = ServerCounters.scrape(server.metricsUrl());
          int firstRound = 2 * sizes.targets();
          Load opening = load(url, storm.subList(0, firstRound));
          Map<String, Double> serverAfterOpening = ServerCounters.scrape(server.metricsUrl());
          Load repeats = load(url, storm.subList(firstRound, storm.size()));
          listedAfterStorm(temporal, loneMarks.size());
          report.note("Storm on the dev server, what the Temporal server counted during the first round (" + firstRound
              + " deliveries, " + sizes.targets() + " new incidents, " + String.format(Locale.ROOT, "%.1f s", 
              opening.seconds()) + "; its Prometheus counters summed per metric and operation, the ones that grew"
              + " most: the worker's polls and tasks share the server with the receiver's starts):\n\n"
              + ServerCounters.grown(serverBefore, serverAfterOpening,
                  Duration.ofMillis((long) (opening.seconds() * 1000)), 15).stream()
                  .map(l -> "- " + l + "\n").collect(java.util.stream.Collectors.joining()));
          DevServerBench.jcmd(receiver.pid(), "JFR.dump", "name=storm", "filename=" + receiverJfr);
          String loadAfterStorm = DevServerBench.load();
          progress.accept("storm on the dev server: first round " + opening.summary() + "; repeats "
              + repeats.summary() + "; waiting for every incident's diagnosis (at most "
              + sizes.settleWait().toSeconds() + " s)");
          Map<Integer, Long> firstSent = new LinkedHashMap<>(opening.firstSent());
          Map<String, Double> metricsAfter = new LinkedHashMap<>();
          long[] settledAt = {0};
          String[] loadSettled = {DevServerBench.load()};
          List<StormIdle.Usage> idle = new ArrayList<>();
          Path idleJfr = dir.resolve("worker-idle.jfr");
          Map<Integer, Marks> marks = settle(temporal.client(), firstSent, sizes.settleWait(), () -> {
            // What the worker did, then the receiver stops; the worker goes on with the incidents open for goal 3's
            // windows, then stops: the last pass only reads histories.
            settledAt[0] = System.currentTimeMillis();
            loadSettled[0] = DevServerBench.load();
            metricsAfter.putAll(workerMetrics(metricsUrl));
            DevServerBench.jcmd(worker.pid(), "JFR.dump", "name=storm", "filename=" + workerJfr);
            DevServerBench.jcmd(worker.pid(), "JFR.stop", "name=storm");
            stop(receiver);
            idle.addAll(idleWindows(worker, server, idleJfr, outageStart(loneMarks, lone)));
            stop(worker);
          });
          marks = before(marks, settledAt[0]);
          report.note("Storm on the dev server, what the worker's own Temporal metrics counted from the storm until"
              + " the diagnoses (sticky: its sticky queue; normal: the task queue; a mean of a `_sum`/`_count`"
              + " pair in ms; the worker's tuning: " + (sizes.workerArgs().isEmpty() ? "its defaults"
                  : "`" + String.join(" ", sizes.workerArgs()) + "`") + "):\n\n"
              + metricsGrown(metricsBefore, metricsAfter));
          rows(temporal, opening, repeats, bare, firstSent, marks, lone, loneMarks, loadBefore, loadAfterStorm,
              loadSettled[0], receiverJfr, workerJfr);
          if (!idle.isEmpty()) {
            List<StormIdle.Activity> activity = new ArrayList<>();
            for (StormIdle.Usage u : idle) {
              activity.add(StormIdle.activity(temporal.client(), DevServerStorm::id, sizes.targets(), u));
            }
            StormIdle.row(report, sizes.targets(), idleBaseline, idle, activity, outageStart(loneMarks, lone));
            StormIdle.notes(report, idle, idleJfr);
          }
        } finally {
          stop(receiver);
          stop(worker);
        }
      }
    }
  }

  private void rows(TemporalConnection temporal, Load opening, Load repeats, Load bare, Map<Integer, Long> firstSent,
      Map<Integer, Marks> marks, Load lone, Map<Integer, Marks> loneMarks, String loadBefore, String loadAfterStorm,
      String loadSettled, Path receiverJfr, Path workerJfr) throws Exception {
    int n = sizes.targets();
    WorkflowClient client = temporal.client();
    long executions = client.countWorkflows("TaskQueue = '" + TASK_QUEUE + "'").getCount() - loneMarks.size();
    int incidents = marks.size();
    int failed = opening.failed() + repeats.failed();
    double[] all = concat(opening.millis(), repeats.millis());
    double seconds = opening.seconds() + repeats.seconds();
    double perSecond = all.length / seconds;
    double p50 = DevServerBench.percentile(all, 50);
    double p99 = DevServerBench.percentile(all, 99);
    boolean intakeMet = perSecond >= 500 && p99 <= 500 && incidents == n && executions == n && failed == 0;
    report.row("Storm on temporal server start-dev: " + all.length + " Alertmanager deliveries over " + n
            + " targets whose database and endpoints do not answer (" + sizes.repeats() + " repeats x 2 HA peers, "
            + sizes.concurrency() + " concurrent; `remediator worker` and `remediator receiver` each in its own JVM;"
            + " load " + loadBefore + " before, " + loadAfterStorm + " after)",
        String.format(Locale.ROOT, "%.0f deliveries/s, p50/p99 %.1f/%.1f ms (first round, %d new incidents: %s;"
                + " repeats: %s); %d incidents (of %d; %d runs), %d lost, %d non-2xx", perSecond, p50, p99, n,
            opening.summary(), repeats.summary(), incidents, n, executions, n - incidents + failed, failed),
        String.format(Locale.ROOT, "bare JDK HTTP server: %s", bare.summary()),
        ">= 500/s, p99 <= 500 ms, exactly " + n + " incidents, 0 lost", intakeMet);

    double[] toTask = latencies(firstSent, marks, true);
    double[] toDiagnosis = latencies(firstSent, marks, false);
    double[] loneTask = latencies(lone.firstSent(), loneMarks, true);
    double[] loneDiagnosis = latencies(lone.firstSent(), loneMarks, false);
    String cap = "at most " + sizes.settleWait().toSeconds() + " s awaited after the storm";
    boolean taskMet = toTask.length == n && DevServerBench.percentile(toTask, 99) <= 30_000;
    boolean diagnosisMet = toDiagnosis.length == n && DevServerBench.percentile(toDiagnosis, 99) <= 90_000;
    report.row("Storm on temporal server start-dev: first delivery -> the incident's first workflow task started"
            + " (assessment), from each history (" + cap + "; load " + loadSettled + " at the wait's end)",
        distribution(toTask, n), "one incident alone before the storm: " + distribution(loneTask, 1),
        "p99 <= 30 s", taskMet);
    report.row("Storm on temporal server start-dev: first delivery -> diagnosis recorded (the workflow task after the"
            + " first `" + SNAPSHOT_ACTIVITY + "` activity closed: its 3 attempts fail), from each history (" + cap
            + "; load " + loadSettled + " at the wait's end)",
        distribution(toDiagnosis, n), "one incident alone before the storm: " + distribution(loneDiagnosis, 1),
        "p99 <= 90 s", diagnosisMet);
    if (!intakeMet && Files.isRegularFile(receiverJfr)) {
      report.note("Storm on the dev server, the receiver's profile during the storm (JFR `profile` settings in the"
          + " receiver's JVM; the dev server and the worker share the 2 cores). CPU samples by thread group:\n\n"
          + Bench.hotThreads(receiverJfr, 10) + "\nHottest frames:\n\n" + Bench.hotFrames(receiverJfr, 10));
    }
    if ((!taskMet || !diagnosisMet) && Files.isRegularFile(workerJfr)) {
      report.note("Storm on the dev server, the worker's profile from the storm until the diagnoses (JFR `profile`"
          + " settings in the worker's JVM). CPU samples by thread group:\n\n" + Bench.hotThreads(workerJfr, 10)
          + "\nHottest frames:\n\n" + Bench.hotFrames(workerJfr, 10));
    }
  }

  /**
   * Goal 3's windows: worker + server CPU with the storm's incidents open, their dependencies still dead. The worker
   * is profiled (JFR) in every window but the last, which is the one the goal is judged on.
   */
  private List<StormIdle.Usage> idleWindows(Process worker, TemporalDevServer server, Path jfr, long outageStart)
      throws Exception {
    List<StormIdle.Usage> windows = new ArrayList<>();
    int n = sizes.idle().windows();
    if (n > 1) {
      DevServerBench.jcmd(worker.pid(), "JFR.start", "name=idle", "settings=profile");
    }
    for (int i = 0; i < n; i++) {
      if (i == n - 1 && n > 1) {
        DevServerBench.jcmd(worker.pid(), "JFR.dump", "name=idle", "filename=" + jfr);
        DevServerBench.jcmd(worker.pid(), "JFR.stop", "name=idle");
      }
      progress.accept("storm on the dev server: " + sizes.targets() + " incidents open, dependencies dead: worker +"
          + " server CPU, window " + (i + 1) + " of " + n + " (" + sizes.idle().window().toSeconds() + " s; outage "
          + StormIdle.age(System.currentTimeMillis() - outageStart) + " old)");
      StormIdle.Usage u = StormIdle.measure(worker.toHandle(), server.processHandle(), server.metricsUrl(),
          sizes.idle().window());
      progress.accept(String.format(Locale.ROOT, "storm on the dev server: window %d: worker %.1f %% + server %.1f %%"
          + " (load %s)", i + 1, u.workerCpu(), u.serverCpu(), u.loadTo()));
      windows.add(u);
    }
    return windows;
  }

  /**
   * When the worker first found the shared database and endpoints dead: the lone incident's first workflow task (its
   * first probes follow at once), else its first delivery.
   */
  private static long outageStart(Map<Integer, Marks> loneMarks, Load lone) {
    return loneMarks.values().stream().mapToLong(Marks::firstTask).filter(t -> t > 0).min()
        .orElseGet(() -> lone.firstSent().values().stream().mapToLong(Long::longValue).min().orElse(0));
  }

  /** The marks as they were at {@code cutoff} (the end of the wait): later ones count as not reached. */
  private static Map<Integer, Marks> before(Map<Integer, Marks> marks, long cutoff) {
    if (cutoff == 0) {
      return marks;
    }
    Map<Integer, Marks> kept = new ConcurrentHashMap<>();
    marks.forEach((t, m) -> kept.put(t, new Marks(m.firstTask() > cutoff ? 0 : m.firstTask(),
        m.diagnosis() > cutoff ? 0 : m.diagnosis())));
    return kept;
  }

  /** p50/p99/max of the values, and how many of {@code n} there are. */
  private static String distribution(double[] millis, int n) {
    if (millis.length == 0) {
      return "0 of " + n + " reached";
    }
    return String.format(Locale.ROOT, "p50/p99/max %.1f/%.1f/%.1f s (%d of %d reached)",
        DevServerBench.percentile(millis, 50) / 1000, DevServerBench.percentile(millis, 99) / 1000,
        DevServerBench.percentile(millis, 100) / 1000, millis.length, n);
  }

  private static double[] latencies(Map<Integer, Long> firstSent, Map<Integer, Marks> marks, boolean firstTask) {
    return marks.entrySet().stream()
        .filter(e -> (firstTask ? e.getValue().firstTask() : e.getValue().diagnosis()) > 0)
        .mapToDouble(e -> (firstTask ? e.getValue().firstTask() : e.getValue().diagnosis())
            - firstSent.get(e.getKey()))
        .toArray();
  }

  private static double[] concat(double[] a, double[] b) {
    double[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Histories

  static String id(int t) {
    return DbPoolRunbook.DEFINITION.incidentId(new Target("bench", "svc-" + t, "db" + t));
  }

  /**
   * Waits until each incident's diagnosis is recorded or {@code atMost} passed; returns the marks of every incident
   * that exists (lost ones are missing). While waiting it reads few histories, so as not to load the server it
   * measures: the incidents in the order of their first delivery, up to the first one not diagnosed yet, every 2 s.
   * Then {@code beforeLastPass} (the bench stops the worker there: what follows only reads) and one pass over every
   * incident not seen diagnosed.
   */
  private Map<Integer, Marks> settle(WorkflowClient client, Map<Integer, Long> targets, Duration atMost,
      Step beforeLastPass) throws Exception {
    Map<Integer, Marks> marks = new ConcurrentHashMap<>();
    List<Integer> pending = new ArrayList<>(targets.keySet());
    pending.sort(java.util.Comparator.comparing(targets::get));
    long deadline = System.nanoTime() + atMost.toNanos();
    long lastReport = System.nanoTime();
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      for (var it = pending.iterator(); it.hasNext(); ) {
        int t = it.next();
        Marks m = marks(client, id(t));
        if (m == null || m.diagnosis() == 0) {
          break;
        }
        marks.put(t, m);
        it.remove();
      }
      if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(30)) {
        progress.accept("storm on the dev server: " + (targets.size() - pending.size()) + " of " + targets.size()
            + " incidents diagnosed (in the order of their first delivery)");
        lastReport = System.nanoTime();
      }
      if (!pending.isEmpty()) {
        Thread.sleep(2000);
      }
    }
    beforeLastPass.run();
    for (int t : pending) {
      Marks m = marks(client, id(t));
      if (m != null) {
        marks.put(t, m);
      }
    }
    return marks;
  }

  /** A step that may throw. */
  interface Step {
    void run() throws Exception;
  }

  /** The incident's marks, null if it does not exist. */
  static Marks marks(WorkflowClient client, String incidentId) {
    List<HistoryEvent> events;
    try {
      events = client.fetchHistory(incidentId).getHistory().getEventsList();
    } catch (WorkflowNotFoundException e) {
      return null;
    }
    return marks(events);
  }

  /**
   * The first WorkflowTaskStarted; the first WorkflowTaskCompleted after the first {@code Snapshot} activity closed
   * (completed, failed or timed out): the task that recorded the diagnosis.
   */
  static Marks marks(List<HistoryEvent> events) {
    long firstTask = 0;
    long diagnosis = 0;
    long snapshotScheduled = -1;
    boolean snapshotClosed = false;
    for (HistoryEvent e : events) {
      long at = e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
      EventType type = e.getEventType();
      if (type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && firstTask == 0) {
        firstTask = at;
      } else if (type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && snapshotScheduled < 0
          && e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals(SNAPSHOT_ACTIVITY)) {
        snapshotScheduled = e.getEventId();
      } else if (snapshotScheduled >= 0 && !snapshotClosed && closedActivity(e) == snapshotScheduled) {
        snapshotClosed = true;
      } else if (snapshotClosed && type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        diagnosis = at;
        break;
      }
    }
    return new Marks(firstTask, diagnosis);
  }

  /** The scheduled event ID of the activity an event closes, else -1. */
  private static long closedActivity(HistoryEvent e) {
    return switch (e.getEventType()) {
      case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> e.getActivityTaskCompletedEventAttributes().getScheduledEventId();
      case EVENT_TYPE_ACTIVITY_TASK_FAILED -> e.getActivityTaskFailedEventAttributes().getScheduledEventId();
      case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> e.getActivityTaskTimedOutEventAttributes().getScheduledEventId();
      case EVENT_TYPE_ACTIVITY_TASK_CANCELED -> e.getActivityTaskCanceledEventAttributes().getScheduledEventId();
      default -> -1;
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The worker's metrics

  /** The worker's metrics of polling, schedule-to-start, the sticky cache and task execution. */
  private static final Pattern WORTH = Pattern.compile(
      "schedule_to_start|sticky_cache|poll_succeed|poll_empty|poll_timeout|task_execution_latency|replay_latency"
          + "|task_slots_used|num_pollers|execution_failed|workflow_task_no_completion");
  private static final Pattern SAMPLE = Pattern.compile("^(temporal_[a-zA-Z0-9_:]*)(\\{(.*)\\})? ([-+0-9.eE]+)$");
  private static final Pattern QUEUE = Pattern.compile("(?:^|,)task_queue=\"([^\"]*)\"");

  /** Series of interest, keyed by name and queue (sticky or normal), summed over the other labels. */
  static Map<String, Double> workerMetrics(String url) {
    Map<String, Double> values = new java.util.TreeMap<>();
    String text;
    try {
      text = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      return values;
    }
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches() || !WORTH.matcher(m.group(1)).find() || m.group(1).endsWith("_bucket")
          || m.group(1).endsWith("_max")) {
        continue;
      }
      Matcher q = QUEUE.matcher(m.group(3) == null ? "" : m.group(3));
      String queue = !q.find() ? "" : q.group(1).equals(TASK_QUEUE) ? "{normal}" : "{sticky}";
      values.merge(m.group(1) + queue, Double.parseDouble(m.group(4)), Double::sum);
    }
    return values;
  }

  /** What grew from {@code before} to {@code after} (gauges: their value at the end), as a Markdown list. */
  static String metricsGrown(Map<String, Double> before, Map<String, Double> after) {
    if (after.isEmpty()) {
      return "- (no metrics: the worker's /metrics did not answer)\n";
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Double> e : after.entrySet()) {
      String key = e.getKey();
      if (key.contains("_sum")) {
        continue;
      }
      boolean gauge = key.contains("slots_used") || key.contains("num_pollers");
      double grew = gauge ? e.getValue() : e.getValue() - before.getOrDefault(key, 0.0);
      if (grew == 0) {
        continue;
      }
      b.append("- `").append(key).append("` ").append(gauge ? "at the end " : "")
          .append(String.format(Locale.ROOT, "%.0f", grew));
      if (key.contains("_count")) {
        String sum = key.replace("_count", "_sum");
        double total = after.getOrDefault(sum, 0.0) - before.getOrDefault(sum, 0.0);
        b.append(String.format(Locale.ROOT, ", mean %.0f ms", total * 1000 / grew));
      }
      b.append('\n');
    }
    return b.length() == 0 ? "- nothing grew\n" : b.toString();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Load

  /** Every target, {@code repeats} times, from two HA peers; each round shuffled (a fixed seed: the same each run). */
  private List<Delivery> deliveries() {
    Random random = new Random(24);
    List<Delivery> all = new ArrayList<>();
    for (int r = 0; r < sizes.repeats(); r++) {
      List<Delivery> round = new ArrayList<>();
      for (int peer = 0; peer < 2; peer++) {
        for (int t = 0; t < sizes.targets(); t++) {
          round.add(new Delivery(t, Bench.delivery(t, 0, 1, "http://alertmanager-" + peer + ":9093")));
        }
      }
      Collections.shuffle(round, random);
      all.addAll(round);
    }
    return all;
  }

  private Load load(String url, List<Delivery> deliveries) throws Exception {
    Map<Integer, Long> firstSent = new ConcurrentHashMap<>();
    LoadRun.Result r = LoadRun.post(url, TOKEN, Math.min(sizes.concurrency(), deliveries.size()), deliveries,
        Delivery::body, d -> firstSent.merge(d.target(), System.currentTimeMillis(), Math::min));
    return new Load(r.millis(), r.seconds(), r.failed(), firstSent);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Processes and configuration

  /** {@code remediator ARGS} in its own JVM, against {@code address}, its output to {@code log}. */
  private static Process start(String address, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(Cli.javaCommand());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("TEMPORAL_ADDRESS", address);
    return pb.start();
  }

  private static void jfrStart(Process... processes) throws Exception {
    for (Process p : processes) {
      DevServerBench.jcmd(p.pid(), "JFR.start", "name=storm", "settings=profile");
    }
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void awaitLine(Path log, String text, Process process) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no \"" + text + "\" in " + log + " after 120 s");
  }

  /** The storm's targets and one more (the lone incident): database and endpoints on ports nobody listens on. */
  private String config(Path dir, int deadDatabase, int deadEndpoints) {
    StringBuilder b = new StringBuilder();
    b.append("taskQueue: ").append(TASK_QUEUE).append("\nreceiver:\n  tokenFile: ").append(dir.resolve("token"))
        .append("\nnotifications:\n  channels:\n    - {name: log, type: webhook, urlFile: ")
        .append(dir.resolve("hook-url")).append("}\n")
        .append("defaults:\n  escalation:\n    - {name: database, channels: [log], ackTimeout: 15m}\n")
        .append("targets:\n");
    for (int t = 0; t <= sizes.targets(); t++) {
      b.append("  - service: svc-").append(t).append("\n    namespace: bench\n    database: db").append(t)
          .append("\n    postgres:\n      url: jdbc:postgresql://127.0.0.1:").append(deadDatabase).append("/db")
          .append(t).append("\n      user: remediator\n      applicationRoles: [app]\n")
          .append("    endpoints:\n      health: http://127.0.0.1:").append(deadEndpoints).append("/health\n")
          .append("      ready: http://127.0.0.1:").append(deadEndpoints).append("/ready\n");
    }
    return b.toString();
  }

  /**
   * Issue 24 goal 2: right after the storm's last delivery, {@code incidents} (its listing: the newest 25 and the
   * totals, from the search attributes the start sets) against Temporal's own count of the running executions on the
   * task queue at that moment, which needs no attribute. Then, when they differ, how long until the listing caught up.
   */
  private void listedAfterStorm(TemporalConnection temporal, int before) throws InterruptedException {
    IncidentListing incidents = new IncidentListing(new IncidentStubs(temporal.client()));
    String running = "TaskQueue = '" + TASK_QUEUE + "' AND ExecutionStatus = 'Running'";
    long start = System.nanoTime();
    long listed = incidents.openIncidents(null, Duration.ofSeconds(10), 25).total();
    double listMillis = (System.nanoTime() - start) / 1e6;
    long runs = temporal.client().countWorkflows(running).getCount();
    long expected = sizes.targets() + before;
    long caughtUp = listed == expected ? 0 : -1;
    while (caughtUp < 0 && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30)) {
      if (incidents.openIncidents(null, Duration.ofSeconds(10), 25).total() == expected) {
        caughtUp = (System.nanoTime() - start) / 1_000_000;
      } else {
        Thread.sleep(200); // a listing costs the server a count and a page: not back to back
      }
    }
    report.row("Storm on temporal server start-dev: `incidents` right after the storm's last delivery (its listing:"
            + " the newest 25 and the totals, from the search attributes the receiver's start sets; load "
            + DevServerBench.load() + ")",
        String.format(Locale.ROOT, "lists %d open incidents (the storm's %d and %d before it) in %.0f ms%s", listed,
            sizes.targets(), before, listMillis, caughtUp == 0 ? "" : caughtUp > 0
                ? "; all " + expected + " listed " + caughtUp + " ms after the storm"
                : "; not all listed within 30 s"),
        "Temporal's count of running executions on the task queue, no search attribute needed: " + runs,
        "all " + expected + " listed at once", listed == expected && runs == expected);
  }
}
