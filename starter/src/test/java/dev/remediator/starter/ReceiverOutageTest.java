package dev.remediator.starter;

import static dev.remediator.starter.IntakeFixture.AUTH;
import static dev.remediator.starter.IntakeFixture.BILLING;
import static dev.remediator.starter.IntakeFixture.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.incident.IncidentPhase;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Temporal goes away and comes back on the same port: the receiver answers 503 meanwhile, then accepts again. */
class ReceiverOutageTest {
  @RegisterExtension static final IntakeFixture fx = new IntakeFixture();

  @Test
  void temporalDownAnswers503ThenTheRetrySucceeds() throws Exception {
    assertThat(fx.webhook(resource("firing-critical.json")).statusCode()).isEqualTo(200);
    double unavailable = fx.metric("remediator_alerts_rejected_total{reason=\"temporal_unavailable\"}");

    fx.stopServer();
    HttpResponse<String> ready = fx.get("/readyz");
    long t0 = System.nanoTime();
    HttpResponse<String> down = fx.webhook(resource("grouped-mixed.json"));
    // measured, not asserted: with the fixture's 2 s budget the 503 comes after about that long
    System.out.printf("503 after %d ms with Temporal down%n", (System.nanoTime() - t0) / 1_000_000);

    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
    assertThat(down.headers().firstValue("Retry-After")).isPresent();
    assertThat(new ObjectMapper().readTree(down.body()).get("error").asText())
        // auth-service's alert is the one Temporal accepted before the outage: answered without a call; billing's
        // needs Temporal, so the delivery is refused and Alertmanager retries all of it
        .contains("Temporal did not accept alerts[1] for " + BILLING, "retry")
        .doesNotContainPattern(ReceiverUnderLoadTest.CLASS_NAME);
    // the answer's shape: the error, then what was accepted before the failure (auth-service's, without a call)
    assertThat(down.body()).matches(Pattern.quote("{\"error\":\"Temporal did not accept alerts[1] for " + BILLING + " (")
        + ".*" + Pattern.quote("); nothing is lost, retry the delivery\",\"accepted\":[{\"index\":0,"
            + "\"alertname\":\"DatabaseConnectionPoolCritical\",\"status\":\"firing\","
            + "\"fingerprint\":\"98606b87143f2dc9\",\"incidentId\":\"" + AUTH + "\",\"outcome\":\"duplicate\"}]}"));
    assertThat(fx.metric("remediator_alerts_rejected_total{reason=\"temporal_unavailable\"}"))
        .isEqualTo(unavailable + 1);

    // The same server comes back (empty: it is in memory). Alertmanager retries until it gets a 2xx.
    fx.startServer();
    await().atMost(Duration.ofSeconds(60)).until(() -> fx.get("/readyz").statusCode() == 200);
    HttpResponse<String> retried =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> fx.webhook(resource("grouped-mixed.json")), r -> r.statusCode() == 200);
    HttpResponse<String> again = fx.webhook(resource("grouped-mixed.json"));

    assertThat(retried.body()).contains(AUTH, BILLING);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(fx.openRuns(AUTH)).isEqualTo(1);
    assertThat(fx.openRuns(BILLING)).isEqualTo(1);
    // the worker reconnected too (after its poll backoff; queries time out until then): the incidents run
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> fx.incidents.status(BILLING).phase() == IncidentPhase.AWAITING_APPROVAL);
  }

  /** The receiver remembers only what Temporal accepted: a failed call is not remembered. */
  @Test
  void aFailedTemporalCallIsNotRemembered() throws Exception {
    assertThat(fx.webhook(resource("firing-critical.json")).statusCode()).isEqualTo(200);
    fx.stopServer();
    try {
      var down = fx.webhook(resource("resolved.json"));
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.body()).doesNotContainPattern(ReceiverUnderLoadTest.CLASS_NAME);
    } finally {
      fx.startServer();
    }
    // the server came back empty; the alert that was accepted before must reach it again
    var r =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> fx.webhook(resource("firing-critical.json")), x -> x.statusCode() == 200);
    assertThat(new ObjectMapper().readTree(r.body()).at("/accepted/0/outcome").asText()).isEqualTo("started");
    assertThat(fx.openRuns(AUTH)).isEqualTo(1);
  }
}
