package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** One line of the incident record: when (workflow time, RFC 3339), who (actor), what. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TimelineEntry(String at, String actor, String event) {}
