package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.ActionTarget;
import java.util.List;

/**
 * The target of {@code CANCEL_BLOCKERS} and {@code TERMINATE_BLOCKERS}: the exact root blockers (pid + backend start
 * + transaction start), as the diagnosis saw them; the activity acts on each only if it is still the same transaction
 * and still blocks someone. Field names are the plan's JSON and never change.
 *
 * @param signal what is done to them
 * @param blockers the sessions to signal
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BlockersTarget(Signal signal, List<BackendSession> blockers) implements ActionTarget {

  /** {@code pg_cancel_backend} or {@code pg_terminate_backend}. */
  public enum Signal { CANCEL, TERMINATE }

  @Override
  public String describe() {
    List<BackendSession> b = blockers == null ? List.of() : blockers;
    return (signal == Signal.TERMINATE ? "terminate " : "cancel the statement of ") + b.size()
        + " blocking session(s): " + String.join(", ", b.stream().map(PerformanceText::session).toList());
  }
}
