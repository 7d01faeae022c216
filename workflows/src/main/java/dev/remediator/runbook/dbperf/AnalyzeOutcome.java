package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** What happened to one table a plan asked to ANALYZE. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AnalyzeOutcome(String table, Result result, double seconds, String detail) {

  public enum Result {
    /** {@code ANALYZE} completed. */
    ANALYZED,
    /** Its statistics are no longer stale (autovacuum or someone else analyzed it since the plan): nothing done. */
    FRESH,
    /** The table no longer exists. */
    GONE,
    /** Cancelled by the statement or lock timeout; the table is unchanged. */
    TIMED_OUT,
    /** Not run by rule (not a table of the target database, cap reached, no privilege). */
    REFUSED
  }
}
