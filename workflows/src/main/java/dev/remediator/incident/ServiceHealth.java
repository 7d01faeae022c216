package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The service's /health and /ready at one moment; a probe not configured is null. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ServiceHealth(ProbeResult health, ProbeResult ready) {
  /** Available: every configured probe passed. */
  public boolean available() {
    return (health == null || health.ok()) && (ready == null || ready.ok());
  }

  /** False when no probe is configured: the report and timeline say "not probed", never "available". */
  public boolean probed() {
    return health != null || ready != null;
  }

  /** The first probe, or one whose availability or probing differs from {@code last}'s: one timeline line. */
  public boolean changedFrom(ServiceHealth last) {
    return last == null || last.available() != available() || last.probed() != probed();
  }
}
