package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code remediator dev} as an operator runs it (the shaded jar, a separate process) on the real dev server: it
 * prints the Web UI and each incident's link; stopped (SIGTERM) and started again on the same state directory, it
 * still has the open incident — the same run; killed with SIGKILL, it leaves no Temporal server behind.
 */
class DevCommandIT {
  private static final String TOKEN = "dev-it-webhook-token-0123456789";
  private static final Pattern STARTED =
      Pattern.compile("incident dbpool:prod:auth-service:authdb started: (http://127\\.0\\.0\\.1:\\d+)(/\\S+)");
  private static final Pattern OPEN =
      Pattern.compile("open incident dbpool:prod:auth-service:authdb\\s+(http://127\\.0\\.0\\.1:\\d+)(/\\S+)");
  private static final Pattern TEMPORAL = Pattern.compile("Temporal  (127\\.0\\.0\\.1:\\d+)");
  private static final Duration START = Duration.ofSeconds(120);

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  @Test
  void openIncidentsSurviveARestartOfDevAndNothingOutlivesIt() throws Exception {
    Prerequisites.temporalCli();
    Path jar = Path.of(System.getProperty("remediator.jar", "target/remediator.jar"));
    assertThat(jar).as("the shaded jar (mvn package)").exists();
    Path config = config();
    Path state = dir.resolve("state");
    int receiverPort = FreePorts.next();

    Dev first = Dev.start(started, jar, config, state, receiverPort, dir.resolve("dev-1.log"));
    first.await("Ctrl-C to stop");
    assertThat(first.output()).contains("Web UI    http://127.0.0.1:").contains("Temporal dev server, state in");
    HttpResponse<String> fired = fire(receiverPort);
    assertThat(fired.statusCode()).as(fired.body()).isEqualTo(200);
    Matcher link = first.await(STARTED);
    String incidentPath = link.group(2);
    assertThat(incidentPath).startsWith("/namespaces/default/workflows/dbpool%3Aprod%3Aauth-service%3Aauthdb/");
    HttpResponse<String> page = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(link.group(1) + incidentPath)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).as("the UI serves the link").isEqualTo(200);

    List<ProcessHandle> firstServer = first.process.descendants().toList();
    first.process.destroy(); // SIGTERM, as Ctrl-C
    assertThat(first.process.waitFor(60, TimeUnit.SECONDS)).as("dev stops").isTrue();
    assertThat(firstServer).as("its Temporal server").isNotEmpty().noneMatch(ProcessHandle::isAlive);

    Dev second = Dev.start(started, jar, config, state, receiverPort, dir.resolve("dev-2.log"));
    Matcher open = second.await(OPEN);
    assertThat(open.group(2)).as("the same incident, the same run").isEqualTo(incidentPath);
    second.await("Ctrl-C to stop");

