package dev.remediator.runbook.dbpool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.incident.Severity;
import dev.remediator.incident.TrackedAlert;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lead-time text from the tracked alerts, and tracked alerts carried from before {@code firstStartsAt}. */
class ThresholdReviewTest {

  private static TrackedAlert alert(String name, String startsAt, String firstStartsAt, String seenAt) {
    return new TrackedAlert(name, "f-" + name, true, Severity.WARNING, startsAt, null, null, seenAt, seenAt, 1,
        firstStartsAt);
  }

  @Test
  void theFirstEpisodeOfHighCountsNotTheOneFiringNow() {
    // High fired at 17:20, resolved, fired again at 17:29; Critical at 17:31: 11 minutes since High first warned.
    List<TrackedAlert> alerts = List.of(
        alert(DbPoolRunbook.HIGH, "2026-11-26T17:29:00Z", "2026-11-26T17:20:00Z", "2026-11-26T17:20:05Z"),
        alert(DbPoolRunbook.CRITICAL, "2026-11-26T17:31:00Z", "2026-11-26T17:31:00Z", "2026-11-26T17:31:05Z"));
    assertThat(ThresholdReview.leadTime(alerts)).isEqualTo("High gave 11 min of warning (from the alerts' startsAt)");
  }

  @Test
  void alertmanagersZeroTimeIsUnknownAndBothFallBackToReceipt() {
    List<TrackedAlert> alerts = List.of(
        alert(DbPoolRunbook.HIGH, "0001-01-01T00:00:00Z", null, "2026-11-26T17:20:05Z"),
        alert(DbPoolRunbook.CRITICAL, "2026-11-26T17:31:00Z", null, "2026-11-26T17:22:35Z"));
    assertThat(ThresholdReview.leadTime(alerts)).isEqualTo(
        "High gave 2 min 30 s of warning (as the workflow received them: an alert carried no startsAt)");
  }

  @Test
  void aTrackedAlertFromBeforeFirstStartsAtReadsAndFallsBackToItsStart() throws Exception {
    String carried = "{\"alertName\":\"DatabaseConnectionPoolHigh\",\"fingerprint\":\"f\",\"firing\":true,"
        + "\"severity\":\"WARNING\",\"startsAt\":\"2026-11-26T17:27:07.08Z\",\"firstSeenAt\":\"2026-11-26T17:27:08Z\","
        + "\"lastSeenAt\":\"2026-11-26T17:27:08Z\",\"received\":2}";
    TrackedAlert t = JacksonJsonPayloadConverter.newDefaultObjectMapper().readValue(carried, TrackedAlert.class);
    assertThat(t.firstStartsAt()).isNull();
    assertThat(t.firstStart()).isEqualTo("2026-11-26T17:27:07.08Z");
    assertThat(t.received()).isEqualTo(2);
  }

  @Test
  void spansAndPercentsReadAsPeopleWriteThem() {
    assertThat(ThresholdReview.span(Duration.ofSeconds(240))).isEqualTo("4 min");
    assertThat(ThresholdReview.span(Duration.ofSeconds(3900))).isEqualTo("1 h 5 min");
    assertThat(ThresholdReview.span(Duration.ofSeconds(40))).isEqualTo("40 s");
    assertThat(ThresholdReview.percent(0.7)).isEqualTo("70 %");
    assertThat(ThresholdReview.percent(0.725)).isEqualTo("72.5 %");
  }
}
