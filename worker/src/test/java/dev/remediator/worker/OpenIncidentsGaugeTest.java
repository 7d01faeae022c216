package dev.remediator.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class OpenIncidentsGaugeTest {
  @Test
  void countsByPhaseAndSeverityAndForgetsClosedOnes() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OpenIncidentsGauge gauge = OpenIncidentsGauge.manual(registry);

    gauge.set(OpenIncidentsGauge.count(Stream.of(
        new String[] {"AWAITING_APPROVAL", "critical"}, new String[] {"AWAITING_APPROVAL", "critical"},
        new String[] {"WATCHING", "warning"}, new String[] {null, null})));
    String first = registry.scrape();
    assertThat(first)
        .contains("remediator_incidents_open{phase=\"AWAITING_APPROVAL\",severity=\"critical\"} 2.0")
        .contains("remediator_incidents_open{phase=\"WATCHING\",severity=\"warning\"} 1.0")
        .contains("remediator_incidents_open{phase=\"unknown\",severity=\"unknown\"} 1.0");

    gauge.set(OpenIncidentsGauge.count(Stream.<String[]>of(new String[] {"VERIFYING", "critical"})));
    String second = registry.scrape();
    assertThat(second).contains("remediator_incidents_open{phase=\"VERIFYING\",severity=\"critical\"} 1.0")
        .doesNotContain("AWAITING_APPROVAL").doesNotContain("WATCHING");
  }

  @Test
  void aFailedListingCountsAnErrorAndKeepsTheLastNumbers() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OpenIncidentsGauge gauge = OpenIncidentsGauge.manual(registry);
    gauge.set(OpenIncidentsGauge.count(Stream.<String[]>of(new String[] {"ACTING", "critical"})));

    gauge.refresh(() -> {
      throw new IllegalStateException("UNIMPLEMENTED: visibility");
    });

    assertThat(registry.scrape()).contains("remediator_incidents_open_errors_total 1.0")
        .contains("remediator_incidents_open{phase=\"ACTING\",severity=\"critical\"} 1.0");
  }
}
