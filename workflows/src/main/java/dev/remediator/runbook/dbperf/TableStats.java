package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One table's statistics health from {@code pg_stat_user_tables}.
 *
 * @param table {@code schema.table}
 * @param lastAnalyze the later of {@code last_analyze} and {@code last_autoanalyze}, RFC 3339 UTC; null if never
 * @param staleStatistics {@code n_mod_since_analyze} is past the policy's share of {@code n_live_tup} (and its
 *     minimum row count): ANALYZE would help the planner
 * @param deadTupleBuildUp {@code n_dead_tup} is past the policy's share of live tuples (and its minimum)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TableStats(
    String table,
    long liveTuples,
    long deadTuples,
    long modSinceAnalyze,
    String lastAnalyze,
    String lastAutovacuum,
    boolean staleStatistics,
    boolean deadTupleBuildUp) {}
