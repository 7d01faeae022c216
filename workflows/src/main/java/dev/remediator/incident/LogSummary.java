package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * Error lines of the service's pods over a window, counted per runbook pattern ("Connection pool exhausted",
 * "Connection timeout", "Too many connections", and connection/pool/timeout/database lines), with a few sample
 * lines, byte-bounded and redacted.
 *
 * @param counts pattern → matching lines (a sorted map, so its order is deterministic)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LogSummary(int pods, long linesScanned, Map<String, Integer> counts, List<String> samples) {}
