package dev.remediator.kubernetes.servicedown;

import dev.remediator.kubernetes.LogScan;
import dev.remediator.runbook.servicedown.CrashLogs;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Counts the Service Down runbook's patterns in crashed containers' previous logs ({@code kubectl logs --previous
 * | grep -E ...}): database connection errors (the dependency-down evidence), out of memory, configuration errors,
 * exceptions and fatal errors. Keeps the latest matching lines, redacted and length-capped.
 */
final class CrashLogScan {
  static final int MAX_SAMPLES = 5;

  /** In order: a line counts for every pattern it matches, its sample is kept under the first. */
  static final Map<String, Pattern> PATTERNS = new LinkedHashMap<>();

  static {
    PATTERNS.put(CrashLogs.DATABASE, Pattern.compile(
        "(?i)(could not connect to (the )?(server|database)|connection to (the )?(server|database)\\b.*\\b(refused|failed)"
            + "|PSQLException|SQLSTATE\\W*08|jdbc\\S*.*\\b(refused|timed out|unreachable)"
            + "|(database|postgres\\w*|mysql)\\b.*\\b(unavailable|unreachable|refused|is down|timed out|connection error)"
            + "|:5432\\b.*\\brefused|refused.*:5432\\b|too many connections|the database system is (starting up|shutting down)"
            + "|HikariPool.*(Connection is not available|Exception during pool initialization)"
            + "|Communications link failure)"));
    PATTERNS.put(CrashLogs.OUT_OF_MEMORY, Pattern.compile(
        "(?i)(OutOfMemoryError|out of memory|Cannot allocate memory|heap (space|limit) (exhausted|exceeded))"));
    PATTERNS.put(CrashLogs.CONFIGURATION, Pattern.compile(
        "(?i)((missing|required) (required )?(env(ironment)? var(iable)?|config(uration)?|setting|secret)"
            + "|environment variable \\S+ (is )?(not set|required|missing)|invalid config(uration)?"
            + "|config(uration)? (file )?not found)"));
    PATTERNS.put(CrashLogs.CRASH, Pattern.compile(
        "(?i)(exception|^panic:|\\bpanic:|\\bfatal\\b|segmentation fault|traceback \\(most recent call last\\))"));
  }

  private final Map<String, Integer> counts = new TreeMap<>();
  private final Deque<String> samples = new ArrayDeque<>();
  private long lines;

  CrashLogScan() {
    PATTERNS.keySet().forEach(p -> counts.put(p, 0));
  }

  void scan(String source, String text) {
    for (String line : text.split("\r?\n")) {
      if (line.isBlank()) {
        continue;
      }
      lines++;
      boolean matched = false;
      for (Map.Entry<String, Pattern> p : PATTERNS.entrySet()) {
        if (p.getValue().matcher(line).find()) {
          counts.merge(p.getKey(), 1, Integer::sum);
          matched = true;
        }
      }
      if (matched) {
        samples.addLast(LogScan.sample(source + ": " + line));
        if (samples.size() > MAX_SAMPLES) {
          samples.removeFirst();
        }
      }
    }
  }

  CrashLogs summary(int containers, String unavailable) {
    List<String> latestFirst = new java.util.ArrayList<>(samples);
    java.util.Collections.reverse(latestFirst);
    return new CrashLogs(containers, lines, counts, latestFirst, unavailable);
  }
}
