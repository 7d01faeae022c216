package dev.remediator.e2e;

import static dev.remediator.e2e.DurabilityReport.note;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The target database gone, or refusing every connection with SQLSTATE 53300: Remediator tries each check once (a
 * database that cannot be reached is marked down in the worker; the next sample is the retry), escalates with that
 * reason, keeps checking at a pace that slows with the outage (no hot loop), and the worker stays up.
 */
class DatabaseOutageIT extends Scenario {
  private static final Duration PHASE = Duration.ofSeconds(60);
  private static final Duration WINDOW = Duration.ofSeconds(8);

  @Test
  @DisplayName("target database down: one try per check, escalation, no crash loop")
  void databaseDown(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of("verifyInterval", "2s"));
    stack.gate.set(TcpGate.Mode.DOWN); // every connection to the database is dropped at once
    fire();
    JsonNode status = awaitTimeline("Escalating: database severely degraded: it cannot be examined");
    assertThat(timelineHas(status, "Database check failed")).isTrue();
    Map<String, Integer> tries = snapshotAttempts(worker);
    note("escalated; snapshot calls so far tried " + tries.values() + " time(s) each");
    // A connection that cannot be made marks the endpoint down in the worker (EndpointOutages): the snapshot fails
    // at once, not retried inside the sample (the next sample, backing off with the outage's age, is the retry).
    assertThat(tries.values()).as("each check tried once while the database is unreachable").isNotEmpty()
        .allMatch(n -> n == 1);
    assertPagedWith("database severely degraded: it cannot be examined");
    int rate = attemptsDuring(WINDOW);
    note(rate + " attempts in the next " + WINDOW.toSeconds() + " s");
    // Each sample is one activity with one try, samples backing off from 2 s (the incident waits longer while the
    // database stays down): at most about 3 per 8 s; a crash loop would make hundreds.
    assertThat(rate).as("attempts while down, %d s", WINDOW.toSeconds()).isBetween(0, 9);
    assertWorkerSteady(worker);

    stack.gate.set(TcpGate.Mode.OPEN);
    awaitTimeline("Database reachable again");
    stack.fireResolved(receiverPort);
    JsonNode report = stack.awaitReport(PHASE);
    assertThat(report.get("outcome").asText()).isEqualTo("RESOLVED");
    assertThat(report.get("escalationReason").asText()).isEqualTo(
        "database severely degraded: it cannot be examined");
    assertThat(db.leakedLeft()).as("nothing terminated without a diagnosis").isEqualTo(LEAKED);
    assertThat(db.healthyLeft()).isEqualTo(HEALTHY);
    assertWorkerSteady(worker);
  }

  @Test
  @DisplayName("target database refusing connections (53300): no retries, escalation, no crash loop")
  void databaseRefusesConnections(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of("verifyInterval", "2s"));
    int taken = db.exhaustSlots(); // the application takes the last slots a non-superuser may have
    assertThat(db.refusalNow()).isEqualTo("53300");
    fire();
    JsonNode status = awaitTimeline("Escalating: database severely degraded: it refuses connections");
    assertThat(timelineHas(status, "SQLSTATE 53300")).isTrue();
    Map<String, Integer> tries = snapshotAttempts(worker);
    note("application took the last " + taken + " slots; snapshot calls so far tried " + tries.values()
        + " time(s) each");
    assertThat(tries.values()).as("53300 is not retried").isNotEmpty().allMatch(n -> n == 1);
    assertPagedWith("database severely degraded: it refuses connections (all slots taken)");
    int rate = attemptsDuring(WINDOW);
    note(rate + " attempts in the next " + WINDOW.toSeconds() + " s");
    // One try per sample, samples 2 s apart at first, then backing off: at most about 4 in 8 s.
    assertThat(rate).as("attempts while refused, %d s", WINDOW.toSeconds()).isBetween(0, 7);
    assertWorkerSteady(worker);

    db.releaseSlots(taken);
    awaitTimeline("Database reachable again");
    stack.fireResolved(receiverPort);
    JsonNode report = stack.awaitReport(PHASE);
    assertThat(report.get("outcome").asText()).isEqualTo("RESOLVED");
    assertThat(report.get("escalationReason").asText()).isEqualTo(
        "database severely degraded: it refuses connections (all slots taken)");
    assertThat(db.leakedLeft()).isEqualTo(LEAKED);
    assertThat(db.healthyLeft()).isEqualTo(HEALTHY);
    assertWorkerSteady(worker);
  }

  private JsonNode awaitTimeline(String text) {
    JsonNode[] seen = new JsonNode[1];
    await("timeline: " + text).atMost(PHASE).pollInterval(Duration.ofMillis(200)).until(() -> {
      JsonNode s = stack.show();
      seen[0] = s == null ? null : s.get("status");
      return seen[0] != null && timelineHas(seen[0], text);
    });
    return seen[0];
  }

  /** The database tier was paged once, with the reason in the page's summary. */
  private void assertPagedWith(String reason) {
    await("the database tier is paged").atMost(PHASE).until(() -> !pages().isEmpty());
    List<JsonNode> pages = pages();
    assertThat(pages).hasSize(1);
    assertThat(pages.get(0).at("/payload/summary").asText()).contains(reason);
    assertThat(pages.get(0).at("/payload/group").asText()).isEqualTo("database");
  }

  private List<JsonNode> pages() {
    return stack.world.delivered(World.DATABASE_PAGER).stream()
        .filter(n -> "trigger".equals(n.path("event_action").asText())).toList();
  }

  /** Connection attempts the worker makes during {@code window} (measured, not slept through blindly). */
  private int attemptsDuring(Duration window) {
    int before = stack.gate.attempts();
    long end = System.nanoTime() + window.toNanos();
    await().atMost(window.plusSeconds(5)).pollInterval(Duration.ofMillis(250))
        .until(() -> System.nanoTime() >= end);
    return stack.gate.attempts() - before;
  }

  /**
   * Tries per snapshot activity, from the worker's own log (the SDK logs each failed try as
   * {@code Activity failure. ActivityId=..., activityType=Snapshot, attempt=N}).
   */
  private static Map<String, Integer> snapshotAttempts(RemediatorProcess worker) {
    Map<String, Integer> tries = new java.util.LinkedHashMap<>();
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("ActivityId=([^,]+), activityType=Snapshot, attempt=(\\d+)").matcher(worker.output());
    while (m.find()) {
      tries.merge(m.group(1), Integer.parseInt(m.group(2)), Math::max);
    }
    return tries;
  }

  /** Still the one worker process, started once, never crashed. */
  private static void assertWorkerSteady(RemediatorProcess worker) {
    assertThat(worker.alive()).as("worker alive").isTrue();
    assertThat(worker.count("worker polling task queue")).as("worker starts").isEqualTo(1);
    assertThat(worker.output()).doesNotContain("OutOfMemoryError", "Exception in thread \"main\"");
  }
}
