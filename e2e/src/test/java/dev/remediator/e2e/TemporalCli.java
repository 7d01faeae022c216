package dev.remediator.e2e;

import dev.remediator.incident.IncidentSearchAttributes;
import dev.remediator.launcher.TemporalDevServer;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The official Temporal CLI, whose {@code temporal server start-dev} is the real Temporal server (SQLite persistence,
 * visibility, the Web UI). Found as {@code $TEMPORAL_CLI}, else as {@code temporal} on the {@code PATH}
 * ({@code scripts/install-temporal-cli.sh} installs the pinned version). Where it is missing the real-server
 * scenarios are skipped with a visible message, unless {@code -Dremediator.requireRealTemporal=true} (or
 * {@code REMEDIATOR_REQUIRE_REAL_TEMPORAL=true}, as CI sets it) turns the skip into a failure.
 */
final class TemporalCli {
  static final String REQUIRE_PROPERTY = "remediator.requireRealTemporal";
  static final String REQUIRE_ENV = "REMEDIATOR_REQUIRE_REAL_TEMPORAL";

  private static final Optional<Path> CLI = locate();
  private static volatile boolean announced;

  private TemporalCli() {}

  /** The CLI binary, if there is one. */
  static Optional<Path> path() {
    return CLI;
  }

  static boolean required() {
    String p = System.getProperty(REQUIRE_PROPERTY);
    if (p != null && !p.isBlank()) {
      return Boolean.parseBoolean(p.trim());
    }
    String e = System.getenv(REQUIRE_ENV);
    return e != null && (e.trim().equals("1") || Boolean.parseBoolean(e.trim()));
  }

  /**
   * The CLI, or the scenario is skipped (with a message on the console and in the durability report), or fails where
   * the real server is required.
   */
  static Path require(String scenario) {
    if (CLI.isPresent()) {
      return CLI.get();
    }
    String why = "no Temporal CLI: set TEMPORAL_CLI or put `temporal` on the PATH (scripts/install-temporal-cli.sh"
        + " installs it); the real-server scenario \"" + scenario + "\" cannot run";
    if (required()) {
      Assertions.fail(why + " and " + REQUIRE_PROPERTY + "/" + REQUIRE_ENV + " requires it");
    }
    if (!announced) {
      announced = true;
      System.err.println("\n[WARNING] e2e: SKIPPING every real-Temporal-server scenario: " + why.replaceFirst(
          "; the real-server scenario .*", "") + ". Set " + REQUIRE_ENV + "=true to make this a failure.\n");
    }
    DurabilityReport.note("skipped: " + why);
    Assumptions.abort(why);
    throw new AssertionError("unreachable");
  }

  private static Optional<Path> locate() {
    String env = System.getenv("TEMPORAL_CLI");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env.trim());
      // A configured path that is not there is a mistake, not a reason to skip quietly.
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException("TEMPORAL_CLI=" + env + " is not an executable file");
      }
      return Optional.of(p);
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path p = Path.of(dir, "temporal");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * {@code temporal server start-dev} on loopback: gRPC on {@code port}, SQLite in {@code database} (the same file on
   * a restart: the state survives), no Web UI (or the UI on {@code uiPort} when it is positive), the incident search
   * attributes registered at start as a cluster's operator registers them once (the worker would add them too).
   */
  static List<String> startDev(Path cli, Path database, int port, int uiPort, int httpPort, int metricsPort,
      List<String> extra) {
    List<String> c = new ArrayList<>(List.of(cli.toString(), "server", "start-dev",
        "--db-filename", database.toString(),
        "--ip", "127.0.0.1",
        "--port", Integer.toString(port),
        "--http-port", Integer.toString(httpPort),
        "--metrics-port", Integer.toString(metricsPort),
        "--log-level", "warn"));
    if (uiPort > 0) {
      c.addAll(List.of("--ui-port", Integer.toString(uiPort), "--ui-disable-news-fetch"));
    } else {
      c.add("--headless");
    }
    for (var key : IncidentSearchAttributes.ALL) {
      c.add("--search-attribute");
      c.add(key.getName() + "=Keyword");
    }
    // Worker Versioning (WorkerVersioningIT): the deployment APIs on, a replaced build's drainage re-counted every
    // 2 s instead of every 3 min.
    c.addAll(List.of(
        "--dynamic-config-value", "system.enableDeploymentVersions=true",
        "--dynamic-config-value", "matching.wv.VersionDrainageStatusRefreshInterval=\"2s\"",
        "--dynamic-config-value", "matching.wv.VersionDrainageStatusVisibilityGracePeriod=\"2s\""));
    // SQLite as `remediator dev` runs it (WAL, synced at checkpoints): the crash tests kill -9 this server, so they
    // prove a commit survives it. A test that names its own pragmas replaces these.
    if (!extra.contains("--sqlite-pragma")) {
      c.addAll(TemporalDevServer.SQLITE_PRAGMAS);
    }
    c.addAll(extra);
    return c;
  }

  /** True once the frontend at {@code address} answers {@code GetSystemInfo}. */
  static boolean serving(String address) {
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    try {
      stubs.blockingStub().withDeadlineAfter(1, TimeUnit.SECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return true;
    } catch (RuntimeException e) {
      return false;
    } finally {
      stubs.shutdownNow();
    }
  }
}
