package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Start of an incident: the target, its runbook policy (from configuration, no secrets) and the alert that opened it.
 *
 * @param requestedBy who opened the incident ({@code alertmanager}, or a person); with four-eyes on, they may not
 *     approve its plans
 * @param carried state of the previous run when the incident continued as new; null for a new incident
 * @param alerts the delivery that opened the incident, applied as the {@code alerts} signal would be, before any
 *     signal: the receiver starts a new incident with ONE call this way. Null when continued as new, and in runs
 *     started before it existed. A worker older than this field ignores it (only {@code alert} opens the run), so
 *     upgrade workers before receivers.
 * @param receivedAt when the receiver got the delivery that opened the incident (RFC 3339): the incident's
 *     "opened" time, not when a worker first ran it. Null when continued as new, when started by hand, and in runs
 *     started before it existed (then the first workflow task's time).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IncidentInput(
    Target target, RunbookPolicy policy, Alert alert, String requestedBy, IncidentState carried, AlertBatch alerts,
    String receivedAt) {

  public IncidentInput(Target target, RunbookPolicy policy, Alert alert) {
    this(target, policy, alert, "alertmanager", null);
  }

  public IncidentInput(Target target, RunbookPolicy policy, Alert alert, String requestedBy, IncidentState carried) {
    this(target, policy, alert, requestedBy, carried, null);
  }

  public IncidentInput(Target target, RunbookPolicy policy, Alert alert, String requestedBy, IncidentState carried,
      AlertBatch alerts) {
    this(target, policy, alert, requestedBy, carried, alerts, null);
  }

  /**
   * The incident's "opened" time: when the receiver got its first alert ({@link #receivedAt}), never later than the
   * first workflow task ({@code firstTaskMillis}, also the answer without a readable receipt time).
   */
  long openedAtMillis(long firstTaskMillis) {
    if (receivedAt == null) {
      return firstTaskMillis;
    }
    try {
      return Math.min(java.time.Instant.parse(receivedAt).toEpochMilli(), firstTaskMillis);
    } catch (java.time.format.DateTimeParseException e) {
      return firstTaskMillis;
    }
  }
}
