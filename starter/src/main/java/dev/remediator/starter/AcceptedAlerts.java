package dev.remediator.starter;

import dev.remediator.incident.Alert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The alerts Temporal has accepted, per incident and run: a delivery whose alerts are all here changes nothing the
 * incident has not already durably recorded, so the receiver answers it without a Temporal call. Only what Temporal
 * accepted is ever added; everything is forgotten when a Temporal call fails, an incident's entry when a call finds no
 * open incident, and it is replaced when a call returns another run. Bounded: at most {@code maxAlerts} alerts in all (the least recently used
 * incidents are forgotten first), {@code maxAlertsPerIncident} per incident (the oldest first), and an alert counts
 * only for {@code ttl} after it was accepted (a run that closed meanwhile is noticed at the next call after that).
 */
final class AcceptedAlerts {
  /** What identifies one alert notification: the same alert re-sent by a repeat or an HA peer has the same key. */
  record Key(String alertName, String fingerprint, String status, String startsAt) {
    static Key of(Alert a) {
      return new Key(a.alertName(), a.fingerprint(), a.status(), a.startsAt());
    }

    /** The alert this is about, whatever its status and start. */
    List<String> alert() {
      return Arrays.asList(alertName, fingerprint);
    }
  }

  private static final class Entry {
    final String runId;
    /** Key -> when it was accepted (nanoTime), oldest first. */
    final LinkedHashMap<Key, Long> alerts = new LinkedHashMap<>();

    Entry(String runId) {
      this.runId = runId;
    }
  }

  private final int maxAlerts;
  private final int maxAlertsPerIncident;
  private int total;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private final LinkedHashMap<String, Entry> incidents;

  AcceptedAlerts(int maxAlerts, int maxAlertsPerIncident, Duration ttl) {
    this(maxAlerts, maxAlertsPerIncident, ttl, System::nanoTime);
  }

  AcceptedAlerts(int maxAlerts, int maxAlertsPerIncident, Duration ttl, LongSupplier nanoTime) {
    this.maxAlerts = maxAlerts;
    this.maxAlertsPerIncident = maxAlertsPerIncident;
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
    this.incidents = new LinkedHashMap<>(16, 0.75f, true);
  }

  /** The alerts of {@code alerts} Temporal has not accepted for this incident (all of them if unknown), in order. */
  synchronized List<Alert> unrecorded(String incidentId, List<Alert> alerts) {
    Entry e = incidents.get(incidentId);
    if (e == null) {
      return alerts;
    }
    long now = nanoTime.getAsLong();
    List<Alert> out = new ArrayList<>();
    for (Alert a : alerts) {
      Long at = e.alerts.get(Key.of(a));
      if (at == null || now - at > ttlNanos) {
        out.add(a);
      }
    }
    return out;
  }

  /** Temporal accepted {@code alerts} for run {@code runId} of the incident. */
  synchronized void accepted(String incidentId, String runId, List<Alert> alerts) {
    Entry e = incidents.get(incidentId);
    if (e == null || !Objects.equals(e.runId, runId)) {
      invalidate(incidentId);
      e = new Entry(runId);
      incidents.put(incidentId, e);
    }
    total -= e.alerts.size();
    long now = nanoTime.getAsLong();
    // An alert's new status is the incident's latest word on it: the other status (any start) no longer counts.
    Map<List<String>, String> statuses = new HashMap<>();
    for (Alert a : alerts) {
      statuses.put(Key.of(a).alert(), a.status());
    }
    e.alerts.keySet().removeIf(k -> {
      String latest = statuses.get(k.alert());
      return latest != null && !latest.equals(k.status());
    });
    for (Alert a : alerts) {
      Key k = Key.of(a);
      e.alerts.remove(k);
      e.alerts.put(k, now);
    }
    Iterator<Key> oldest = e.alerts.keySet().iterator();
    while (e.alerts.size() > maxAlertsPerIncident && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
    total += e.alerts.size();
    Iterator<Map.Entry<String, Entry>> lru = incidents.entrySet().iterator();
    while (total > maxAlerts && lru.hasNext()) {
      Map.Entry<String, Entry> victim = lru.next();
      if (victim.getValue() == e) {
        break; // the incident just accepted stays
      }
      total -= victim.getValue().alerts.size();
      lru.remove();
    }
  }

  /** Forgets the incident: its next delivery goes to Temporal. */
  synchronized void invalidate(String incidentId) {
    Entry e = incidents.remove(incidentId);
    if (e != null) {
      total -= e.alerts.size();
    }
  }

  /** Forgets every incident. */
  synchronized void clear() {
    incidents.clear();
    total = 0;
  }

  /** Alerts remembered in all. */
  synchronized int alerts() {
    return total;
  }

  synchronized int size() {
    return incidents.size();
  }
}
