package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Start of an incident: the target, its runbook policy (from configuration, no secrets) and the alert that opened it.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IncidentInput(Target target, RunbookPolicy policy, Alert alert) {}
