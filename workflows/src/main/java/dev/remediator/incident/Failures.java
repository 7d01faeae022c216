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

  public static boolean isType(ActivityFailure e, String type) {
    return e.getCause() instanceof ApplicationFailure af && type.equals(af.getType());
  }
}
