package dev.remediator.bench;

import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Issue 24, goal 3: the CPU of {@code remediator worker} + {@code temporal server start-dev} while the storm's
 * incidents stay open and their shared database and endpoints still do not answer, over consecutive windows, beside
 * the same two processes with nothing open (measured before the storm). For each window: the outage's age at its
 * start and end (from the first unreachable sample, the lone incident's), the 1-minute load, what the server did (its
 * counters: workflow tasks, activity attempts and timers per second) and what a sample of the incidents did (their
 * histories: samples, i.e. {@code Snapshot} activities or local activities, timers fired, workflow tasks).
 */
final class StormIdle {
  /** The goal: worker + server under 10 % of one core. */
  static final double GOAL_PERCENT = 10;
  private static final int HISTORY_SAMPLE = 50;

  /**
   * @param baseline how long the two processes are measured with nothing open (before the storm)
   * @param window one measured window
   * @param windows consecutive windows after the diagnoses (0: not measured)
   */
  record Sizes(Duration baseline, Duration window, int windows) {
    static final Sizes FULL = new Sizes(Duration.ofSeconds(60), Duration.ofMinutes(5), 3);
    static final Sizes SMOKE = new Sizes(Duration.ofSeconds(5), Duration.ofSeconds(15), 2);

    /** {@code minutes} of idle windows: 5-minute windows, or one shorter window below 5 minutes. */
    Sizes withMinutes(int minutes) {
      if (minutes <= 0) {
        return new Sizes(baseline, window, 0);
      }
      return minutes < 5 ? new Sizes(baseline, Duration.ofMinutes(minutes), 1)
          : new Sizes(baseline, Duration.ofMinutes(5), minutes / 5);
    }

    @Override
    public String toString() {
      return windows + " x " + window.toSeconds() + " s (baseline " + baseline.toSeconds() + " s)";
    }
  }

  /** CPU (% of one core) of worker and server over one window, and what the server counted in it. */
  record Usage(double workerCpu, double serverCpu, long fromMillis, long toMillis, String loadFrom, String loadTo,
      Map<String, Double> countersFrom, Map<String, Double> countersTo, Map<String, Double> callsFrom,
      Map<String, Double> callsTo) {
    double total() {
      return workerCpu + serverCpu;
    }

    double seconds() {
      return (toMillis - fromMillis) / 1000.0;
    }

    /** Per second: the frontend calls named (the worker's), summed. */
    double callsPerSecond(String... operations) {
      double n = 0;
      for (String op : operations) {
        n += callsTo.getOrDefault(op, 0.0) - callsFrom.getOrDefault(op, 0.0);
      }
      return n / seconds();
    }

    /** Per second: the server counters whose key starts with {@code prefix}, summed. */
    double countersPerSecond(String prefix) {
      double n = 0;
      for (Map.Entry<String, Double> e : countersTo.entrySet()) {
        if (e.getKey().startsWith(prefix)) {
          n += e.getValue() - countersFrom.getOrDefault(e.getKey(), 0.0);
        }
      }
      return n / seconds();
    }
  }

  private StormIdle() {}

  /** CPU of the worker and the server's process tree over {@code window}, with the server's counters around it. */
  static Usage measure(ProcessHandle worker, ProcessHandle server, String metricsUrl, Duration window)
      throws Exception {
    Map<String, Double> counters0 = ServerCounters.scrape(metricsUrl);
    Map<String, Double> calls0 = ServerCounters.frontendRequests(metricsUrl);
    String load0 = DevServerBench.load();
    long w0 = DevServerBench.cpuMillis(worker.pid());
    long s0 = DevServerBench.treeCpuMillis(server);
    long t0 = System.nanoTime();
    long from = System.currentTimeMillis();
    Thread.sleep(window.toMillis());
    double elapsed = (System.nanoTime() - t0) / 1e6;
    double workerCpu = (DevServerBench.cpuMillis(worker.pid()) - w0) * 100.0 / elapsed;
    double serverCpu = (DevServerBench.treeCpuMillis(server) - s0) * 100.0 / elapsed;
    long to = System.currentTimeMillis();
    return new Usage(workerCpu, serverCpu, from, to, load0, DevServerBench.load(), counters0,
        ServerCounters.scrape(metricsUrl), calls0, ServerCounters.frontendRequests(metricsUrl));
  }

  /**
   * What a sample of the incidents' histories shows in one window: samples ({@code Snapshot} activities, as activity
   * tasks or local activities), activity tasks, local activities, timers fired, workflow tasks completed.
   */
  record Activity(int incidents, int sampled, int snapshots, int activities, int local, int timers, int tasks) {
    /** Per second over all {@code incidents}, scaled from the sample. */
    String perSecond(double seconds) {
      double scale = (double) incidents / Math.max(1, sampled) / seconds;
      return String.format(Locale.ROOT, "%.2f samples/s, %.2f activity tasks/s, %.2f local activities/s, %.2f"
          + " workflow tasks/s, %.2f timers fired/s", snapshots * scale, activities * scale, local * scale,
          tasks * scale, timers * scale);
    }
  }

