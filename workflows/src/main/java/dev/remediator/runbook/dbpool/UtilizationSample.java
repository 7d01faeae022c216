package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One pool-utilization reading the incident took (diagnosis, verification or watching), for the report's chart.
 *
 * @param at when it was taken (RFC 3339, workflow time)
 * @param utilization connections in use / usable connections, 0..1
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UtilizationSample(String at, double utilization) {}
