package dev.remediator.postgres;

/**
 * Normalises query text before it leaves an activity: it may hold secrets or personal data and it would be kept in
 * workflow history. One pass of a small lexer that follows PostgreSQL's own rules (so a quote inside a comment or a
 * {@code --} inside a string cannot confuse it):
 *
 * <ul>
 *   <li>string constants ({@code '...'} with {@code ''}, escape strings {@code E'...'} with backslash escapes,
 *       {@code B''}, {@code X''}, {@code N''}, {@code U&''}), dollar-quoted strings ({@code $$...$$},
 *       {@code $tag$...$tag$}) and numeric constants ({@code 42}, {@code 3.14}, {@code .5}, {@code 1e-3},
 *       {@code 0x1F}, {@code 1_000}) become {@code ?};
 *   <li>comments ({@code -- ...} and nested {@code /* ... *}{@code /}) are dropped: they may hold anything;
 *   <li>identifiers stay as they are, digits included ({@code table1}, {@code "Col 2"}, {@code foo$bar}), and so do
 *       positional parameters ({@code $1});
 *   <li>whitespace is folded and the result capped at {@link #MAX_LENGTH} characters.
 * </ul>
 *
 * A constant cut off by {@code track_activity_query_size} (no closing quote) is replaced up to the end. Strings are
 * read with {@code standard_conforming_strings = on} (the default since PostgreSQL 9.1): in {@code '...'} a backslash
 * is an ordinary character.
 */
public final class QueryText {
  public static final int MAX_LENGTH = 300;
  static final String PLACEHOLDER = "?";

  private QueryText() {}

  public static String normalize(String query) {
    if (query == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(Math.min(query.length(), MAX_LENGTH + 16));
    int n = query.length();
    int i = 0;
    boolean space = false;
    while (i < n && out.length() <= MAX_LENGTH) {
      char c = query.charAt(i);
      int next;
      if (Character.isWhitespace(c)) {
        space = true;
        i++;
        continue;
      } else if (c == '-' && at(query, i + 1) == '-') {
        int eol = query.indexOf('\n', i);
        i = eol < 0 ? n : eol + 1;
        space = true;
        continue;
      } else if (c == '/' && at(query, i + 1) == '*') {
        i = endOfBlockComment(query, i);
        space = true;
        continue;
      }
      if (space && out.length() > 0) {
        out.append(' ');
      }
      space = false;
      if (c == '\'' || isStringPrefix(query, i)) {
        int quote = query.indexOf('\'', i);
        boolean escapes = c == 'e' || c == 'E';
        i = endOfQuoted(query, quote + 1, '\'', escapes);
        out.append(PLACEHOLDER);
      } else if (c == '"') {
        next = endOfQuoted(query, i + 1, '"', false);
        out.append(query, i, next);
        i = next;
      } else if (c == '$' && (next = dollarTagEnd(query, i)) > 0) {
        String tag = query.substring(i, next);
        int close = query.indexOf(tag, next);
        i = close < 0 ? n : close + tag.length();
        out.append(PLACEHOLDER);
      } else if (c == '$' && isDigit(at(query, i + 1))) {
        next = i + 1;
        while (next < n && isDigit(query.charAt(next))) {
          next++;
        }
        out.append(query, i, next);
        i = next;
      } else if (isIdentifierStart(c)) {
        next = i + 1;
        while (next < n && isIdentifierPart(query.charAt(next))) {
          next++;
        }
        out.append(query, i, next);
        i = next;
      } else if (isDigit(c) || (c == '.' && isDigit(at(query, i + 1)))) {
        i = endOfNumber(query, i);
        out.append(PLACEHOLDER);
      } else {
        out.append(c);
        i++;
      }
    }
    return cap(out);
  }

  private static String cap(StringBuilder out) {
    if (out.length() <= MAX_LENGTH) {
      return out.toString();
    }
    int end = MAX_LENGTH;
    if (Character.isHighSurrogate(out.charAt(end - 1))) {
      end--;
    }
    return out.substring(0, end).stripTrailing() + "…";
  }

  private static char at(String s, int i) {
    return i < s.length() ? s.charAt(i) : '\0';
  }

  /** E'..', B'..', X'..', N'..', U&'..' where the letter starts a token (not the end of an identifier). */
  private static boolean isStringPrefix(String s, int i) {
    char c = s.charAt(i);
    if (i > 0 && isIdentifierPart(s.charAt(i - 1))) {
      return false;
    }
    switch (Character.toUpperCase(c)) {
      case 'E', 'B', 'X', 'N':
        return at(s, i + 1) == '\'';
      case 'U':
        return at(s, i + 1) == '&' && at(s, i + 2) == '\'';
      default:
        return false;
    }
  }

  /**
   * Index after the closing {@code quote} of a string constant ({@code '}) or quoted identifier ({@code "}) whose
   * body starts at {@code i} (or the end: cut off). A doubled quote stands for one; with {@code backslashEscapes}
   * (escape strings) a backslash takes the next character with it.
   */
  private static int endOfQuoted(String s, int i, char quote, boolean backslashEscapes) {
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (at(s, i + 1) == quote) {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  /** Block comments nest in PostgreSQL. */
  private static int endOfBlockComment(String s, int i) {
    int n = s.length();
    int depth = 0;
    while (i < n) {
      if (s.charAt(i) == '/' && at(s, i + 1) == '*') {
        depth++;
        i += 2;
      } else if (s.charAt(i) == '*' && at(s, i + 1) == '/') {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return n;
  }

  /**
   * If a dollar-quote opening tag ({@code $$} or {@code $tag$}) starts at {@code i}, the index after it; else -1. A
   * {@code $} inside an identifier ({@code foo$bar$}) does not open one.
   */
  private static int dollarTagEnd(String s, int i) {
    if (i > 0 && isIdentifierPart(s.charAt(i - 1))) {
      return -1;
    }
    int j = i + 1;
    if (j < s.length() && isIdentifierStart(s.charAt(j))) {
      j++;
      while (j < s.length() && isIdentifierPart(s.charAt(j)) && s.charAt(j) != '$') {
        j++;
      }
    }
    return j < s.length() && s.charAt(j) == '$' ? j + 1 : -1;
  }

  /** Decimal, real with exponent, hex/octal/binary ({@code 0x1F}), with underscores ({@code 1_000}). */
  private static int endOfNumber(String s, int i) {
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (isIdentifierPart(c) && c != '$') {
        boolean exponent = (c == 'e' || c == 'E') && (at(s, i + 1) == '+' || at(s, i + 1) == '-')
            && isDigit(at(s, i + 2));
        i += exponent ? 2 : 1;
      } else if (c == '.' && at(s, i + 1) != '.') {
        i++;
      } else {
        break;
      }
    }
    return i;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  }

  private static boolean isIdentifierPart(char c) {
    return isIdentifierStart(c) || isDigit(c) || c == '$';
  }
}
