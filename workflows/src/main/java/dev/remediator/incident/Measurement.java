package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One reading of a runbook's measurement series (the pool runbook's utilization), for the report's chart and the
 * CLI's sparkline.
 *
 * @param at when it was taken (ISO-8601 UTC)
 * @param value the reading as a fraction (1.0 = 100 %); {@code utilization} in payloads recorded before
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Measurement(String at, @JsonAlias("utilization") double value) {}
