package dev.remediator.bench;

import dev.remediator.demo.Demo;
import dev.remediator.launcher.Remediator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The operator CLI as a user runs it, timed from the outside: a new process per verb, JVM start included. Through
 * the {@code ./remediator} script (its AppCDS archive and JIT flags) when this benchmark runs from the script's jar
 * and the jar is current; otherwise {@code java -cp} with the script's flags but no archive (AppCDS needs a jar), and
 * the report says which.
 */
final class Cli {
  /** The flags {@code ./remediator} gives short verbs (besides the archive). */
  static final List<String> SHORT_VERB_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  /** One process: wall time, user + system CPU time (NaN where /usr/bin/time is missing), exit code, stderr. */
  record Run(double millis, double cpuMillis, int exit, String err) {}

  record Runs(List<Run> runs) {
    double median() {
      return DevServerBench.percentile(runs.stream().mapToDouble(Run::millis).toArray(), 50);
    }

    double p90() {
      return DevServerBench.percentile(runs.stream().mapToDouble(Run::millis).toArray(), 90);
    }

    double min() {
      return runs.stream().mapToDouble(Run::millis).min().orElse(Double.NaN);
    }

    /** Median CPU time (user + system, all threads). */
    double cpu() {
      return DevServerBench.percentile(runs.stream().mapToDouble(Run::cpuMillis).toArray(), 50);
    }

    String summary() {
      String cpu = Double.isNaN(cpu()) ? "" : String.format(Locale.ROOT, ", CPU %.0f ms", cpu());
      return runs.size() == 1
          ? String.format(Locale.ROOT, "%.0f ms%s", runs.get(0).millis(), cpu)
          : String.format(Locale.ROOT, "median %.0f ms, p90 %.0f ms, min %.0f ms%s (%d runs)", median(), p90(), min(),
              cpu, runs.size());
    }

    String exits() {
      return runs.stream().map(r -> Integer.toString(r.exit())).distinct().collect(Collectors.joining("/"));
    }

    /** "; exit N: stderr" of the first run that did not exit 0, or "". */
    String firstError() {
      return runs.stream().filter(r -> r.exit() != 0).findFirst()
          .map(r -> "; exit " + r.exit() + ": " + r.err().replace('\n', ' ').replace("|", "/"))
          .orElse("");
    }

    boolean allExit(int code) {
      return !runs.isEmpty() && runs.stream().allMatch(r -> r.exit() == code);
    }
  }

  private final String address;
  private final Path cdsDir;
  private final Path script;
  private final String why;
  /** TEMPORAL_HTTP_ADDRESS of the verbs, or null (gRPC). */
  private final String httpAddress;

  private Cli(Cli over, String httpAddress) {
    this.address = over.address;
    this.cdsDir = over.cdsDir;
    this.script = over.script;
    this.why = over.why;
    this.httpAddress = httpAddress;
  }

  /** The same verbs over Temporal's HTTP API ({@code TEMPORAL_HTTP_ADDRESS=httpAddress}). */
  Cli overHttp(String httpAddress) {
    return new Cli(this, httpAddress);
  }

  Cli(String address, Path home) throws IOException {
    this.address = address;
    this.cdsDir = home.resolve("cds");
    Path jar = jar();
    Path found = null;
    String reason;
    if (jar == null) {
      reason = "not run from the jar";
    } else {
      // demo/target/remediator-demo.jar (bench's jar takes the launcher from it): the script runs the verbs from
      // launcher/target/remediator.jar of the same clone.
      Path root = jar.toAbsolutePath().getParent().getParent().getParent();
      Path candidate = root.resolve("remediator");
      Path product = root.resolve(Path.of("launcher", "target", "remediator.jar"));
      if (!Files.isExecutable(candidate) || !Files.isRegularFile(product)) {
        reason = "no ./remediator script and launcher/target/remediator.jar beside the jar";
      } else if (stale(root, product)) {
        reason = "the jar is older than the sources: the script would rebuild it";
      } else {
        found = candidate;
        reason = null;
      }
    }
    this.script = found;
    this.why = reason;
    this.httpAddress = null;
  }

  String describe() {
    return script != null
        ? "`./remediator`: AppCDS archive + " + String.join(" ", SHORT_VERB_FLAGS)
        : "`java -cp` with " + String.join(" ", SHORT_VERB_FLAGS) + ", no AppCDS archive (" + why + ")";
  }

