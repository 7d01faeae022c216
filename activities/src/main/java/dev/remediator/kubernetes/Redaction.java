package dev.remediator.kubernetes;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in log lines before they leave the cluster (into workflow history, chat, pages): credentials in
 * URLs, {@code key=value} / {@code key: value} secrets, bearer tokens, JWTs and e-mail addresses.
 */
public final class Redaction {
  static final String MASK = "***";

  private static final Pattern URL_CREDENTIALS = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@]*):[^/\\s@]+@");
  private static final Pattern KEY_VALUE =
      Pattern.compile(
          "(?i)\\b([\\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
              + "|credentials?|authorization|session[_-]?id|cookie)[\\w.-]*)(\"?\\s*[=:]\\s*)"
              + "(?:bearer\\s+|basic\\s+)?(\"[^\"]*\"|'[^']*'|[^\\s,;&\"')}\\]]+)");
  private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{8,}");
  private static final Pattern JWT = Pattern.compile("\\beyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
  private static final Pattern EMAIL = Pattern.compile("\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}\\b");

  private Redaction() {}

  public static String redact(String line) {
    if (line == null || line.isEmpty()) {
      return line;
    }
    String s = URL_CREDENTIALS.matcher(line).replaceAll("$1:" + MASK + "@");
    s = JWT.matcher(s).replaceAll(MASK);
    s = BEARER.matcher(s).replaceAll("$1 " + MASK);
    Matcher m = KEY_VALUE.matcher(s);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(b, Matcher.quoteReplacement(m.group(1) + m.group(2) + MASK));
    }
    m.appendTail(b);
    return EMAIL.matcher(b.toString()).replaceAll(MASK + "@" + MASK);
  }
}
