package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Someone took the escalated incident: the escalation ladder stops. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Acknowledgement(String by, String note) {}
