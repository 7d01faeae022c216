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
   * The start of the outage an {@link Unreachable#TYPE} failure reports (its details, in the history: replay reads
   * the same value); 0 for any other failure.
   */
  public static long unreachableSince(ActivityFailure e) {
    if (!(e.getCause() instanceof ApplicationFailure af) || !Unreachable.TYPE.equals(af.getType())) {
      return 0;
    }
    try {
      Unreachable u = af.getDetails().get(Unreachable.class);
      return u == null ? 0 : u.sinceMillis();
    } catch (RuntimeException notDetails) {
      return 0;
    }
  }

  public static boolean isType(ActivityFailure e, String type) {
    return e.getCause() instanceof ApplicationFailure af && type.equals(af.getType());
  }
}
