package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Start of an incident: the target, its runbook policy (from configuration, no secrets) and the alert that opened it.
 *
 * @param requestedBy who opened the incident ({@code alertmanager}, or a person); with four-eyes on, they may not
 *     approve its plans
 * @param carried state of the previous run when the incident continued as new; null for a new incident
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IncidentInput(
    Target target, RunbookPolicy policy, Alert alert, String requestedBy, IncidentState carried) {

  public IncidentInput(Target target, RunbookPolicy policy, Alert alert) {
    this(target, policy, alert, "alertmanager", null);
  }
}
