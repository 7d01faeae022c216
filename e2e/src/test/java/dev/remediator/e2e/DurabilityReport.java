package dev.remediator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Per scenario: pass/fail, wall time and what the scenario observed ({@link #note}). Written to
 * {@code target/durability-report.md} (or {@code -De2e.report}'s name) after every scenario, and printed when the suite ends.
 */
public final class DurabilityReport implements BeforeTestExecutionCallback, AfterTestExecutionCallback, TestWatcher {
  /** The JUnit listener that prints the table at the end of the run (registered as a service). */
  public static final class Printer implements TestExecutionListener {
    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
      synchronized (ROWS) {
        if (!ROWS.isEmpty()) {
          System.out.println();
          System.out.println(table());
        }
      }
    }
  }

  private record Row(String scenario, String result, double seconds, String notes) {}

  private static final List<Row> ROWS = new ArrayList<>();
  private static final ThreadLocal<List<String>> NOTES = ThreadLocal.withInitial(ArrayList::new);
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DurabilityReport.class);
  private static final Instant STARTED = Instant.now();

  /** Adds a fact to the current scenario's row (e.g. where exactly the kill landed). */
  static void note(String fact) {
    NOTES.get().add(fact);
  }

  @Override
  public void beforeTestExecution(ExtensionContext context) {
    NOTES.get().clear();
    context.getStore(NS).put("start", System.nanoTime());
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    long start = context.getStore(NS).get("start", Long.class);
    context.getStore(NS).put("seconds", (System.nanoTime() - start) / 1e9);
  }

  @Override
  public void testSuccessful(ExtensionContext context) {
    add(context, "PASS");
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    note("failure: " + firstLine(cause));
    add(context, "FAIL");
  }

  @Override
  public void testAborted(ExtensionContext context, Throwable cause) {
    add(context, "SKIPPED"); // an assumption did not hold (e.g. no Temporal CLI): the note says which
  }

  @Override
  public void testDisabled(ExtensionContext context, Optional<String> reason) {
    add(context, "SKIPPED");
  }

  private static void add(ExtensionContext context, String result) {
    Double seconds = context.getStore(NS).get("seconds", Double.class);
    String name = context.getRequiredTestClass().getSimpleName() + " · " + context.getDisplayName();
    synchronized (ROWS) {
      ROWS.add(new Row(name, result, seconds == null ? 0 : seconds, String.join("; ", NOTES.get())));
      write();
    }
    NOTES.get().clear();
  }

  private static String table() {
    StringBuilder b = new StringBuilder();
    b.append("| scenario | result | seconds | observed |\n| --- | --- | ---: | --- |\n");
    double total = 0;
    int passed = 0;
    for (Row r : ROWS) {
      b.append("| ").append(r.scenario()).append(" | ").append(r.result()).append(" | ")
          .append(String.format(Locale.ROOT, "%.1f", r.seconds())).append(" | ")
          .append(r.notes().replace("|", "\\|")).append(" |\n");
      total += r.seconds();
      passed += "PASS".equals(r.result()) ? 1 : 0;
    }
    b.append(String.format(Locale.ROOT, "%n%d of %d scenarios passed; scenarios %.0f s, suite %.0f s (wall, incl."
        + " PostgreSQL start)%n", passed, ROWS.size(), total,
        (System.currentTimeMillis() - STARTED.toEpochMilli()) / 1000.0));
    return b.toString();
  }

  private static void write() {
    Path file = Path.of(System.getProperty("e2e.dir", "target"),
        System.getProperty("e2e.report", "durability-report.md"));
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, "# Durability suite\n\n" + table());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String firstLine(Throwable t) {
    String m = String.valueOf(t.getMessage());
    int nl = m.indexOf('\n');
    String line = nl < 0 ? m : m.substring(0, nl);
    return t.getClass().getSimpleName() + ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
  }
}