  /** Reads {@link #HISTORY_SAMPLE} incidents' histories (every k-th) and counts their events inside the window. */
  static Activity activity(WorkflowClient client, IntFunction<String> id, int incidents, Usage window) {
    int sample = Math.min(HISTORY_SAMPLE, incidents);
    int snapshots = 0;
    int activities = 0;
    int local = 0;
    int timers = 0;
    int tasks = 0;
    for (int k = 0; k < sample; k++) {
      int t = (int) ((long) k * incidents / sample);
      for (HistoryEvent h : client.fetchHistory(id.apply(t)).getHistory().getEventsList()) {
        long at = h.getEventTime().getSeconds() * 1000 + h.getEventTime().getNanos() / 1_000_000;
        if (at < window.fromMillis() || at > window.toMillis()) {
          continue;
        }
        switch (h.getEventType()) {
          case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
            activities++;
            if (h.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("Snapshot")) {
              snapshots++;
            }
          }
          case EVENT_TYPE_MARKER_RECORDED -> {
            var type = h.getMarkerRecordedEventAttributes().getDetailsMap().get("type");
            if (type != null && type.getPayloadsCount() > 0) {
              local++;
              snapshots += type.getPayloads(0).getData().toStringUtf8().contains("Snapshot") ? 1 : 0;
            }
          }
          case EVENT_TYPE_TIMER_FIRED -> timers++;
          case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> tasks++;
          default -> { }
        }
      }
    }
    return new Activity(incidents, sample, snapshots, activities, local, timers, tasks);
  }

  /** One window, as the row gives it. */
  static String describe(int index, Usage u, long outageStartMillis, Activity a) {
    return String.format(Locale.ROOT, "window %d (outage %s -> %s old, load %s -> %s): worker %.1f %% + server %.1f %%"
            + " = **%.1f %%**; server: %.2f workflow tasks/s, %.2f activity attempts/s, %.2f timers/s (%.2f user"
            + " timers/s); histories: %s", index + 1, age(u.fromMillis() - outageStartMillis),
        age(u.toMillis() - outageStartMillis), u.loadFrom(), u.loadTo(), u.workerCpu(), u.serverCpu(), u.total(),
        u.callsPerSecond("RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed"),
        u.callsPerSecond("RespondActivityTaskCompleted", "RespondActivityTaskFailed", "RespondActivityTaskCanceled"),
        u.countersPerSecond("task_requests{TimerActiveTask"),
        u.countersPerSecond("task_requests{TimerActiveTaskUserTimer"),
        a == null ? "not read" : a.perSecond(u.seconds()));
  }

  static String age(long millis) {
    long s = Math.max(0, millis / 1000);
    return s < 120 ? s + " s" : String.format(Locale.ROOT, "%.1f min", s / 60.0);
  }

  /**
   * The row: every window, the goal judged on the last one (the steady state: the storm's backlog and the
   * diagnoses' timeout timers are behind it, and the backoff has grown the longest), the first one given beside it.
   */
  static void row(DevServerBench.Report report, int incidents, Usage baseline, List<Usage> windows,
      List<Activity> activity, long outageStartMillis) {
    if (windows.isEmpty()) {
      return;
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < windows.size(); i++) {
      parts.add(describe(i, windows.get(i), outageStartMillis, activity.get(i)));
    }
    Usage last = windows.get(windows.size() - 1);
    report.row("Storm on temporal server start-dev, afterwards: " + incidents + " incidents open whose database and"
            + " endpoints still do not answer, nothing else arriving (receiver stopped), worker + server CPU in "
            + windows.size() + " consecutive windows of " + Math.round(last.seconds()) + " s after the storm's"
            + " diagnoses (load " + last.loadTo() + ")",
        String.join("; ", parts) + String.format(Locale.ROOT, ". Judged on the last window (the steady state:"
            + " the storm's backlog is behind it and the backoff has grown most): %.1f %%; the first: %.1f %%",
            last.total(), windows.get(0).total()),
        String.format(Locale.ROOT, "nothing open, the same two processes before the storm (%d s, load %s -> %s):"
                + " worker %.1f %% + server %.1f %% = %.1f %%; %.2f workflow tasks/s, %.2f timers/s",
            Math.round(baseline.seconds()), baseline.loadFrom(), baseline.loadTo(), baseline.workerCpu(),
            baseline.serverCpu(), baseline.total(),
            baseline.callsPerSecond("RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed"),
            baseline.countersPerSecond("task_requests{TimerActiveTask")),
        "worker + server < 10 % of one core (the last window)", last.total() < GOAL_PERCENT);
  }

  /** The server's counters that grew most in each window, and the worker's profile if the goal is not met. */
  static void notes(DevServerBench.Report report, List<Usage> windows, Path workerJfr) throws Exception {
    for (int i = 0; i < windows.size(); i++) {
      Usage u = windows.get(i);
      report.note("Storm on the dev server, afterwards (goal 3), window " + (i + 1) + ": what the Temporal server"
          + " counted (its Prometheus counters summed per metric and operation, the ones that grew most):\n\n"
          + ServerCounters.grown(u.countersFrom(), u.countersTo(), Duration.ofMillis(u.toMillis() - u.fromMillis()),
              15).stream().map(l -> "- " + l + "\n").collect(java.util.stream.Collectors.joining()));
    }
    Usage last = windows.get(windows.size() - 1);
    if (last.total() >= GOAL_PERCENT && workerJfr != null && Files.isRegularFile(workerJfr)) {
      report.note("Storm on the dev server, afterwards (goal 3): the worker's profile in the windows before the last"
          + " (JFR `profile` settings in the worker's JVM; the last window runs without it). CPU samples by thread"
          + " group:\n\n" + Bench.hotThreads(workerJfr, 10) + "\nHottest frames:\n\n" + Bench.hotFrames(workerJfr, 12));
    }
  }
}