  /** The JVM running this benchmark, with its class path, at {@link Remediator}. */
  static List<String> javaCommand() {
    return List.of(java(), "-cp", System.getProperty("java.class.path"), Remediator.class.getName());
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** A verb as the user runs it (see the class comment). */
  Runs user(int n, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    if (script != null) {
      command.add(script.toString());
    } else {
      command.add(java());
      command.addAll(SHORT_VERB_FLAGS);
      command.addAll(javaCommand().subList(1, 4));
    }
    command.addAll(Arrays.asList(args));
    return times(n, command);
  }

  /** The first verb after a build: it makes the archive at exit (an empty archive directory first). */
  Runs firstUse(String... args) throws Exception {
    Demo.deleteTree(cdsDir);
    return user(1, args);
  }

  /** {@code java -cp ... Remediator args}: no archive, the default JIT. */
  Runs plain(int n, String... args) throws Exception {
    List<String> command = new ArrayList<>(javaCommand());
    command.addAll(Arrays.asList(args));
    return times(n, command);
  }

  /** One run of a verb and the gRPC calls it made. */
  record Counted(Run run, String calls) {}

  /**
   * One run of a verb, with the gRPC calls it made as the server's frontend counted them ({@code metricsUrl}: its
   * Prometheus endpoint): unlike the wall time, load does not change this. The calls of everything else talking to the
   * server meanwhile would count too: the bench sends nothing then, and a worker's own calls are left out.
   */
  Counted counted(String metricsUrl, String... args) throws Exception {
    java.time.Duration quiet = java.time.Duration.ofMillis(2500);
    Map<String, Double> before = ServerCounters.settledFrontendRequests(metricsUrl, quiet);
    Run run = user(1, args).runs().get(0);
    Map<String, Double> after = ServerCounters.settledFrontendRequests(metricsUrl, quiet);
    return new Counted(run, ServerCounters.describeCalls(ServerCounters.clientCalls(before, after)));
  }

  Runs javaVersion(int n) throws Exception {
    return times(n, List.of(java(), "-version"));
  }

  private Runs times(int n, List<String> command) throws Exception {
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      runs.add(once(command, null));
    }
    return new Runs(runs);
  }

  private static final Path TIME = Path.of("/usr/bin/time");

