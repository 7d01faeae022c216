package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * An endpoint of the target (database host:port, probe host:port) that did not answer, and since when the worker
 * has seen it down: the details of an activity failure of type {@link #TYPE}. The workflow learns the outage's start
 * from these details (they are in its history), never from the worker's registry, so an incident opened an hour into
 * an outage backs off as far as one that saw it begin.
 *
 * @param endpoint host:port
 * @param sinceMillis wall-clock time of the first failed attempt the worker remembers (0: unknown)
 * @param attempted false when the activity failed fast, without connecting, because the endpoint was seen down
 *     within the last few seconds
 * @param waiting how many targets the worker saw wait on the endpoint within the last 20 minutes, this one
 *     included (0: not counted, e.g. details written before the count existed)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Unreachable(String endpoint, long sinceMillis, boolean attempted, int waiting) {
  /** The failure type of an activity whose endpoint does not answer (not retried: the next sample is the retry). */
  public static final String TYPE = "TargetUnreachable";
}
