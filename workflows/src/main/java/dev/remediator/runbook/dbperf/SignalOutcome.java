package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** What happened to one blocker a plan asked to cancel or terminate. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SignalOutcome(int pid, Result result, String detail) {

  public enum Result {
    /** {@code pg_cancel_backend} returned true: its statement was cancelled. */
    CANCELLED,
    /** {@code pg_terminate_backend} returned true. */
    TERMINATED,
    /** The session no longer exists. */
    GONE,
    /**
     * The pid now belongs to another backend or transaction, or the session blocks nobody any more: nothing done;
     * the runbook plans again from a new diagnosis.
     */
    CHANGED,
    /** Not signalled by rule (excluded session, cap reached, or the server refused). */
    REFUSED
  }
}
