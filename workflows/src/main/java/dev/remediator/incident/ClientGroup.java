package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Connections of the target database grouped by client, so a leaking client stands out. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClientGroup(
    String applicationName, String clientAddr, String usename, int total, int active, int idleInTransaction) {}
