package dev.remediator.postgres;

import java.util.regex.Pattern;

/**
 * Normalises query text before it leaves an activity: it may hold secrets or personal data and it would be kept in
 * workflow history. String, dollar-quoted, numeric, hex/bit literals are replaced by {@code ?}; whitespace folded;
 * length capped.
 */
public final class QueryText {
  public static final int MAX_LENGTH = 300;

  private static final Pattern DOLLAR_QUOTED = Pattern.compile("\\$([A-Za-z_]\\w*)?\\$.*?\\$\\1\\$", Pattern.DOTALL);
  private static final Pattern STRING =
      Pattern.compile("(?i)(?:\\b[EBXNU]&?)?'(?:[^']|'')*'?");
  private static final Pattern NUMBER =
      Pattern.compile("(?<![\\w$.])[-+]?(?:\\d+\\.?\\d*(?:[eE][-+]?\\d+)?|\\.\\d+(?:[eE][-+]?\\d+)?)(?![\\w$])");
  private static final Pattern SPACE = Pattern.compile("\\s+");

  private QueryText() {}

  public static String normalize(String query) {
    if (query == null) {
      return null;
    }
    String q = DOLLAR_QUOTED.matcher(query).replaceAll("?");
    q = STRING.matcher(q).replaceAll("?");
    q = NUMBER.matcher(q).replaceAll("?");
    q = SPACE.matcher(q).replaceAll(" ").trim();
    return q.length() <= MAX_LENGTH ? q : q.substring(0, MAX_LENGTH) + "…";
  }
}
