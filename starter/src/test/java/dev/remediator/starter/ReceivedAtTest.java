package dev.remediator.starter;

import dev.remediator.runbook.dbpool.PoolReportSection;
import static dev.remediator.starter.IntakeFixture.AUTH;
import static dev.remediator.starter.IntakeFixture.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentReport;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the receiver carries into a new incident for its report (issue 27, item 5): when it got the alert (the
 * incident's "Opened", however late a worker runs it) and the value the alert carried (the peak as alerted).
 */
class ReceivedAtTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final IntakeFixture fx = new IntakeFixture();

  @Test
  void aNewIncidentCarriesTheReceiptTimeAndTheAlertedValueIntoItsReport() throws Exception {
    ObjectNode payload = (ObjectNode) JSON.readTree(resource("firing-critical.json"));
    ((ObjectNode) payload.at("/alerts/0/annotations")).put("value", "0.946"); // value: "{{ $value }}" in the rule
    Instant before = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    HttpResponse<String> r = fx.webhook(JSON.writeValueAsBytes(payload));
    Instant after = Instant.now();
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

    var started = fx.connection.client().fetchHistory(AUTH).getHistory().getEvents(0)
        .getWorkflowExecutionStartedEventAttributes();
    IncidentInput input = fx.connection.client().getOptions().getDataConverter()
        .fromPayloads(0, Optional.of(started.getInput()), IncidentInput.class, IncidentInput.class);
    assertThat(input.receivedAt()).isNotNull();
    Instant received = Instant.parse(input.receivedAt());
    assertThat(received).isBetween(before, after);
    assertThat(input.alert().value()).isEqualTo(0.946);

    assertThat(fx.webhook(resource("resolved.json")).statusCode()).isEqualTo(200);
    IncidentReport report = fx.incidents.result(AUTH, IncidentReport.class);
    assertThat(report.openedAt()).isEqualTo(input.receivedAt()); // not when the worker first ran it
    assertThat(PoolReportSection.of(report).utilizationBefore()).isEqualTo(0.946); // the samples saw 91.9 %
    assertThat(report.markdown()).contains("94.6% as alerted");
  }

  @Test
  void aValueAnnotationThatIsNotANumberIsIgnored() {
    assertThat(AlertReceiver.value("0.9189")).isEqualTo(0.9189);
    assertThat(AlertReceiver.value(" 91.89% ")).isNull();
    assertThat(AlertReceiver.value("NaN")).isNull();
    assertThat(AlertReceiver.value("")).isNull();
    assertThat(AlertReceiver.value(null)).isNull();
  }
}
