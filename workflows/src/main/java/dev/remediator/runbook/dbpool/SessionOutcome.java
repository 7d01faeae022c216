package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** What happened to one session that a plan asked to terminate. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SessionOutcome(int pid, Result result, String detail) {

  public enum Result {
    /** {@code pg_terminate_backend} returned true. */
    TERMINATED,
    /** The session no longer exists (finished, or terminated by an earlier attempt). */
    GONE,
    /** The pid now belongs to another backend or transaction, or the session is no longer idle in transaction. */
    CHANGED,
    /** Not terminated by rule (not the application's, cap reached, or the server refused). */
    REFUSED
  }
}
