package dev.remediator.runbook.servicedown;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * Error patterns in crashed containers' previous logs ({@code kubectl logs --previous}), byte-bounded and
 * redacted.
 *
 * @param containers how many previous logs were read
 * @param counts pattern → matching lines (a sorted map: deterministic order); see {@link #DATABASE}, ...
 * @param samples a few latest matching lines, {@code pod/container: line}
 * @param unavailable why some crashed containers' logs could not be read (the node serves none), else null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CrashLogs(
    int containers, long linesScanned, Map<String, Integer> counts, List<String> samples, String unavailable) {
  /** Database connection errors: the dependency-down evidence. */
  public static final String DATABASE = "database connection error";
  /** The process ran out of memory (often before an OOMKilled). */
  public static final String OUT_OF_MEMORY = "out of memory";
  /** Missing or invalid configuration at start. */
  public static final String CONFIGURATION = "configuration error";
  /** Exceptions, panics, fatal errors. */
  public static final String CRASH = "exception or fatal error";

  public CrashLogs {
    counts = counts == null ? Map.of() : new java.util.TreeMap<>(counts);
    samples = samples == null ? List.of() : List.copyOf(samples);
  }

  public CrashLogs(int containers, long linesScanned, Map<String, Integer> counts, List<String> samples) {
    this(containers, linesScanned, counts, samples, null);
  }

  public int count(String pattern) {
    return counts.getOrDefault(pattern, 0);
  }
}
