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
 * @param toRevision the revision whose template the Deployment carries now ({@code --to-revision}): the last one
 *     before the bad change, whatever restarts or pool-size changes followed that change
 * @param changes what the rollback changed in the pod template (image, env, resources)
 * @param refusal why it was refused (paused, another rollout in progress, no previous revision), else null
 * @param revisionAfter the Deployment's revision once the controller observed the rollback, read back from the
 *     cluster (the controller gives the reused ReplicaSet the next number: 2 → 1's template is revision 3); 0 when
 *     unknown (not observed in time, or a result from before this field)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RollbackResult(
    boolean rolledBack,
    boolean patched,
    long fromRevision,
    long toRevision,
    List<String> changes,
    String refusal,
    long revisionAfter) {
  public RollbackResult {
    changes = changes == null ? List.of() : List.copyOf(changes);
  }

  public RollbackResult(
      boolean rolledBack, boolean patched, long fromRevision, long toRevision, List<String> changes, String refusal) {
    this(rolledBack, patched, fromRevision, toRevision, changes, refusal, 0);
  }

  /** {@code revision 2 → 1's template (now revision 3)}, or {@code revision 2 → 1} when the revision after is unknown. */
  public String revisions() {
    return "revision " + fromRevision + " → " + (revisionAfter > 0
        ? toRevision + "'s template (now revision " + revisionAfter + ")" : Long.toString(toRevision));
  }
}
