package dev.remediator.starter;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.grpc.StatusRuntimeException;
import io.temporal.failure.ApplicationFailure;
import java.util.regex.Pattern;

/**
 * The part of a failure an operator can use, for the CLI and HTTP answers: the innermost cause's own words (a
 * workflow's refusal without Temporal's {@code type='java.lang...'} wrapping; a gRPC status as code and
 * description), never a Java class name.
 */
public final class UserMessages {
  private static final Pattern CLASS_NAME =
      Pattern.compile("`?\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:\\[])?(?:\\.(?=[a-z]))?`?(?::\\s*)?");
  private static final Pattern TEMPORAL_WRAPPING =
      Pattern.compile("^message='(.*?)', type='[^']*', nonRetryable=(?:true|false)$", Pattern.DOTALL);

  private UserMessages() {}

  public static String of(Throwable e) {
    Throwable t = e;
    String best = null;
    for (int depth = 0; t != null && depth < 20; depth++) {
      String m = own(t);
      if (m != null && !m.isBlank()) {
        best = m;
      }
      if (t.getCause() == t) {
        break;
      }
      t = t.getCause();
    }
    return best == null ? "unexpected failure (see the log)" : clean(best);
  }

  private static String own(Throwable t) {
    if (t instanceof ApplicationFailure a) {
      return a.getOriginalMessage();
    }
    if (t instanceof StatusRuntimeException s) {
      String d = s.getStatus().getDescription();
      return s.getStatus().getCode() + (d == null || d.isBlank() ? "" : ": " + d);
    }
    return t.getMessage();
  }

  /**
   * A JSON parser limit (nesting depth, string length, ...) in our words, e.g. {@code JSON nested deeper than 1000
   * levels}: Jackson's own message names its API ({@code StreamReadConstraints.getMaxNestingDepth()}).
   */
  public static String jsonLimit(StreamConstraintsException e) {
    String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    var limit = JSON_LIMIT.matcher(m);
    String n = limit.find() ? limit.group(1) : "the allowed";
    for (String[] known : JSON_LIMITS) {
      if (m.startsWith(known[0])) {
        return String.format(known[1], n);
      }
    }
    return clean(m.replaceAll(",? ?from `[^`]*`", ""));
  }

  private static final Pattern JSON_LIMIT = Pattern.compile("exceeds the maximum allowed \\((\\d+)");
  private static final String[][] JSON_LIMITS = {
    {"Document nesting depth", "JSON nested deeper than %s levels"},
    {"String value length", "a JSON string longer than %s characters"},
    {"Number value length", "a JSON number longer than %s characters"},
    {"Name length", "a JSON field name longer than %s characters"},
    {"Document length", "a JSON document longer than %s bytes"},
    {"Token count", "JSON with more than %s tokens"},
  };

  /** Removes Java class names and Temporal's failure wrapping from a message. */
  public static String clean(String message) {
    var m = TEMPORAL_WRAPPING.matcher(message.strip());
    String s = m.matches() ? m.group(1) : message;
    s = CLASS_NAME.matcher(s).replaceAll("");
    return s.strip().isEmpty() ? "unexpected failure (see the log)" : s.strip();
  }
}
