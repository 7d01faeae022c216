package dev.remediator.runbook.servicedown;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Outcome of a rollback request.
 *
 * @param rolledBack true when the Deployment now carries the previous revision's template (set by this call, or
 *     found already set)
 * @param patched true when this call changed the Deployment
 * @param fromRevision the revision rolled back from
 * @param toRevision the revision whose template the Deployment carries now
 * @param changes what the rollback changed in the pod template (image, env, resources)
 * @param refusal why it was refused (paused, another rollout in progress, no previous revision), else null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RollbackResult(
    boolean rolledBack, boolean patched, long fromRevision, long toRevision, List<String> changes, String refusal) {
  public RollbackResult {
    changes = changes == null ? List.of() : List.copyOf(changes);
  }
}
