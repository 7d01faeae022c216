package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One HTTP probe of the service, like the runbook's {@code curl -f}: ok is a 2xx answer within the timeout.
 *
 * @param status HTTP status, or 0 when there was no answer
 * @param error why there was no usable answer (timeout, refused, DNS), else null
 * @param unreachableSinceMillis when the probe's host:port did not answer: since when the worker has seen it down
 *     (the probe may have failed fast, without connecting); null when it answered (and in older payloads)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProbeResult(
    String url, boolean ok, int status, long latencyMillis, String error, Long unreachableSinceMillis) {

  public ProbeResult(String url, boolean ok, int status, long latencyMillis, String error) {
    this(url, ok, status, latencyMillis, error, null);
  }
}
