package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark suite with tiny sizes, so that it cannot rot: every row is produced, with its baseline, machine, JDK
 * and commit. No figure is asserted (speed is measured by {@code ./remediator bench}, not by tests); what is asserted
 * is behaviour the sizes do not change: every target got its incident, nothing was lost, the huge delivery was one
 * signal.
 */
class BenchSmokeTest {
  @Test
  void everyRowIsMeasuredBesideItsBaseline() throws Exception {
    List<String> progress = new ArrayList<>();
    String report = new Bench(Bench.Sizes.SMOKE, progress::add).run();

    assertThat(report)
        .contains("- Machine: ", "- JDK: ", "- Commit: ")
        .contains("| Storm: 40 Alertmanager deliveries over 10 targets")
        .contains("10 incidents (of 10), 0 lost, 0 non-2xx")
        .contains("bare JDK HTTP server: ")
        .contains("| One delivery with 100 alerts for one target")
        .contains("1 signal(s), HTTP 200")
        .contains("| 20 connections trickling a body")
        .contains("with 20 slow bodies pending")
        .contains("incidents open (database unreachable)")
        .contains("Storm profile");
    assertThat(progress).isNotEmpty();
  }
}