  private Run once(List<String> command, Path stdout) throws Exception {
    Path cpu = Files.isExecutable(TIME) ? Files.createTempFile("remediator-bench-cpu-", ".txt") : null;
    if (cpu != null) {
      List<String> timed = new ArrayList<>(List.of(TIME.toString(), "-f", "%U %S", "-o", cpu.toString()));
      timed.addAll(command);
      command = timed;
    }
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("TEMPORAL_ADDRESS", address);
    if (httpAddress != null) {
      pb.environment().put("TEMPORAL_HTTP_ADDRESS", httpAddress);
    } else {
      pb.environment().remove("TEMPORAL_HTTP_ADDRESS");
    }
    pb.environment().put("REMEDIATOR_CDS_DIR", cdsDir.toString());
    pb.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(stdout.toFile()));
    long t = System.nanoTime();
    Process p = pb.start();
    byte[] err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    double millis = (System.nanoTime() - t) / 1e6;
    double cpuMillis = Double.NaN;
    if (cpu != null) {
      try {
        List<String> lines = Files.readAllLines(cpu);
        String[] f = lines.get(lines.size() - 1).trim().split(" ");
        cpuMillis = (Double.parseDouble(f[0]) + Double.parseDouble(f[1])) * 1000;
      } catch (IOException | RuntimeException e) {
        // no figure
      } finally {
        Files.deleteIfExists(cpu);
      }
    }
    String text = new String(err, StandardCharsets.UTF_8).strip();
    return new Run(millis, cpuMillis, p.isAlive() ? -1 : p.exitValue(),
        text.length() > 300 ? text.substring(0, 300) : text);
  }

  /** The AppCDS archive the script made for this JDK and this path (gRPC or HTTP), if any. */
  private Optional<Path> archive() throws java.io.IOException {
    if (!Files.isDirectory(cdsDir)) {
      return Optional.empty();
    }
    try (var files = Files.list(cdsDir)) {
      // The script keeps one archive per path: the verbs over HTTP have their own (-http.jsa).
      return files.filter(p -> p.toString().endsWith(".jsa")
          && p.toString().endsWith("-http.jsa") == (httpAddress != null)).findFirst();
    }
  }

  /** The script's flags for mapping the archive (quietly, without relocation). */
  private static List<String> archiveFlags(Path archive) {
    return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
        "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");
  }

  /**
   * One run of the verb with {@code -Xlog:class+load} and the script's flags (and archive, if made): when the JVM
   * reached {@code main}, how many classes came from the archive and from the jar, and when each library loaded.
   */
  String classLoadProfile(Path home, String... args) throws Exception {
    Path log = home.resolve("class-load.log");
    List<String> command = new ArrayList<>();
    command.add(java());
    command.addAll(SHORT_VERB_FLAGS);
    Optional<Path> archive = archive();
    archive.ifPresent(a -> command.addAll(archiveFlags(a)));
    command.add("-Xlog:class+load:file=" + log + ":uptime");
    command.addAll(javaCommand().subList(1, 4));
    command.addAll(Arrays.asList(args));
    Run run = once(command, null);
    return summarizeClassLoading(Files.readAllLines(log), run.millis(), archive.isPresent());
  }

  /**
   * One run of the verb under JFR ({@code profile} settings) with the script's flags and archive: the share of CPU
   * samples whose stack holds class loading, static initializers, each library. JFR itself adds to the start.
   */
  String jfrProfile(Path home, String... args) throws Exception {
    Path jfr = home.resolve("verb.jfr");
    List<String> command = new ArrayList<>();
    command.add(java());
    command.addAll(SHORT_VERB_FLAGS);
    Optional<Path> archive = archive();
    archive.ifPresent(a -> command.addAll(archiveFlags(a)));
    command.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
    command.add("-Xlog:jfr+startup=off");
    command.addAll(javaCommand().subList(1, 4));
    command.addAll(Arrays.asList(args));
    Run run = once(command, null);
    if (!Files.isRegularFile(jfr)) {
      return "(no recording: " + run.err() + ")\n";
    }
    return String.format(Locale.ROOT, "- wall time of this run %.0f ms (JFR included)%n", run.millis())
        + stackShares(jfr) + "\nBy thread:\n\n" + Bench.hotThreads(jfr, 6);
  }

  /** Share of execution samples whose stack holds each kind of frame (a sample may count in several). */
  static String stackShares(Path jfr) throws IOException {
    Map<String, java.util.function.Predicate<String>> kinds = new LinkedHashMap<>();
    kinds.put("class loading (`ClassLoader.loadClass`, define, link)",
        f -> f.contains("ClassLoader.loadClass") || f.contains("ClassLoader.defineClass")
            || f.contains("Class.forName"));
    kinds.put("static initializers (`<clinit>`)", f -> f.endsWith(".<clinit>"));
    kinds.put("picocli (parsing, the command model)", f -> f.startsWith("picocli."));
    kinds.put("gRPC / netty (channel, calls)", f -> f.startsWith("io.grpc."));
    kinds.put("protobuf (descriptors, messages)", f -> f.startsWith("com.google.protobuf.")
        || f.startsWith("io.temporal.api."));
    kinds.put("Jackson", f -> f.startsWith("com.fasterxml.jackson."));
    kinds.put("Temporal SDK (client, stubs, data converter)", f -> f.startsWith("io.temporal.")
        && !f.startsWith("io.temporal.api."));
    kinds.put("Remediator code", f -> f.startsWith("dev.remediator."));
    Map<String, Integer> counts = new LinkedHashMap<>();
    kinds.keySet().forEach(k -> counts.put(k, 0));
    int total = 0;
    for (jdk.jfr.consumer.RecordedEvent e : jdk.jfr.consumer.RecordingFile.readAllEvents(jfr)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
        continue;
      }
      total++;
      List<String> frames = e.getStackTrace().getFrames().stream()
          .map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName()).toList();
      for (var k : kinds.entrySet()) {
        if (frames.stream().anyMatch(k.getValue())) {
          counts.merge(k.getKey(), 1, Integer::sum);
        }
      }
    }
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "- %d CPU samples (Java code only; the JIT"
        + " compiler and GC threads are not sampled)%n", total));
    for (var c : counts.entrySet()) {
      if (total > 0) {
        b.append(String.format(Locale.ROOT, "- %.0f %% %s%n", c.getValue() * 100.0 / total, c.getKey()));
      }
    }
    return b.toString();
  }

  private static final Pattern LINE = Pattern.compile("^\\[(\\d+\\.\\d+)s\\]\\[?[^ ]*\\s*(\\S+) source: (.*)$");

  /** The class-load log as a Markdown list. */
  static String summarizeClassLoading(List<String> lines, double wallMillis, boolean archive) {
    Map<String, double[]> groups = new LinkedHashMap<>(); // name -> {count, first, last}
    for (String g : List.of("java/jdk/sun (JDK)", "picocli", "dev.remediator", "com.fasterxml.jackson", "io.grpc",
        "io.temporal.api (protobuf messages)", "com.google.protobuf", "com.google.common", "io.temporal (SDK)",
        "other")) {
      groups.put(g, new double[] {0, Double.NaN, Double.NaN});
    }
    int total = 0;
    int shared = 0;
    double main = Double.NaN;
    double last = 0;
    for (String l : lines) {
      Matcher m = LINE.matcher(l);
      if (!m.find()) {
        continue;
      }
      double t = Double.parseDouble(m.group(1)) * 1000;
      String name = m.group(2);
      total++;
      if (m.group(3).startsWith("shared objects file")) {
        shared++;
      }
      if (Double.isNaN(main) && name.startsWith("dev.remediator.launcher.Remediator")) {
        main = t;
      }
      last = Math.max(last, t);
      double[] g = groups.get(group(name));
      g[0]++;
      g[1] = Double.isNaN(g[1]) ? t : g[1];
      g[2] = t;
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "- wall time of this run %.0f ms (with the logging); `main` reached at %.0f ms;"
        + " last class loaded at %.0f ms%n", wallMillis, main, last));
    b.append(String.format(Locale.ROOT, "- %d classes loaded, %d of them from the %s%n", total, shared,
        archive ? "AppCDS archive (the rest from the jar or the JDK's own archive)" : "JDK's default CDS archive"));
    for (var e : groups.entrySet()) {
      double[] g = e.getValue();
      if (g[0] > 0) {
        b.append(String.format(Locale.ROOT, "- %s: %d classes, loading from %.0f to %.0f ms%n", e.getKey(),
            (int) g[0], g[1], g[2]));
      }
    }
    return b.toString();
  }

  private static String group(String name) {
    if (name.startsWith("java.") || name.startsWith("jdk.") || name.startsWith("sun.") || name.startsWith("javax.")
        || name.startsWith("com.sun.")) {
      return "java/jdk/sun (JDK)";
    }
    for (String p : List.of("picocli", "dev.remediator", "com.fasterxml.jackson", "io.grpc", "com.google.protobuf",
        "com.google.common")) {
      if (name.startsWith(p)) {
        return p;
      }
    }
    if (name.startsWith("io.temporal.api")) {
      return "io.temporal.api (protobuf messages)";
    }
    if (name.startsWith("io.temporal")) {
      return "io.temporal (SDK)";
    }
    return "other";
  }

  /** The jar this code runs from, or null (classes directories in a test). */
  private static Path jar() {
    try {
      Path p = Path.of(Remediator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** As the script decides: a pom or a main source newer than the jar. */
  private static boolean stale(Path root, Path jar) throws IOException {
    long built = Files.getLastModifiedTime(jar).toMillis();
    List<Path> roots = new ArrayList<>(List.of(root.resolve("pom.xml")));
    try (Stream<Path> modules = Files.list(root)) {
      modules.filter(Files::isDirectory).forEach(m -> {
        roots.add(m.resolve("pom.xml"));
        roots.add(m.resolve("src").resolve("main"));
      });
    }
    for (Path r : roots) {
      if (!Files.exists(r)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(r)) {
        if (files.anyMatch(f -> {
          try {
            return Files.getLastModifiedTime(f).toMillis() > built;
          } catch (IOException e) {
            return false;
          }
        })) {
          return true;
        }
      }
    }
    return false;
  }
}
