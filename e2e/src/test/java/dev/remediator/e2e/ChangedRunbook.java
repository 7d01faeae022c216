package dev.remediator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Build B's runbook for {@link WorkerVersioningIT}: the connection-pool runbook of the jar under test with a new step
 * order — its immediate response reads the workload (pool settings, application logs) before it probes /health and
 * /ready, two independent steps swapped. The change is the source of {@code PoolRunbook} transformed here, compiled
 * against the jar into a directory that comes first on B's class path ({@link Stack#startVersionedWorker(String,
 * String, String, Path)}); the product has no switch for it. Like every change of workflow commands it is behind
 * {@code Workflow.getVersion(CHANGE_ID, DEFAULT_VERSION, 1)}: a history recorded by build A replays the old order on
 * B (what makes moving an incident to B with a versioning override safe), new incidents on B take the new one.
 */
final class ChangedRunbook {
  static final String CHANGE_ID = "e2e-workload-before-probes";
  /** The activity types of the two swapped steps, as histories name them. */
  static final String PROBES = "Probe";
  static final String WORKLOAD = "PoolSettings";

  /** The lines of {@code PoolRunbook} the transformation replaces: the start of the immediate response. */
  static final String ORIGINAL = """
        private void assessCurrentImpact() {
          checkServiceHealth();
          try {
      """;

  private static final String CHANGED = """
        private void assessCurrentImpact() {
          // Build B (WorkerVersioningIT): the workload is read before the probes; older histories keep their order.
          if (Workflow.getVersion("%s", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
            checkServiceHealth();
            readWorkload();
            return;
          }
          readWorkload();
          checkServiceHealth();
        }

        private void readWorkload() {
          try {
      """.formatted(CHANGE_ID);

  /** {@code PoolRunbook.java} of the checkout the jar under test was built from. */
  static final Path SOURCE = RemediatorProcess.JAR.getParent().getParent().getParent()
      .resolve("workflows/src/main/java/dev/remediator/runbook/dbpool/PoolRunbook.java");

  private ChangedRunbook() {}

  /** The changed source; fails the scenario if the lines it changes are no longer in it (exactly once). */
  static String transform(String source) {
    int at = source.indexOf(ORIGINAL);
    assertThat(at).as("%s no longer starts the immediate response with these lines; update ChangedRunbook.ORIGINAL"
        + " to keep build B's change meaningful:%n%s", SOURCE, ORIGINAL).isNotNegative();
    assertThat(source.indexOf(ORIGINAL, at + 1)).as("the lines B changes occur once in %s", SOURCE).isNegative();
    assertThat(source).as("PoolRunbook imports Workflow").contains("import io.temporal.workflow.Workflow;");
    return source.substring(0, at) + CHANGED + source.substring(at + ORIGINAL.length());
  }

  /** Compiles the changed {@code PoolRunbook} against the jar under test; returns the classes directory. */
  static Path compile(Path dir) throws IOException {
    Path src = dir.resolve("src/dev/remediator/runbook/dbpool/PoolRunbook.java");
    Path classes = dir.resolve("classes");
    Files.createDirectories(src.getParent());
    Files.createDirectories(classes);
    Files.writeString(src, transform(Files.readString(SOURCE, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("a JDK's compiler (the test JVM is a JRE)").isNotNull();
    StringWriter out = new StringWriter();
    try (var files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
      boolean ok = javac.getTask(out, files, null,
          List.of("--release", "17", "-proc:none", "-implicit:none", "-nowarn", "-classpath",
              RemediatorProcess.JAR.toString(), "-d", classes.toString()),
          null, files.getJavaFileObjects(src.toFile())).call();
      assertThat(ok).as("the changed PoolRunbook compiles against the jar:%n%s", out).isTrue();
    }
    assertThat(classes.resolve("dev/remediator/runbook/dbpool/PoolRunbook.class")).exists();
    return classes;
  }

  /** True if the activity types (in the order the run scheduled them) probe before they read the workload. */
  static boolean probesFirst(List<String> activityTypes) {
    int probes = activityTypes.indexOf(PROBES);
    int workload = activityTypes.indexOf(WORKLOAD);
    assertThat(probes).as("a %s activity in %s", PROBES, activityTypes).isNotNegative();
    assertThat(workload).as("a %s activity in %s", WORKLOAD, activityTypes).isNotNegative();
    return probes < workload;
  }
}
