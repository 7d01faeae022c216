package dev.remediator.runbook.servicedown;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.Reports;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the check for similar issues looks for in the other Deployments: the failing revision's images, and a new
 * revision within {@code window} of the time it became the incident's newest (the same recent change).
 *
 * @param revision the failing revision (the bad rollout's, else the newest at diagnosis); 0 when unknown
 * @param images its containers' images
 * @param changedAt when it became the Deployment's newest revision (RFC 3339); null when unknown
 * @param window how near in time another Deployment's newest revision counts as the same change
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SameChange(long revision, List<String> images, String changedAt, Duration window) {
  public SameChange {
    images = images == null ? List.of() : List.copyOf(images);
  }

  /** The failing revision as the diagnosis's first look at the Deployment saw it; null without one. */
  static SameChange of(WorkloadStatus first, long badRevision, Duration window) {
    if (first == null || first.history().isEmpty()) {
      return null;
    }
    WorkloadStatus.Revision failing = first.history().stream().filter(r -> r.revision() == badRevision).findFirst()
        .orElse(first.history().get(0));
    String changedAt = null;
    if (first.observedAt() != null && failing.ageSeconds() >= 0) {
      changedAt = Instant.parse(first.observedAt()).minusSeconds(failing.ageSeconds()).toString();
    }
    return new SameChange(failing.revision(), failing.images(), changedAt, window);
  }

  /** In words, for the report. */
  public String describe() {
    return "Deployments running " + (images.isEmpty() ? "(no image known)" : String.join(", ", images))
        + (changedAt == null ? "" : ", or with a new revision within " + Reports.duration(window) + " of " + changedAt);
  }
}
