package dev.remediator.incident;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;

/** Reading activity failures in workflow code. */
public final class Failures {
  private Failures() {}

  public static String message(ActivityFailure e) {
    Throwable cause = e.getCause();
    if (cause instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    return cause == null ? e.getMessage() : cause.getMessage();
  }

  /**
   * The details of an {@link Unreachable#TYPE} failure (the outage's start, how many targets wait on the endpoint),
   * from the history: replay reads the same values; null for any other failure.
   */
  public static Unreachable unreachable(ActivityFailure e) {
    if (!(e.getCause() instanceof ApplicationFailure af) || !Unreachable.TYPE.equals(af.getType())) {
      return null;
    }
    try {
      return af.getDetails().get(Unreachable.class);
    } catch (RuntimeException notDetails) {
      return null;
    }
  }

  public static boolean isType(ActivityFailure e, String type) {
    return e.getCause() instanceof ApplicationFailure af && type.equals(af.getType());
  }
}
