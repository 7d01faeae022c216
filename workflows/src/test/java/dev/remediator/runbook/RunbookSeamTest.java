package dev.remediator.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 15's "done when": adding a runbook touches no generic class beyond registering it. No main source outside a
 * runbook's own package ({@code dev/remediator/runbook/<name>/}, in any module) and its activity implementations
 * names a runbook's identifiers; the registries ({@code registry.Runbooks}, {@code ActionType},
 * {@code RunbookActivities}) are where registering them is allowed. Reads the sources of the modules beside this
 * one (workflows, activities, worker, starter); launcher assembles the runbooks' demos and is not a seam.
 */
class RunbookSeamTest {
  /** Each runbook's identifiers (besides the public types its package declares), as regular expressions. */
  static final Map<String, List<String>> IDENTIFIERS = Map.of(
      "dbpool", List.of("\\bdbpool\\b", "DatabaseConnectionPool(High|Critical)"),
      "servicedown", List.of("(?i)service ?down", "(?i)rollback", "badRolloutAge", "Workload",
          "KubePodCrashLooping"),
      "dbperf", List.of("\\bdbperf\\b",
          "Postgres(LockWaits|LongRunningTransaction|Deadlocks|HighRollbackRate|DeadTuplesHigh)"));

  /**
   * A runbook's activity implementations, outside its package (module-relative paths; one ending in {@code /} is a
   * package of them).
   */
  static final Map<String, List<String>> ACTIVITIES = Map.of(
      "dbpool", List.of(
          "activities/src/main/java/dev/remediator/kubernetes/dbpool/PoolSizeActivitiesImpl.java",
          "activities/src/main/java/dev/remediator/postgres/DatabaseActivitiesImpl.java",
          "activities/src/main/java/dev/remediator/postgres/RootCauseHint.java",
          "activities/src/main/java/dev/remediator/postgres/SnapshotQuery.java",
          "activities/src/main/java/dev/remediator/postgres/SimilarPoolScan.java"),
      "servicedown", List.of(
          "activities/src/main/java/dev/remediator/kubernetes/servicedown/WorkloadActivitiesImpl.java",
          "activities/src/main/java/dev/remediator/kubernetes/servicedown/TemplateDiff.java",
          "activities/src/main/java/dev/remediator/kubernetes/servicedown/CrashLogScan.java",
          "activities/src/main/java/dev/remediator/kubernetes/servicedown/SimilarWorkloadScan.java",
          "activities/src/main/java/dev/remediator/incidentlookup/IncidentLookupActivitiesImpl.java"),
      "dbperf", List.of("activities/src/main/java/dev/remediator/postgres/dbperf/"));

  /** The catalogues: registering a runbook, its action kinds, its activities. */
  static final List<String> REGISTRIES = List.of(
      "workflows/src/main/java/dev/remediator/registry/Runbooks.java",
      "workflows/src/main/java/dev/remediator/incident/ActionType.java",
      "worker/src/main/java/dev/remediator/worker/RunbookActivities.java");

  static final List<String> MODULES = List.of("workflows", "activities", "worker", "starter");

  @Test
  void genericClassesNameNoRunbook() throws IOException {
    Path root = projectRoot();
    Path runbooks = root.resolve("workflows/src/main/java/dev/remediator/runbook");
    List<String> problems = new ArrayList<>();
    for (String runbook : IDENTIFIERS.keySet()) {
      assertThat(runbooks.resolve(runbook)).as("runbook package " + runbook).isDirectory();
      List<Pattern> patterns = new ArrayList<>();
      IDENTIFIERS.get(runbook).forEach(p -> patterns.add(Pattern.compile(p)));
      publicTypes(runbooks.resolve(runbook)).forEach(t -> patterns.add(Pattern.compile("\\b" + t + "\\b")));
      for (String module : MODULES) {
        for (Path file : sources(root.resolve(module + "/src/main/java"))) {
          String rel = root.relativize(file).toString().replace('\\', '/');
          if (rel.contains("/dev/remediator/runbook/") && !rel.matches(".*/dev/remediator/runbook/[^/]+\\.java")
              || REGISTRIES.contains(rel) || ACTIVITIES.getOrDefault(runbook, List.of()).stream()
                  .anyMatch(a -> a.endsWith("/") ? rel.startsWith(a) : a.equals(rel))) {
            continue;
          }
          List<String> lines = Files.readAllLines(file);
          for (int i = 0; i < lines.size(); i++) {
            for (Pattern p : patterns) {
              Matcher m = p.matcher(lines.get(i));
              if (m.find()) {
                problems.add(rel + ":" + (i + 1) + ": names " + runbook + "'s '" + m.group() + "'");
              }
            }
          }
        }
      }
    }
    assertThat(problems).as("generic classes naming a runbook (move it behind the seam)").isEmpty();
  }

  /** The repository root: the parent of this module's directory (Maven runs tests in the module). */
  static Path projectRoot() {
    Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    assertThat(module.resolve("src/main/java")).as("module sources (run from the workflows module)").isDirectory();
    return module.getParent();
  }

  private static List<Path> sources(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    }
  }

  /** The public types a runbook's package declares (its own vocabulary). */
  private static List<String> publicTypes(Path pkg) throws IOException {
    Pattern declaration = Pattern.compile("^public (?:final |abstract )*(?:class|record|interface|enum) (\\w+)",
        Pattern.MULTILINE);
    List<String> names = new ArrayList<>();
    for (Path f : sources(pkg)) {
      Matcher m = declaration.matcher(read(f));
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
