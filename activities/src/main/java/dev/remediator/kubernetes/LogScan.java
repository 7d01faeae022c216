package dev.remediator.kubernetes;

import dev.remediator.incident.LogSummary;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Counts the runbook's error patterns in log lines ({@code grep -E "(Connection pool exhausted|Connection timeout|Too
 * many connections)"} and {@code grep -E "(connection|pool|timeout|database)"}, both case-insensitive here) and
 * keeps a few redacted, length-capped samples: the latest line of each specific pattern, then the latest generic
 * ones.
 */
public final class LogScan {
  static final String POOL_EXHAUSTED = "Connection pool exhausted";
  static final String CONNECTION_TIMEOUT = "Connection timeout";
  static final String TOO_MANY_CONNECTIONS = "Too many connections";
  static final String GENERIC = "connection|pool|timeout|database";
  static final List<String> SPECIFIC = List.of(POOL_EXHAUSTED, CONNECTION_TIMEOUT, TOO_MANY_CONNECTIONS);

  static final int MAX_SAMPLES = 5;
  static final int MAX_SAMPLE_CHARS = 240;

  private static final Pattern GENERIC_PATTERN = Pattern.compile("(?i)connection|pool|timeout|database");

  private final Map<String, Integer> counts = new TreeMap<>();
  private final Map<String, String> latestSpecific = new LinkedHashMap<>();
  private final Deque<String> latestGeneric = new ArrayDeque<>();
  private long lines;

  LogScan() {
    for (String p : SPECIFIC) {
      counts.put(p, 0);
    }
    counts.put(GENERIC, 0);
  }

  /** Scans one pod's log text (possibly cut mid-line at the byte cap: the partial last line still counts). */
  void scan(String pod, String text) {
    for (String line : text.split("\r?\n")) {
      if (line.isBlank()) {
        continue;
      }
      lines++;
      String lower = line.toLowerCase(java.util.Locale.ROOT);
      boolean specific = false;
      for (String p : SPECIFIC) {
        if (lower.contains(p.toLowerCase(java.util.Locale.ROOT))) {
          counts.merge(p, 1, Integer::sum);
          latestSpecific.put(p, pod + ": " + line);
          specific = true;
        }
      }
      if (GENERIC_PATTERN.matcher(line).find()) {
        counts.merge(GENERIC, 1, Integer::sum);
        if (!specific) {
          latestGeneric.addLast(pod + ": " + line);
          if (latestGeneric.size() > MAX_SAMPLES) {
            latestGeneric.removeFirst();
          }
        }
      }
    }
  }

  LogSummary summary(int pods) {
    Set<String> samples = new LinkedHashSet<>();
    for (String p : SPECIFIC) {
      String line = latestSpecific.get(p);
      if (line != null) {
        samples.add(sample(line));
      }
    }
    List<String> generic = new ArrayList<>(latestGeneric);
    for (int i = generic.size() - 1; i >= 0 && samples.size() < MAX_SAMPLES; i--) {
      samples.add(sample(generic.get(i)));
    }
    return new LogSummary(pods, lines, new TreeMap<>(counts), List.copyOf(samples));
  }

  public static String sample(String line) {
    String redacted = Redaction.redact(line.strip());
    return redacted.length() <= MAX_SAMPLE_CHARS ? redacted : redacted.substring(0, MAX_SAMPLE_CHARS - 1) + "…";
  }
}
