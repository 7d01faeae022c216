package dev.remediator.starter;

import dev.remediator.runbook.dbpool.DbPoolRunbook;
import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.incident.Alert;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the receiver may answer without a Temporal call, and when it must ask again. */
class AcceptedAlertsTest {
  static final String A = "dbpool:prod:a:db";
  static final String B = "dbpool:prod:b:db";
  final AtomicLong now = new AtomicLong();
  final AcceptedAlerts cache = new AcceptedAlerts(10, 3, Duration.ofSeconds(60), now::get);

  static Alert alert(String status, String fingerprint) {
    return new Alert(DbPoolRunbook.CRITICAL, "critical", status, fingerprint, "2026-11-26T17:27:15Z", "s");
  }

  @Test
  void onlyWhatTemporalAcceptedIsKnown() {
    Alert f1 = alert("firing", "f1");
    Alert f2 = alert("firing", "f2");
    assertThat(cache.unrecorded(A, List.of(f1))).containsExactly(f1);

    cache.accepted(A, "run-1", List.of(f1));

    assertThat(cache.unrecorded(A, List.of(f1))).isEmpty();
    assertThat(cache.unrecorded(A, List.of(f1, f2))).containsExactly(f2);
    assertThat(cache.unrecorded(B, List.of(f1))).containsExactly(f1);
    // another startsAt is another alert (it fired again)
    Alert again = new Alert(DbPoolRunbook.CRITICAL, "critical", "firing", "f1", "2026-11-26T18:00:00Z", "s");
    assertThat(cache.unrecorded(A, List.of(again))).containsExactly(again);
  }

  @Test
  void resolvedReplacesFiringAndFiringAgainIsNew() {
    Alert firing = alert("firing", "f1");
    Alert resolved = alert("resolved", "f1");
    cache.accepted(A, "run-1", List.of(firing));
    cache.accepted(A, "run-1", List.of(resolved));

    assertThat(cache.unrecorded(A, List.of(resolved))).isEmpty();
    assertThat(cache.unrecorded(A, List.of(firing))).containsExactly(firing);

    // Alertmanager may report the resolved alert with another startsAt: the firing one is forgotten all the same
    cache.accepted(B, "run-1", List.of(firing));
    cache.accepted(B, "run-1",
        List.of(new Alert(DbPoolRunbook.CRITICAL, "critical", "resolved", "f1", "2026-11-26T17:00:00Z", "s")));
    assertThat(cache.unrecorded(B, List.of(firing))).containsExactly(firing);
  }

  @Test
  void anotherRunFailuresAndTimeForgetTheIncident() {
    Alert f1 = alert("firing", "f1");
    Alert f2 = alert("firing", "f2");
    cache.accepted(A, "run-1", List.of(f1));
    cache.accepted(A, "run-2", List.of(f2));
    assertThat(cache.unrecorded(A, List.of(f1, f2))).containsExactly(f1);

    cache.invalidate(A);
    assertThat(cache.unrecorded(A, List.of(f2))).containsExactly(f2);

    cache.accepted(B, "run-1", List.of(f1));
    now.addAndGet(Duration.ofSeconds(61).toNanos());
    assertThat(cache.unrecorded(B, List.of(f1))).containsExactly(f1);
  }

  @Test
  void boundedPerIncidentAndInAll() {
    for (int i = 0; i < 5; i++) {
      cache.accepted(A, "run-1", List.of(alert("firing", "a" + i)));
    }
    // 3 per incident, the oldest forgotten
    assertThat(cache.unrecorded(A, List.of(alert("firing", "a0"), alert("firing", "a1")))).hasSize(2);
    assertThat(cache.unrecorded(A, List.of(alert("firing", "a4")))).isEmpty();
    for (int i = 0; i < 5; i++) {
      cache.accepted("dbpool:prod:s" + i + ":db", "run-1",
          List.of(alert("firing", "x"), alert("firing", "y"), alert("firing", "z")));
    }
    // 10 in all: the least recently used incidents went first
    assertThat(cache.alerts()).isLessThanOrEqualTo(10);
    assertThat(cache.unrecorded("dbpool:prod:s4:db", List.of(alert("firing", "x")))).isEmpty();
    assertThat(cache.unrecorded(A, List.of(alert("firing", "a4")))).hasSize(1);
  }
}
