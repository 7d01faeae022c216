package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The service's /health and /ready at one moment; a probe not configured is null. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ServiceHealth(ProbeResult health, ProbeResult ready) {
  /** Available: every configured probe passed. */
  public boolean available() {
    return (health == null || health.ok()) && (ready == null || ready.ok());
  }
}
