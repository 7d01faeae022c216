package dev.remediator.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One {@code java -jar remediator.jar ...} OS process of the shaded jar under test (or another program the scenario
 * needs, such as the Temporal CLI's dev server), its output in a log file. No
 * process outlives the test JVM: {@link #close()} stops it, and a shutdown hook kills whatever is left.
 */
final class RemediatorProcess implements AutoCloseable {
  /** The jar under test (failsafe sets {@code remediator.jar}). */
  static final Path JAR =
      Path.of(System.getProperty("remediator.jar", "../launcher/target/remediator.jar")).toAbsolutePath().normalize();

  /** Faster start of short-lived JVMs on 2 cores: C1 only, small stacks, serial GC, a small heap. */
  static final List<String> JVM_OPTIONS =
      List.of("-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:+UseSerialGC", "-Xmx256m", "-Xshare:auto");

  private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  /** A class-data-sharing archive of the jar's classes, once made: every JVM starts about twice as fast. */
  private static volatile Path sharedArchive;

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Process p : LIVE) {
                    p.destroyForcibly();
                  }
                },
                "kill-remediator-processes"));
  }

  private final String name;
  private final Process process;
  private final Path log;

  private RemediatorProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code remediator.jar args...} with {@code env} added to a clean environment; output to {@code log}. */
  static RemediatorProcess start(String name, Path log, Map<String, String> env, List<String> args) {
    return start(name, log, env, args, List.of());
  }

  /** As above, with JVM options of its own (e.g. the class-data dump of the warm-up worker). */
  static RemediatorProcess start(
      String name, Path log, Map<String, String> env, List<String> args, List<String> jvmOptions) {
    ProcessBuilder pb = builder(env, args);
    pb.command().addAll(1, jvmOptions);
    return launch(name, pb, log);
  }

  /**
   * Starts {@code java -cp classesFirst:remediator.jar MAIN args...}: classes compiled at test time shadow the jar's
   * (a changed runbook). No class-data archive: it was made for the jar alone, and the JVM would refuse it.
   */
  static RemediatorProcess startWithClassesFirst(
      String name, Path log, Map<String, String> env, Path classesFirst, List<String> args) {
    ProcessBuilder pb = builder(env, args);
    List<String> command = pb.command();
    command.removeIf(a -> a.startsWith("-XX:SharedArchiveFile="));
    int jar = command.indexOf("-jar");
    command.subList(jar, jar + 2).clear();
    command.addAll(jar, List.of("-cp", classesFirst + java.io.File.pathSeparator + JAR, mainClass()));
    return launch(name, pb, log);
  }

  /** The jar's Main-Class. */
  static String mainClass() {
    try (java.util.jar.JarFile jar = new java.util.jar.JarFile(JAR.toFile())) {
      return jar.getManifest().getMainAttributes().getValue(java.util.jar.Attributes.Name.MAIN_CLASS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest of " + JAR, e);
    }
  }

  /**
   * Starts another program (e.g. {@code temporal server start-dev}) the same way: output to {@code log}, killed with
   * the test JVM at the latest. Its environment is the test JVM's less the developer's Temporal settings.
   */
  static RemediatorProcess startProgram(String name, Path log, List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(key -> key.startsWith("TEMPORAL_"));
    return launch(name, pb, log);
  }

  private static RemediatorProcess launch(String name, ProcessBuilder pb, Path log) {
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    try {
      Files.createDirectories(log.getParent());
      Process p = pb.start();
      LIVE.add(p);
      p.onExit().thenRun(() -> LIVE.remove(p));
      return new RemediatorProcess(name, p, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** The outcome of a CLI verb. */
  record Cli(int exitCode, String stdout, String stderr) {}

  /** Runs a CLI verb to completion (killed after {@code timeout}); stdout and stderr captured apart. */
  static Cli run(Map<String, String> env, Duration timeout, List<String> args) {
    return complete(builder(env, args), timeout, "remediator " + String.join(" ", args));
  }

  /**
   * Runs another program (e.g. the Temporal CLI) to completion the same way; its environment is the test JVM's less
   * the developer's Temporal settings.
   */
  static Cli runProgram(List<String> command, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(key -> key.startsWith("TEMPORAL_"));
    return complete(pb, timeout, String.join(" ", command));
  }

  private static Cli complete(ProcessBuilder pb, Duration timeout, String what) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("remediator-cli-", ".out");
      err = Files.createTempFile("remediator-cli-", ".err");
      pb.redirectOutput(out.toFile());
      pb.redirectError(err.toFile());
      Process p = pb.start();
      LIVE.add(p);
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly().waitFor();
          throw new AssertionError(what + " did not finish within " + timeout
              + "; stderr: " + Files.readString(err));
        }
      } finally {
        LIVE.remove(p);
      }
      return new Cli(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static ProcessBuilder builder(Map<String, String> env, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(JAVA.toString());
    command.addAll(JVM_OPTIONS);
    if (sharedArchive != null) {
      command.add("-XX:SharedArchiveFile=" + sharedArchive);
    }
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> environment = pb.environment();
    // Nothing of the developer's own setup leaks in: no Temporal profile, kubeconfig or Remediator settings.
    for (String key : new HashMap<>(environment).keySet()) {
      if (key.startsWith("TEMPORAL_") || key.startsWith("KUBE") || key.startsWith("REMEDIATOR_")
          || key.equals("JAVA_TOOL_OPTIONS") || key.equals("JDK_JAVA_OPTIONS")) {
        environment.remove(key);
      }
    }
    environment.putAll(env);
    return pb;
  }

  /**
   * Where the class-data-sharing archive of this jar belongs (archives of earlier jars are deleted), or null if it
   * exists already or must not be made ({@code -De2e.noCds=true}). The warm-up worker dumps it at exit.
   */
  static synchronized Path archiveToMake(Path dir) throws IOException {
    if (sharedArchive != null || Boolean.getBoolean("e2e.noCds")) {
      return null;
    }
    Path archive = archiveOf(dir);
    Files.createDirectories(dir);
    try (var old = Files.list(dir)) {
      for (Path p : old.filter(p -> p.toString().endsWith(".jsa") && !p.equals(archive)).toList()) {
        Files.deleteIfExists(p);
      }
    }
    if (Files.exists(archive)) {
      sharedArchive = archive;
      return null;
    }
    return archive;
  }

  /** From now on every process maps the archive, if it was written. */
  static synchronized void useArchive(Path dir) {
    Path archive = archiveOf(dir);
    if (Files.exists(archive)) {
      sharedArchive = archive;
    }
  }

  private static Path archiveOf(Path dir) {
    return dir.resolve("remediator-" + JAR.toFile().length() + "-" + JAR.toFile().lastModified() + ".jsa");
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** {@code kill -9}: no shutdown hook, no graceful anything. */
  void kill() {
    process.destroyForcibly();
    waitForExit(Duration.ofSeconds(10));
  }

  /** SIGTERM, then SIGKILL if it is still there after 15 s. */
  void stop() {
    stop(Duration.ofSeconds(15));
  }

  /** SIGTERM, then SIGKILL if it is still there after {@code grace}. */
  void stop(Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!waitForExit(grace)) {
      kill();
    }
  }

  private boolean waitForExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the output contains {@code line}; fails at once if the process exits first. */
  RemediatorProcess awaitOutput(String line, Duration timeout) {
    await(name + " prints \"" + line + "\"")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              if (output().contains(line)) {
                return true;
              }
              if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before printing \"" + line
                    + "\"; its output:\n" + output());
              }
              return false;
            });
    return this;
  }

  /** How often the output contains {@code text}. */
  int count(String text) {
    String all = output();
    int n = 0;
    for (int at = all.indexOf(text); at >= 0; at = all.indexOf(text, at + text.length())) {
      n++;
    }
    return n;
  }

  @Override
  public void close() {
    stop();
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // a temporary file
      }
    }
  }
}
