package dev.remediator.config.loader;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.remediator.config.ConfigException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns what goes wrong reading a configuration file into messages an operator can act on: the file, line and
 * column, the key path ({@code targets[0].databse}), what was expected, and for an unknown key the closest known
 * one. Never a Java class name.
 */
final class ConfigProblems {
  private static final Pattern CLASS_NAME =
      Pattern.compile("`?\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:\\[])?`?");

  private final String source;
  private final Map<String, JsonLocation> locations;

  private ConfigProblems(String source, Map<String, JsonLocation> locations) {
    this.source = source;
    this.locations = locations;
  }

  /** Indexes where every key and list item of {@code yaml} is; an unparseable file gets an empty index. */
  static ConfigProblems of(ObjectMapper yaml, String text, String source) {
    Map<String, JsonLocation> index = new HashMap<>();
    try (JsonParser p = yaml.getFactory().createParser(text)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        JsonStreamContext ctx = p.getParsingContext();
        if (t == JsonToken.FIELD_NAME) {
          index.putIfAbsent(path(ctx), p.currentTokenLocation());
        } else {
          JsonStreamContext holder = t.isStructStart() ? ctx.getParent() : ctx;
          if (holder != null && holder.inArray()) {
            index.putIfAbsent(path(holder), p.currentTokenLocation()); // the array context names the item
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // The parse proper reports syntax errors with their position.
    }
    return new ConfigProblems(source, index);
  }

  /** {@code file:line:column: path: message}, with the nearest located ancestor when the path itself is not. */
  String at(String path, String message) {
    String p = path;
    JsonLocation loc = null;
    while (p != null && !p.isEmpty() && (loc = locations.get(p)) == null) {
      p = parent(p);
    }
    StringBuilder b = new StringBuilder(source);
    if (loc != null && loc.getLineNr() > 0) {
      b.append(':').append(loc.getLineNr()).append(':').append(loc.getColumnNr());
    }
    b.append(": ");
    if (path != null && !path.isEmpty()) {
      b.append(path).append(": ");
    }
    return b.append(clean(message)).toString();
  }

  boolean located(String path) {
    return locations.containsKey(path);
  }

  /** The message for a failed YAML parse or data binding. {@code prefix} maps a bound tree onto file paths. */
  String describe(IOException e, String prefix) {
    if (!(e instanceof JsonMappingException d)) {
      // YAML syntax: the parser knows the position.
      JsonLocation loc = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getLocation() : null;
      String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j
          ? j.getOriginalMessage() : e.getMessage();
      msg = msg == null ? "" : msg.lines().findFirst().orElse("").strip();
      return source + (loc != null && loc.getLineNr() > 0 ? ":" + loc.getLineNr() + ":" + loc.getColumnNr() : "")
          + ": not valid YAML: " + clean(msg);
    }
    String path = path(prefix, d.getPath());
    if (e instanceof UnrecognizedPropertyException u) {
      return unknownKey(parent(path), u.getPropertyName(), stringsOf(u.getKnownPropertyIds()));
    }
    Throwable cause = e.getCause();
    while (cause != null && !(cause instanceof ConfigException) && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    if (cause instanceof ConfigException c) {
      return at(path, c.getMessage());
    }
    if (e instanceof InvalidFormatException f) {
      return at(path, "expected " + expected(f.getTargetType()) + ", not '" + f.getValue() + "'");
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      return at(path, "expected " + expected(m.getTargetType()));
    }
    return at(path, d.getOriginalMessage());
  }

  /** An unknown key, with the closest known key when there is a plausible one. */
  String unknownKey(String parentPath, String key, Collection<String> known) {
    String path = parentPath == null || parentPath.isEmpty() ? key : parentPath + "." + key;
    StringBuilder m = new StringBuilder("unknown key '").append(key).append('\'');
    String suggestion = closest(key, known);
    if (suggestion != null) {
      m.append("; did you mean '").append(suggestion).append("'?");
    }
    List<String> sorted = new ArrayList<>(known);
    sorted.sort(String.CASE_INSENSITIVE_ORDER);
    m.append(" (known here: ").append(String.join(", ", sorted)).append(')');
    return at(path, m.toString());
  }

  /** The closest of {@code known} by edit distance (case-insensitive), if it is close enough to be a typo. */
  static String closest(String key, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String k = key.toLowerCase(Locale.ROOT);
    for (String candidate : known.stream().sorted().toList()) {
      String c = candidate.toLowerCase(Locale.ROOT);
      int d = distance(k, c);
      if (c.startsWith(k) || k.startsWith(c)) {
        d = Math.min(d, 1);
      }
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, key.length() / 3) ? best : null;
  }

  /** Levenshtein distance with adjacent transpositions (optimal string alignment). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** What a value of this type looks like, for people. */
  static String expected(Class<?> type) {
    if (type == null) {
      return "another kind of value";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a text value";
    }
    if (type == Duration.class) {
      return "a duration such as 30s, 10m or 2h";
    }
    if (type.isEnum()) {
      return "one of " + String.join(", ",
          Arrays.stream(type.getEnumConstants()).map(c -> c.toString().toLowerCase(Locale.ROOT)).toList());
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    return "a mapping of keys to values";
  }

  /** Removes Java class names from a message (a safety net for messages of libraries). */
  static String clean(String message) {
    if (message == null) {
      return "invalid value";
    }
    return CLASS_NAME.matcher(message).replaceAll("value").replaceAll("\\(class value\\)", "").strip();
  }

  private static List<String> stringsOf(Collection<Object> ids) {
    List<String> out = new ArrayList<>();
    if (ids != null) {
      ids.forEach(i -> out.add(String.valueOf(i)));
    }
    return out;
  }

  static String path(String prefix, List<JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder(prefix == null ? "" : prefix);
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  /** {@code targets[0].postgres.url} of a parser context (its current field included). */
  private static String path(JsonStreamContext ctx) {
    List<String> parts = new ArrayList<>();
    for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inObject()) {
        parts.add(0, c.getCurrentName() == null ? "" : c.getCurrentName());
      } else if (c.inArray()) {
        parts.add(0, "[" + c.getCurrentIndex() + "]");
      }
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i);
      // An array's own context names the index of the item being read; items that contain it come after.
      if (part.startsWith("[")) {
        b.append(part);
      } else {
        b.append(b.length() == 0 ? "" : ".").append(part);
      }
    }
    return b.toString();
  }

  static String parent(String path) {
    int dot = path.lastIndexOf('.');
    int bracket = path.lastIndexOf('[');
    int cut = Math.max(dot, bracket);
    return cut <= 0 ? "" : path.substring(0, cut);
  }

  /** The kind of node at a path of a tree, for messages ("a list", "'abc'"). */
  static String describeNode(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "nothing";
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isObject()) {
      return "a mapping";
    }
    return "'" + n.asText() + "'";
  }
}
