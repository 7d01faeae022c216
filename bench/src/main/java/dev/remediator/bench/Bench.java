package dev.remediator.bench;

import com.sun.net.httpserver.HttpServer;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.demo.Demo;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.Target;
import dev.remediator.launcher.EmbeddedStack;
import dev.remediator.launcher.FreePorts;
import dev.remediator.launcher.TemporalDevServer;
import dev.remediator.registry.Runbooks;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import dev.remediator.starter.AlertReceiver;
import dev.remediator.starter.ReceiverMetrics;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DataConverter;
import io.temporal.client.WorkflowNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * The benchmark suite behind {@code ./remediator bench}: the receiver under an Alertmanager storm, one huge delivery,
 * slow clients, and the footprint of the incidents the storm opened; each figure beside a baseline measured in the
 * same run, written as Markdown. Everything runs in this process on the embedded stack (Temporal test server, worker,
 * receiver), as {@code ./remediator dev} does. No figure is asserted: the smoke in CI only proves the suite runs.
 */
public final class Bench {
  /** How big each row is. */
  public record Sizes(
      int targets, int repeats, int concurrency, int bigAlerts, int slowConnections, Duration idleWindow) {
    /** The sizes: 10,000 deliveries over 1,000 targets (5 repeats x 2 HA peers), 7,172 alerts, 1,000. */
    public static final Sizes FULL = new Sizes(1000, 5, 32, 7172, 1000, Duration.ofSeconds(20));
    /** For the CI smoke: small and quick. */
    public static final Sizes SMOKE = new Sizes(10, 2, 4, 100, 20, Duration.ofSeconds(2));

    int deliveries() {
      return targets * repeats * 2;
    }
  }

  private static final String TOKEN = "bench-webhook-token-0123456789";
  private final Sizes sizes;
  private final Consumer<String> progress;
  private final List<String> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  private final DevServerBench.Sizes devSizes;
  private final boolean embeddedRows;
  private final boolean devServerRows;
  private DevServerStorm.Sizes stormSizes;

  public Bench(Sizes sizes, Consumer<String> progress) {
    this(sizes, sizes.equals(Sizes.SMOKE) ? DevServerBench.Sizes.SMOKE : DevServerBench.Sizes.FULL, true, progress);
    this.stormSizes = sizes.equals(Sizes.SMOKE) ? DevServerStorm.Sizes.SMOKE : DevServerStorm.Sizes.FULL;
  }

  /**
   * @param devSizes the rows on {@code temporal server start-dev} (null: none)
   * @param embeddedRows the rows on the embedded stack (storm, huge delivery, slow clients, one-process footprint)
   */
  Bench(Sizes sizes, DevServerBench.Sizes devSizes, boolean embeddedRows, Consumer<String> progress) {
    this(sizes, devSizes, embeddedRows, true, progress);
  }

  /** @param devServerRows with {@code devSizes}: the rows on temporal server start-dev too (false: the snapshot only) */
  Bench(Sizes sizes, DevServerBench.Sizes devSizes, boolean embeddedRows, boolean devServerRows,
      Consumer<String> progress) {
    this.sizes = sizes;
    this.devSizes = devSizes;
    this.embeddedRows = embeddedRows;
    this.devServerRows = devServerRows;
    this.progress = progress;
  }

  /** The storm on temporal server start-dev (null: not run). */
  Bench withStorm(DevServerStorm.Sizes sizes) {
    this.stormSizes = sizes;
    return this;
  }

  /** Runs every row and returns the Markdown report. */
  public String run() throws Exception {
    DevServerBench.Report report = new DevServerBench.Report() {
      @Override
      public void row(String what, String measured, String baseline, String goal, boolean met) {
        Bench.this.row(what, measured, baseline, goal, met);
      }

      @Override
      public void note(String text) {
        notes.add(text);
      }
    };
    if (embeddedRows) {
      embeddedRows();
    }
    if (stormSizes != null) {
      Optional<Path> cli = TemporalDevServer.findCli(System.getenv());
      if (cli.isEmpty()) {
        row("Storm on temporal server start-dev", "skipped: no `temporal` CLI (" + TemporalDevServer.INSTALL_HINT
            + ")", "-", "-", false);
      } else {
        Path home = Files.createTempDirectory("remediator-bench-storm-");
        try {
          new DevServerStorm(stormSizes, progress, report).run(cli.get(), home);
        } finally {
          Demo.deleteTree(home);
        }
      }
    }
    if (devSizes != null) {
      new DevServerBench(devSizes, devServerRows, progress, report).run();
    }
    return report();
  }

