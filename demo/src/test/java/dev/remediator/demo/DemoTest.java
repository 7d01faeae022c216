package dev.remediator.demo;

import dev.remediator.runbook.dbpool.PoolReportSection;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The demo flow in-process: real PostgreSQL, embedded Temporal, worker, receiver over HTTP, approval by signal. */
class DemoTest {

  @Test
  void theDemoClearsTheLeakAndLeavesNothingBehind() throws Exception {
    long before = demoDirectories();
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    Demo.Result result = new Demo(new PrintStream(buffer, true, StandardCharsets.UTF_8)).run();

    String output = buffer.toString(StandardCharsets.UTF_8);
    assertThat(result.leakCleared()).as(output).isTrue();
    assertThat(PoolReportSection.of(result.report()).sessionsFound()).isEqualTo(Demo.LEAKED);
    assertThat(PoolReportSection.of(result.report()).sessionsTerminated()).isEqualTo(Demo.LEAKED);
    assertThat(result.idleInTransactionAfter()).isZero();
    assertThat(result.healthyAfter()).isEqualTo(Demo.HEALTHY);
    assertThat(PoolReportSection.of(result.report()).utilizationBefore()).isGreaterThan(0.9);
    assertThat(PoolReportSection.of(result.report()).utilizationAfter()).isLessThan(0.7);
    assertThat(output)
        .contains("./remediator approve " + Demo.INCIDENT_ID)
        .contains("temporal workflow signal")
        .contains("Leak cleared.");
    assertThat(demoDirectories()).isEqualTo(before);
  }

  private static long demoDirectories() throws Exception {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith("remediator-demo-")).count();
    }
  }
}
