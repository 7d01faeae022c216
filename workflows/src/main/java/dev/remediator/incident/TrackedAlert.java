package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One alert of an incident as Alertmanager last reported it, keyed by (alertname, fingerprint).
 *
 * @param firing true while firing, false once resolved
 * @param startsAt start of the alert's current episode (RFC 3339, as sent): a later one is a new episode, an
 *     earlier one a stale copy
 * @param received how many notifications carried this alert (repeats and HA copies included)
 * @param firstStartsAt start of the earliest episode of this alert the incident saw (RFC 3339, as sent): the
 *     report's lead time from High to Critical; null when no notification carried one, and in states carried from
 *     before it existed ({@link #firstStart()} then falls back to {@code startsAt})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrackedAlert(
    String alertName,
    String fingerprint,
    boolean firing,
    Severity severity,
    String startsAt,
    String endsAt,
    String summary,
    String firstSeenAt,
    String lastSeenAt,
    int received,
    String firstStartsAt) {

  public TrackedAlert(String alertName, String fingerprint, boolean firing, Severity severity, String startsAt,
      String endsAt, String summary, String firstSeenAt, String lastSeenAt, int received) {
    this(alertName, fingerprint, firing, severity, startsAt, endsAt, summary, firstSeenAt, lastSeenAt, received,
        startsAt);
  }

  /** When the first episode the incident saw started (Alertmanager's time), else the current one's; may be null. */
  public String firstStart() {
    return firstStartsAt != null ? firstStartsAt : startsAt;
  }

  boolean sameAs(Alert a) {
    return alertName.equals(a.alertName()) && java.util.Objects.equals(fingerprint, a.fingerprint());
  }

  public String describe() {
    return alertName + " " + (firing ? "firing (" + severity + ")" : "resolved");
  }
}