  private void embeddedRows() throws Exception {
    Path home = Files.createTempDirectory("remediator-bench-");
    try {
      Files.writeString(home.resolve("token"), TOKEN);
      Files.writeString(home.resolve("hook-url"), "http://127.0.0.1:1/hook");
      RemediatorConfig config = ConfigLoader.parse(config(home, sizes.targets() + 1), "bench configuration");
      List<byte[]> storm = stormDeliveries();
      byte[] big = bigDelivery(sizes.bigAlerts());

      // Baselines first, on a bare JDK HTTP server answering 200.
      progress.accept("baseline: bare JDK HTTP server, " + storm.size() + " deliveries");
      Load bare;
      double bareBig;
      try (BareServer server = new BareServer()) {
        bare = load(server.url(), storm);
        bareBig = timeOne(server.url(), big).millis;
      }

      int warm = warmUpTargets();
      progress.accept("warm-up: " + 2 * 2 * warm + " deliveries over " + warm + " targets on a stack of their own");
      try (EmbeddedStack warmStack = EmbeddedStack.start(ConfigLoader.parse(config(home, warm), "warm-up"),
          FreePorts.next(), "127.0.0.1", 0)) {
        load(warmStack.webhookUrl(), stormDeliveries(warm, 2));
      }

      try (EmbeddedStack stack = EmbeddedStack.start(config, FreePorts.next(), "127.0.0.1", 0)) {
        String url = stack.webhookUrl();
        progress.accept("storm: " + storm.size() + " deliveries over " + sizes.targets() + " targets to " + url);
        Path jfr = Files.createTempFile("remediator-bench-storm-", ".jfr");
        Load ours;
        List<Phase> phases;
        try (Recording recording = new Recording(jdk.jfr.Configuration.getConfiguration("profile"))) {
          recording.start();
          int firstRound = 2 * sizes.targets();
          Instant t0 = Instant.now();
          Load opening = load(url, storm.subList(0, firstRound));
          Instant t1 = Instant.now();
          Load repeats = load(url, storm.subList(firstRound, storm.size()));
          Instant t2 = Instant.now();
          ours = opening.then(repeats);
          phases = List.of(
              new Phase(String.format(Locale.ROOT, "first round (both HA copies of every target's first alert: %d new"
                  + " incidents) %.0f deliveries/s, p50/p99 %.1f/%.1f ms", sizes.targets(), opening.perSecond(),
                  opening.p(50), opening.p(99)), t0, t1),
              new Phase(String.format(Locale.ROOT, "repeats (%d deliveries of alerts already accepted: no Temporal"
                  + " call) %.0f deliveries/s, p50/p99 %.1f/%.1f ms", repeats.millis().length, repeats.perSecond(),
                  repeats.p(50), repeats.p(99)), t1, t2));
          progress.accept("storm: " + phases.get(0).what() + "; " + phases.get(1).what());
          recording.stop();
          recording.dump(jfr);
        }
        int[] incidents = incidents(stack, sizes.targets());
        row("Storm: " + storm.size() + " Alertmanager deliveries over " + sizes.targets() + " targets (" + sizes.repeats()
                + " repeats x 2 HA peers, " + sizes.concurrency() + " concurrent; after a JIT warm-up of " + 4 * warm
                + " deliveries to a stack of its own)",
            String.format("%.0f deliveries/s, p50/p99 %.1f/%.1f ms; %d incidents (of %d), %d lost, %d non-2xx",
                ours.perSecond(), ours.p(50), ours.p(99), incidents[0], sizes.targets(),
                sizes.targets() - incidents[0] + ours.failed, ours.failed),
            String.format("bare JDK HTTP server: %.0f/s, p50/p99 %.1f/%.1f ms", bare.perSecond(), bare.p(50),
                bare.p(99)),
            ">= 1,000/s, p99 <= 100 ms, exactly " + sizes.targets() + " incidents, 0 lost",
            ours.perSecond() >= 1000 && ours.p(99) <= 100 && incidents[0] == sizes.targets() && ours.failed == 0);
        notes.add("Storm profile (JFR `profile` settings during the storm; the whole process: receiver, worker and"
            + " the embedded Temporal server share the machine). CPU samples by thread group:\n\n"
            + hotThreads(jfr, 12) + "\nHottest frames:\n\n" + hotFrames(jfr, 12));
        for (Phase phase : phases) {
          notes.add("Storm, " + phase.what() + ". CPU samples of the whole process in this phase, each counted once"
              + " by the first of these its stack holds:\n\n" + StackProfile.of(jfr, phase.from(), phase.to()));
        }
        Files.deleteIfExists(jfr);

        progress.accept("one delivery with " + sizes.bigAlerts() + " alerts for one target");
        Timed one = timeOne(url, big);
        String bigIncident = Runbooks.fallback().incidentId(config.targets().get(sizes.targets()).target());
        long signals;
        try {
          signals = alertCalls(stack.client(), bigIncident);
        } catch (RuntimeException e) {
          signals = 0; // no incident: the delivery was refused
        }
        row("One delivery with " + sizes.bigAlerts() + " alerts for one target (" + big.length / 1024 + " KiB)",
            String.format("%d Temporal call(s) with alerts (a new incident: the start carries them), HTTP %d in"
                + " %.0f ms", signals, one.status, one.millis),
            String.format("bare JDK HTTP server: %.0f ms", bareBig),
            "one signal per incident per delivery, < 1 s",
            signals == 1 && one.status == 200 && one.millis < 1000);

        progress.accept("slow clients: " + sizes.slowConnections() + " connections trickling a body");
        slowClients(stack, config);

        progress.accept("footprint: " + sizes.targets() + " incidents open, " + sizes.idleWindow().toSeconds()
            + " s without alerts");
        footprint(incidents[0]);
      }
    } finally {
      Demo.deleteTree(home);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rows

  private void slowClients(EmbeddedStack stack, RemediatorConfig config) throws Exception {
    // A receiver on the stack's Temporal with no per-client cap, so that every slow connection is in progress at
    // once (the default cap of 128 per address would refuse most of them at once with 429).
    try (AlertReceiver receiver =
        new AlertReceiver(config, stack.delivery(), new ReceiverMetrics(),
            AlertReceiver.Limits.DEFAULT.withMaxRequestsPerClient(100_000))
            .start("127.0.0.1", 0)) {
      String url = "http://127.0.0.1:" + receiver.port() + AlertReceiver.WEBHOOK_PATH;
      Timed before = timeOne(url, delivery(1, 7, 1)); // a new alert: a Temporal call
      List<Socket> slow = new ArrayList<>();
      Timed during;
      int open;
      try {
        byte[] body = delivery(2, 0, 1);
        String head = "POST " + AlertReceiver.WEBHOOK_PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n{";
        for (int i = 0; i < sizes.slowConnections(); i++) {
          Socket s = new Socket();
          s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
          s.connect(new InetSocketAddress("127.0.0.1", receiver.port()), 5_000);
          s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
          s.getOutputStream().flush();
          slow.add(s);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (receiverInProgress(receiver) < sizes.slowConnections() && System.nanoTime() < until) {
          Thread.sleep(20);
        }
        open = receiverInProgress(receiver);
        during = timeOne(url, delivery(1, 8, 1));
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }
      row(sizes.slowConnections() + " connections trickling a body (valid token), then one good delivery",
          String.format("good delivery HTTP %d in %.0f ms with %d slow bodies pending; a body not complete within"
              + " %d s: 408", during.status, during.millis, open, AlertReceiver.Limits.DEFAULT.bodyDeadline()
              .toSeconds()),
          String.format("the same delivery with no slow connection: %.0f ms", before.millis),
          "answered in < 1 s with 1,000 slow connections open; 408 past a deadline",
          during.status == 200 && during.millis < 1000);
    }
  }

  private static int receiverInProgress(AlertReceiver receiver) {
    return receiver.requestsInProgress("127.0.0.2");
  }

  private void footprint(int incidents) throws Exception {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    Thread.sleep(sizes.idleWindow().toMillis());
    double cpu = (os.getProcessCpuTime() - cpu0) * 100.0 / (System.nanoTime() - t0);
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long rss = rssBytes();
    ThreadInfo[] threads = ManagementFactory.getThreadMXBean().dumpAllThreads(false, false);
    long workflowThreads =
        Arrays.stream(threads).filter(t -> t.getThreadName().startsWith("workflow-")).count();
    row(incidents + " incidents open (database unreachable), no alerts for " + sizes.idleWindow().toSeconds()
            + " s — ONE process: embedded Temporal server + worker + receiver",
        String.format("heap after GC %d MB, RSS %d MB, %d threads (%d workflow threads), CPU %.1f %% of one core",
            heap >> 20, rss >> 20, threads.length, workflowThreads, cpu),
        "(the worker alone, in its own JVM against temporal server start-dev: its own row below)",
        "worker heap <= 256 MB, RSS <= 512 MB, <= 100 threads; < 5 % of a core for worker + server",
        false);
    notes.add("The one-process footprint row measures server, worker and receiver together in one JVM (the embedded"
        + " stack), so it is an upper bound of the worker's share; the worker alone is measured on the dev server. The worker's workflow cache and thread budget are"
        + " bounded by `WorkerTuning` (defaults: cache 32, 40 workflow threads, 16 workflow tasks and 32 activities"
        + " at once, pollers autoscaled up to 8 per queue; `./remediator worker --workflow-cache-size --max-workflow-threads ...`); idle CPU depends on the"
        + " workflow's back-off while the database is unreachable (incident core, not this suite).");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Load

  record Timed(int status, double millis) {}

  /** A stretch of the storm, for its profile. */
  record Phase(String what, Instant from, Instant to) {}

  record Load(double[] millis, double seconds, int failed) {
    /** This load and then {@code next}, as one. */
    Load then(Load next) {
      double[] all = Arrays.copyOf(millis, millis.length + next.millis.length);
      System.arraycopy(next.millis, 0, all, millis.length, next.millis.length);
      return new Load(all, seconds + next.seconds, failed + next.failed);
    }

    double perSecond() {
      return millis.length / seconds;
    }

    double p(int percentile) {
      double[] sorted = millis.clone();
      Arrays.sort(sorted);
      int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
  }

  private Timed timeOne(String url, byte[] body) throws Exception {
    long t = System.nanoTime();
    HttpResponse<String> r = http.send(request(url, body), HttpResponse.BodyHandlers.ofString());
    return new Timed(r.statusCode(), (System.nanoTime() - t) / 1e6);
  }

  private Load load(String url, List<byte[]> deliveries) throws Exception {
    LoadRun.Result r = LoadRun.post(url, TOKEN, sizes.concurrency(), deliveries, body -> body, body -> {});
    return new Load(r.millis(), r.seconds(), r.failed());
  }

  private static HttpRequest request(String url, byte[] body) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  /** Every target, {@code repeats} times, from two HA peers; each round shuffled (a fixed seed: the same each run). */
  private List<byte[]> stormDeliveries() {
    return stormDeliveries(sizes.targets(), sizes.repeats());
  }

  /** A fifth of the storm's targets, at least one: enough deliveries for the JIT to compile the paths they take. */
  private int warmUpTargets() {
    return Math.max(1, sizes.targets() / 5);
  }

  private static List<byte[]> stormDeliveries(int targets, int repeats) {
    Random random = new Random(14);
    List<byte[]> all = new ArrayList<>();
    for (int r = 0; r < repeats; r++) {
      List<byte[]> round = new ArrayList<>();
      for (int peer = 0; peer < 2; peer++) {
        for (int t = 0; t < targets; t++) {
          round.add(delivery(t, 0, 1, "http://alertmanager-" + peer + ":9093"));
        }
      }
      Collections.shuffle(round, random);
      all.addAll(round);
    }
    return all;
  }

  private static byte[] delivery(int target, int generation, int alerts) {
    return delivery(target, generation, alerts, "http://alertmanager-0:9093");
  }

  /**
   * An Alertmanager webhook v4 payload: {@code alerts} DatabaseConnectionPoolCritical alerts (one per pod) for target
   * {@code target}; {@code generation} changes startsAt (the alert fired again).
   */
  static byte[] delivery(int target, int generation, int alerts, String externalUrl) {
    StringBuilder b = new StringBuilder(256 + alerts * 200);
    b.append("{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\"remediator\",\"groupKey\":\"{}:{service=\\\"svc-")
        .append(target).append("\\\"}\",\"externalURL\":\"").append(externalUrl).append("\",\"alerts\":[");
    for (int i = 0; i < alerts; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"status\":\"firing\",\"labels\":{\"alertname\":\"DatabaseConnectionPoolCritical\",")
          .append("\"namespace\":\"bench\",\"service\":\"svc-").append(target).append("\",\"database\":\"db")
          .append(target).append("\",\"severity\":\"critical\"");
      if (alerts > 1) {
        b.append(",\"pod\":\"p").append(i).append('"');
      }
      b.append("},\"startsAt\":\"2026-11-29T10:").append(String.format("%02d", generation % 60))
          .append(":00Z\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"fingerprint\":\"")
          .append(String.format("%08x%08x", target, i)).append("\"}");
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One delivery of {@code alerts} alerts for the one target {@code b/s/d}, as compact as Alertmanager can send them
   * (short label values, no annotations), so that 7,172 of them fit the receiver's 1 MiB limit as in the issue.
   */
  static byte[] bigDelivery(int alerts) {
    StringBuilder b = new StringBuilder(64 + alerts * 150);
    b.append("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[");
    for (int i = 0; i < alerts; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"status\":\"firing\",\"labels\":{\"alertname\":\"DatabaseConnectionPoolCritical\",")
          .append("\"namespace\":\"b\",\"service\":\"s\",\"database\":\"d\"},\"fingerprint\":\"")
          .append(Integer.toHexString(i)).append("\"}");
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String config(Path home, int targets) {
    StringBuilder b = new StringBuilder();
    b.append("taskQueue: remediator-bench\nreceiver:\n  tokenFile: ").append(home.resolve("token"))
        .append("\nnotifications:\n  channels:\n    - {name: log, type: webhook, urlFile: ").append(home.resolve("hook-url"))
        .append("}\n")
        .append("defaults:\n  escalation:\n    - {name: database, channels: [log], ackTimeout: 15m}\n")
        .append("targets:\n");
    for (int t = 0; t < targets; t++) {
      boolean big = t == targets - 1; // the last one receives the huge delivery
      b.append("  - service: ").append(big ? "s" : "svc-" + t).append("\n    namespace: ").append(big ? "b" : "bench")
          .append("\n    database: ").append(big ? "d" : "db" + t)
          .append("\n    postgres:\n      url: jdbc:postgresql://127.0.0.1:1/db").append(t)
          .append("\n      user: remediator\n      applicationRoles: [app]\n");
    }
    return b.toString();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Temporal side

  /** [running incidents among the first {@code targets}]. */
  /**
   * The Temporal calls that brought the incident's current run alerts, from its history: its signals
   * (signal-with-start's included), and its start if the input carried a delivery.
   */
  static long alertCalls(WorkflowClient client, String incidentId) {
    DataConverter converter = client.getOptions().getDataConverter();
    return client.fetchHistory(incidentId).getHistory().getEventsList().stream()
        .filter(e -> e.hasWorkflowExecutionSignaledEventAttributes() || (e.hasWorkflowExecutionStartedEventAttributes()
            && converter.fromPayloads(0, Optional.of(e.getWorkflowExecutionStartedEventAttributes().getInput()),
                IncidentInput.class, IncidentInput.class).alerts() != null))
        .count();
  }

  private static int[] incidents(EmbeddedStack stack, int targets) {
    int running = 0;
    for (int t = 0; t < targets; t++) {
      String id = DbPoolRunbook.DEFINITION.incidentId(
          new Target("bench", "svc-" + t, "db" + t));
      try {
        if (stack.incidents().describe(id).getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
          running++;
        }
      } catch (WorkflowNotFoundException e) {
        // lost
      }
    }
    return new int[] {running};
  }



  // ---------------------------------------------------------------------------------------------------------------
  // Report

  void row(String what, String measured, String baseline, String goal, boolean met) {
    if (!what.contains("(load ") && !what.contains("; load ")) {
      what = what + " (load " + DevServerBench.load() + ")";
    }
    rows.add("| " + what + " | " + measured + " | " + baseline + " | " + goal + " | " + (met ? "met" : "**not met**")
        + " |");
  }

  private String report() {
    StringBuilder b = new StringBuilder();
    b.append("# Benchmarks\n\n");
    b.append("Written by `./remediator bench` (").append(Instant.now()).append("). Sizes: ").append(sizes)
        .append(stormSizes != null ? "; the storm on the dev server: " + stormSizes : "").append(".\n\n");
    b.append("- Machine: ").append(machine()).append("; each row names the 1-minute load average when it was taken")
        .append('\n');
    b.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append('\n');
    b.append("- Commit: ").append(commit()).append("\n\n");
    b.append("| what | measured | baseline (same run) | goal | |\n| --- | --- | --- | --- | --- |\n");
    rows.forEach(r -> b.append(r).append('\n'));
    b.append('\n');
    for (String n : notes) {
      b.append(n).append("\n\n");
    }
    return b.toString();
  }

  private static String machine() {
    String model = "unknown CPU";
    try {
      model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse(model);
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return Runtime.getRuntime().availableProcessors() + " cores (" + model + "), "
        + (os.getTotalMemorySize() >> 30) + " GiB RAM, " + System.getProperty("os.name") + " "
        + System.getProperty("os.version") + "; load average at the end " + String.format("%.2f",
        os.getSystemLoadAverage());
  }

  private static String commit() {
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? out : "unknown (not a git checkout)";
    } catch (IOException | InterruptedException e) {
      return "unknown (no git)";
    }
  }

  private static long rssBytes() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  /** CPU samples per thread group (the thread name without its numbers), the {@code n} largest, as a list. */
  static String hotThreads(Path jfr, int n) throws IOException {
    Map<String, Integer> counts = new HashMap<>();
    int total = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getThread("sampledThread") == null) {
        continue;
      }
      String name = e.getThread("sampledThread").getJavaName();
      String group = name == null ? "?" : name.replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<id>")
          .replaceAll("[a-z]+:bench:[^ \"]*", "<incident>").replaceAll("[0-9]+", "N");
      counts.merge(group, 1, Integer::sum);
      total++;
    }
    if (total == 0) {
      return "(no execution samples)\n";
    }
    StringBuilder b = new StringBuilder();
    int finalTotal = total;
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(n)
        .forEach(e -> b.append(String.format("- %.1f %% `%s`%n", e.getValue() * 100.0 / finalTotal, e.getKey())));
    return b.toString();
  }

  /** The {@code n} most frequent top frames of the recording's execution samples, as a Markdown list. */
  static String hotFrames(Path jfr, int n) throws IOException {
    Map<String, Integer> counts = new HashMap<>();
    int total = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
        continue;
      }
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      if (frames.isEmpty()) {
        continue;
      }
      RecordedFrame top = frames.get(0);
      counts.merge(top.getMethod().getType().getName() + "." + top.getMethod().getName(), 1, Integer::sum);
      total++;
    }
    if (total == 0) {
      return "(no execution samples)";
    }
    StringBuilder b = new StringBuilder();
    int shown = 0;
    Map<String, Integer> sorted = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    for (var e : sorted.entrySet()) {
      if (shown++ == n) {
        break;
      }
      b.append(String.format("- %.1f %% `%s`%n", e.getValue() * 100.0 / total, e.getKey()));
    }
    return b.append(String.format("- (%d samples)%n", total)).toString();
  }

  /** The baseline: the JDK's own HTTP server, reading the body and answering 200. */
  static final class BareServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(16);

    BareServer() throws IOException {
      // Without it the JDK server writes headers and body apart and the client's delayed ACK holds each answer
      // ~40 ms: the baseline would measure TCP timers, not a server.
      System.setProperty("sun.net.httpserver.nodelay", "true");
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
      server.createContext(AlertReceiver.WEBHOOK_PATH, exchange -> {
        try (InputStream in = exchange.getRequestBody()) {
          in.readAllBytes();
        }
        byte[] ok = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, ok.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(ok);
        }
      });
      server.setExecutor(pool);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + AlertReceiver.WEBHOOK_PATH;
    }

    @Override
    public void close() {
      server.stop(0);
      pool.shutdownNow();
    }
  }
}
