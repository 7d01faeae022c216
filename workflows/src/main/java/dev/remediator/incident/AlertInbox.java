package dev.remediator.incident;

import dev.remediator.incident.TimelineEntry.Kind;
import io.temporal.workflow.Workflow;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * The incident's alerts by (alertname, fingerprint), as Alertmanager reports them: repeats, HA copies and stale
 * copies (firing or resolved, by the episode's startsAt) only update counts; a change of state is one timeline line. Severity is the highest of the alerts firing;
 * the incident is resolved only when every alert it has seen is. Workflow code only.
 */
final class AlertInbox {

  /** What one notification changed. */
  enum Change {
    /** A repeat, an HA copy or a stale copy: counted only. */
    NONE,
    /** An alert changed state, but neither the severity nor "all resolved" did. */
    ALERT,
    SEVERITY_RAISED,
    SEVERITY_LOWERED,
    /** Every alert seen is resolved now. */
    ALL_RESOLVED,
    /** Something fires again after every alert had resolved. */
    REOPENED
  }

  private final IncidentState state;
  private final Timeline timeline;
  /** Alert names critical whatever their severity label says (the runbook registry's). */
  private final Set<String> criticalAlerts;
  /** The opening alert: signal-with-start delivers it again as a signal, which is not a repeat. */
  private Alert opening;
  /** Whether this run ignores a stale resolved copy (null until the first one): see {@link #staleResolvedIgnored}. */
  private Boolean staleResolvedIgnored;

  AlertInbox(IncidentState state, Timeline timeline, Set<String> criticalAlerts) {
    this.state = state;
    this.timeline = timeline;
    this.criticalAlerts = criticalAlerts;
  }

  /** The opening alert, or the state of a run from before the alert model: seeds the set. */
  void open(Alert alert, boolean recordIt) {
    if (state.fromBeforeAlertModel()) {
      track(state.lastAlert, null);
    }
    if (alert != null && find(alert) == null) {
      opening = alert;
      track(alert, null);
      if (recordIt) {
        timeline.record(Timeline.ALERTMANAGER, Kind.ALERT, "Alert " + alert.alertName() + " ("
            + Severity.of(alert, criticalAlerts)
            + ") opened the incident" + (alert.summary() == null ? "" : ": " + alert.summary()));
      }
    }
    updateSeverity();
  }

  Change receive(Alert alert) {
    state.lastAlert = alert;
    if (alert.equals(opening)) {
      opening = null; // the start's own copy
      return Change.NONE;
    }
    opening = null;
    TrackedAlert known = find(alert);
    if (known == null) {
      boolean wasResolved = state.resolved;
      Severity before = state.severity;
      if (!alert.firing()) {
        // A resolved alert we never saw firing (e.g. its firing copy went to a peer that failed): keep it, quietly.
        track(alert, null);
        state.repeatedAlerts++;
        return Change.NONE;
      }
      track(alert, null);
      timeline.record(Timeline.ALERTMANAGER, Kind.ALERT,
          "Alert " + alert.alertName() + " firing (" + Severity.of(alert, criticalAlerts) + ")");
      return afterChange(before, wasResolved);
    }
    // A copy older than the episode we know (an HA peer or a retry behind the other) is stale: a firing one, or a
    // resolved one of an earlier episode while a newer one fires; a firing copy of the same episode after its
    // resolution too. A resolved alert of the episode we know (or a later one) ends it.
    int order = compareStarts(alert.startsAt(), known.startsAt());
    boolean staleCopy = alert.firing() ? order < 0 || (order == 0 && !known.firing())
        : order < 0 && known.firing() && staleResolvedIgnored();
    if (staleCopy || known.firing() == alert.firing()) {
      replace(known, withCount(known, alert, staleCopy));
      state.repeatedAlerts++;
      return Change.NONE;
    }
    boolean wasResolved = state.resolved;
    Severity before = state.severity;
    TrackedAlert changed = track(alert, known);
    timeline.record(Timeline.ALERTMANAGER, changed.firing() ? Kind.ALERT : Kind.RESOLVED,
        "Alert " + changed.describe());
    return afterChange(before, wasResolved);
  }

  /**
   * Runs that took a stale resolved copy as the end of the newer episode keep doing so on replay; a marker records,
   * at the first stale resolved copy of a run, that it is ignored. Workflow code (a signal handler may call it).
   */
  private boolean staleResolvedIgnored() {
    if (staleResolvedIgnored == null) {
      staleResolvedIgnored =
          Workflow.getVersion("stale-resolved-ignored", Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
    }
    return staleResolvedIgnored;
  }

  private Change afterChange(Severity before, boolean wasResolved) {
    updateSeverity();
    if (state.resolved && !wasResolved) {
      state.allResolvedAtMillis = Workflow.currentTimeMillis();
      timeline.note(Kind.RESOLVED, "Every alert of the incident is resolved");
      return Change.ALL_RESOLVED;
    }
    if (!state.resolved && wasResolved) {
      state.allResolvedAtMillis = 0;
      timeline.note(Kind.ALERT, "Firing again: severity " + state.severity);
      return Change.REOPENED;
    }
    if (state.severity != before) {
      boolean raised = before == null || state.severity.compareTo(before) > 0;
      timeline.note(Kind.ALERT, "Severity " + (before == null ? "" : before + " → ") + state.severity
          + (raised ? "" : " (" + state.alertName + " still firing)"));
      return raised ? Change.SEVERITY_RAISED : Change.SEVERITY_LOWERED;
    }
    return Change.ALERT;
  }

  private void updateSeverity() {
    TrackedAlert top = null;
    for (TrackedAlert a : state.alerts) {
      if (a.firing() && (top == null || a.severity().compareTo(top.severity()) > 0)) {
        top = a;
      }
    }
    state.resolved = top == null && !state.alerts.isEmpty();
    if (top != null) {
      state.severity = top.severity();
      state.alertName = top.alertName();
      state.peakSeverity = Severity.max(state.peakSeverity, top.severity());
    }
  }

  private TrackedAlert track(Alert a, TrackedAlert known) {
    String now = Timeline.now();
    TrackedAlert t =
        new TrackedAlert(a.alertName(), a.fingerprint(), a.firing(), Severity.of(a, criticalAlerts), a.startsAt(), a.endsAt(),
            a.summary(), known == null ? now : known.firstSeenAt(), now, known == null ? 1 : known.received() + 1,
            known == null ? a.startsAt() : earliest(known.firstStart(), a.startsAt()));
    if (known == null) {
      state.alerts.add(t);
    } else {
      replace(known, t);
    }
    return t;
  }

  private static TrackedAlert withCount(TrackedAlert t, Alert a, boolean stale) {
    return new TrackedAlert(t.alertName(), t.fingerprint(), t.firing(), t.severity(), t.startsAt(),
        stale || a.endsAt() == null ? t.endsAt() : a.endsAt(), t.summary(), t.firstSeenAt(),
        Timeline.now(), t.received() + 1, t.firstStartsAt());
  }

  /** The earlier of two RFC 3339 times (a known one over null; the first when they cannot be ordered). */
  private static String earliest(String a, String b) {
    return a == null ? b : b != null && compareStarts(b, a) < 0 ? b : a;
  }

  private void replace(TrackedAlert old, TrackedAlert now) {
    state.alerts.set(state.alerts.indexOf(old), now);
  }

  private TrackedAlert find(Alert a) {
    for (TrackedAlert t : state.alerts) {
      if (t.sameAs(a)) {
        return t;
      }
    }
    return null;
  }

  /** Orders two RFC 3339 times; unknown or unreadable ones compare equal (then status decides). */
  static int compareStarts(String a, String b) {
    if (a == null || b == null) {
      return 0;
    }
    try {
      return OffsetDateTime.parse(a).toInstant().compareTo(OffsetDateTime.parse(b).toInstant());
    } catch (DateTimeParseException e) {
      return 0;
    }
  }
}