    List<ProcessHandle> secondServer = second.process.descendants().toList();
    second.process.destroyForcibly(); // SIGKILL: no shutdown hook
    await("the Temporal server stops once dev is gone").atMost(Duration.ofSeconds(30))
        .until(() -> secondServer.stream().noneMatch(ProcessHandle::isAlive));
  }

  /**
   * Issue 27: the dev server killed with SIGKILL under a running {@code dev}. Dev says so at once in one line,
   * starts it again on the same database (the incident is the same open run, its query answered by the worker),
   * and the outage costs one log line per change of Temporal's reachability, no poller stack traces.
   */
  @Test
  void aKilledTemporalServerIsRestartedOnTheSameDatabaseWithOneLinePerChange() throws Exception {
    Prerequisites.temporalCli();
    Path jar = Path.of(System.getProperty("remediator.jar", "target/remediator.jar"));
    assertThat(jar).as("the shaded jar (mvn package)").exists();
    Path config = config();
    int receiverPort = FreePorts.next();
    Dev dev = Dev.start(started, jar, config, dir.resolve("state"), receiverPort, dir.resolve("dev.log"));
    dev.await("Ctrl-C to stop");
    String address = dev.await(TEMPORAL).group(1);
    assertThat(fire(receiverPort).statusCode()).isEqualTo(200);
    String incidentPath = dev.await(STARTED).group(2);
    String[] segments = incidentPath.split("/"); // .../workflows/<id>/<run id>/history
    String runId = segments[segments.length - 2];

    ProcessHandle server = temporalServer(dev.process);
    int before = dev.output().length();
    server.destroyForcibly(); // SIGKILL
    await("dev says at once that its server died").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> dev.output().substring(before).contains("the Temporal dev server exited (killed by SIGKILL)"));
    dev.await("the Temporal dev server is back on " + address + " with the same database");
    dev.await("Temporal at " + address + " is reachable again");
    ProcessHandle restarted = temporalServer(dev.process);
    assertThat(restarted.pid()).as("a new server").isNotEqualTo(server.pid());
    assertThat(server.isAlive()).isFalse();

    // The same open incident, the same run; the worker answers its query (saying "worker reconnecting" at most).
    Cli show = Cli.run(jar, "show", "dbpool:prod:auth-service:authdb", "--address", address, "-o", "json",
        "--timeout", "20");
    assertThat(show.exitCode()).as(show.stderr()).isZero();
    com.fasterxml.jackson.databind.JsonNode shown = new com.fasterxml.jackson.databind.ObjectMapper().readTree(show.stdout());
    assertThat(shown.get("execution").asText()).isEqualTo("RUNNING");
    assertThat(shown.get("runId").asText()).as("the same run").isEqualTo(runId);
    assertThat(show.stderr().lines().filter(l -> !l.startsWith("worker reconnecting: "))).isEmpty();
    assertThat(dev.process.isAlive()).isTrue();

    String outage = dev.output().substring(before);
    assertThat(outage.lines().filter(l -> l.contains("the Temporal dev server exited"))).hasSize(1);
    assertThat(outage.lines().filter(l -> l.contains("is unreachable"))).as(outage).hasSize(1);
    assertThat(outage.lines().filter(l -> l.contains("is reachable again"))).as(outage).hasSize(1);
    assertThat(outage).as("no per-poll failures").doesNotContain("Failure in poller thread")
        .doesNotContain("StatusRuntimeException");

    List<ProcessHandle> tree = dev.process.descendants().toList();
    dev.process.destroy();
    assertThat(dev.process.waitFor(60, TimeUnit.SECONDS)).as("dev stops").isTrue();
    assertThat(tree).as("its Temporal server").isNotEmpty().noneMatch(ProcessHandle::isAlive);
  }

  /**
   * Issue 27: right after Temporal (re)started no worker is listed on the task queue yet. {@code show} says "worker
   * reconnecting" and waits for it within --timeout, instead of failing with "no worker is polling".
   */
  @Test
  void showSaysWorkerReconnectingAndWaitsForTheWorkerAfterARestart() throws Exception {
    Path cli = Prerequisites.temporalCli();
    Path jar = Path.of(System.getProperty("remediator.jar", "target/remediator.jar"));
    assertThat(jar).as("the shaded jar (mvn package)").exists();
    Path config = config();
    Path state = dir.resolve("state");
    int receiverPort = FreePorts.next();
    Dev dev = Dev.start(started, jar, config, state, receiverPort, dir.resolve("dev.log"));
    dev.await("Ctrl-C to stop");
    assertThat(fire(receiverPort).statusCode()).isEqualTo(200);
    dev.await(STARTED);
    dev.process.destroy();
    assertThat(dev.process.waitFor(60, TimeUnit.SECONDS)).as("dev stops").isTrue();

    // The same database on a fresh server: the incident is open, no worker has polled this server yet.
    try (TemporalDevServer server = TemporalDevServer.start(cli, state, 0, 0, START)) {
      Process show = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
              "show", "dbpool:prod:auth-service:authdb", "--address", server.address(), "-o", "json",
              "--timeout", "30")
          .redirectError(dir.resolve("show.err").toFile())
          .redirectOutput(dir.resolve("show.out").toFile())
          .start();
      started.add(show);
      long t0 = System.nanoTime();
      await("show says it waits for the worker").atMost(Duration.ofSeconds(25))
          .until(() -> Files.readString(dir.resolve("show.err")).contains("worker reconnecting: ") || !show.isAlive());
      assertThat(show.isAlive()).as("show waits; it said: " + Files.readString(dir.resolve("show.err"))).isTrue();

      ProcessBuilder workerCommand = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
              "worker", "-c", config.toString(), "--metrics-port", "0")
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("worker.log").toFile());
      workerCommand.environment().put("TEMPORAL_ADDRESS", server.address());
      Process worker = workerCommand.start();
      started.add(worker);
      assertThat(show.waitFor(40, TimeUnit.SECONDS)).isTrue();
      double seconds = (System.nanoTime() - t0) / 1e9;
      String err = Files.readString(dir.resolve("show.err"));
      assertThat(show.exitValue()).as(err).isZero();
      assertThat(err.lines().toList()).as("one line about the wait, nothing else").hasSize(1);
      assertThat(err).containsPattern("waiting up to \\d+ s for one \\(--timeout 30 s\\)");
      assertThat(seconds).as("within --timeout").isLessThan(31);
      com.fasterxml.jackson.databind.JsonNode shown =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(dir.resolve("show.out")));
      assertThat(shown.get("execution").asText()).isEqualTo("RUNNING");
      worker.destroy();
      worker.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** The {@code temporal server start-dev} process under {@code dev}. */
  private static ProcessHandle temporalServer(Process dev) {
    List<ProcessHandle> servers = dev.descendants()
        .filter(h -> h.info().command().orElse("").endsWith("temporal")
            && h.info().arguments().map(a -> List.of(a).contains("start-dev")).orElse(false))
        .toList();
    assertThat(servers).as("the Temporal server under dev").hasSize(1);
    return servers.get(0);
  }

  /** An operator verb run from the shaded jar. */
  private record Cli(int exitCode, String stdout, String stderr) {
    static Cli run(Path jar, String... args) throws Exception {
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
      command.addAll(List.of(args));
      Process p = new ProcessBuilder(command).start();
      java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          return e.toString();
        }
      });
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      return new Cli(p.exitValue(), out, err.get());
    }
  }

  /** One target whose database and endpoints do not answer: the incident stays open, retrying. */
  private Path config() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), TOKEN);
    return Files.writeString(dir.resolve("remediator.yaml"), """
        receiver:
          tokenFile: "%s"
        targets:
          - service: auth-service
            namespace: prod
            database: authdb
            postgres:
              url: jdbc:postgresql://127.0.0.1:1/authdb
              user: remediator
              applicationRoles: [auth_service]
            kubernetes:
              deployment: auth-service
              container: auth-service
              podSelector: app=auth-service
            endpoints:
              health: http://127.0.0.1:1/health
              ready: http://127.0.0.1:1/ready
        """.formatted(token));
  }

  private static HttpResponse<String> fire(int port) throws Exception {
    byte[] body;
    try (InputStream in = DevCommandIT.class.getResourceAsStream("/alertmanager/firing-critical.json")) {
      body = in.readAllBytes();
    }
    return HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/alertmanager"))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A running {@code remediator dev}, its output collected (and copied to a log file). */
  private record Dev(Process process, StringBuffer out) {
    static Dev start(List<Process> started, Path jar, Path config, Path state, int receiverPort, Path log)
        throws Exception {
      Process p = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
              "dev", "-c", config.toString(), "--temporal=cli", "--state-dir", state.toString(),
              "--temporal-port", "0", "--port", Integer.toString(receiverPort))
          .redirectErrorStream(true)
          .start();
      started.add(p);
      StringBuffer out = new StringBuffer();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            out.append(line).append('\n');
            Files.writeString(log, line + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
          }
        } catch (Exception e) {
          // the process ended
        }
      }, "dev-output");
      reader.setDaemon(true);
      reader.start();
      return new Dev(p, out);
    }

    String output() {
      return out.toString();
    }

    void await(String text) {
      org.awaitility.Awaitility.await("dev prints: " + text).atMost(START).pollInterval(Duration.ofMillis(200))
          .until(() -> output().contains(text) || !process.isAlive());
      assertThat(output()).as("dev's output").contains(text);
    }

    Matcher await(Pattern pattern) {
      org.awaitility.Awaitility.await("dev prints: " + pattern).atMost(START).pollInterval(Duration.ofMillis(200))
          .until(() -> pattern.matcher(output()).find() || !process.isAlive());
      Matcher m = pattern.matcher(output());
      assertThat(m.find()).as("dev's output:\n" + output()).isTrue();
      return m;
    }
  }
}
