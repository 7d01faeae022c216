package dev.remediator.demo;

import dev.remediator.runbook.dbpool.PoolReportSection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.launcher.Prerequisites;
import dev.remediator.launcher.TemporalMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code remediator demo --temporal=cli}: the same demo on the real dev server, with the incident's UI link. */
class DemoOnDevServerIT {

  @Test
  void theDemoRunsOnTheDevServerAndPrintsTheIncidentsUiLink() throws Exception {
    Prerequisites.temporalCli();
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    Demo.Result result = new Demo(out, TemporalMode.CLI, false).run();

    String output = buffer.toString(StandardCharsets.UTF_8);
    assertThat(result.leakCleared()).as(output).isTrue();
    assertThat(PoolReportSection.of(result.report()).sessionsTerminated()).isEqualTo(Demo.LEAKED);
    assertThat(output)
        .contains("Starting the Temporal dev server")
        .containsPattern("Temporal Web UI at http://127\\.0\\.0\\.1:\\d+")
        .containsPattern("The incident in the Web UI: http://127\\.0\\.0\\.1:\\d+/namespaces/default/workflows/"
            + "dbpool%3Aprod%3Aauth-service%3Aauthdb/[0-9a-f-]{36}/history")
        .contains("Leak cleared.");
  }
}
