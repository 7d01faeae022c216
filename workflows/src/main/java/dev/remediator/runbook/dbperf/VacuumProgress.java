package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A (auto)vacuum running now ({@code pg_stat_progress_vacuum} with its backend).
 *
 * @param autovacuum an autovacuum worker rather than a manual VACUUM
 * @param table {@code schema.table}
 * @param phase the progress view's phase
 * @param seconds how long it has run
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VacuumProgress(int pid, boolean autovacuum, String table, String phase, double seconds) {}
