package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One row of {@code pg_stat_statements} for the target database: its normalized text only ({@code $1}
 * placeholders; literals never leave the database), redacted again and length-capped.
 *
 * @param queryId {@code queryid}
 * @param totalMs {@code total_exec_time} (PG ≥ 13) in ms
 * @param meanMs {@code mean_exec_time} in ms
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TopStatement(long queryId, String query, long calls, double totalMs, double meanMs, long rows) {}
