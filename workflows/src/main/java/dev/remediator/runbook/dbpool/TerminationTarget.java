package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.remediator.incident.ActionTarget;
import java.util.List;

/**
 * The target of {@code TERMINATE_SESSIONS}: the exact sessions (pid + backend start + transaction start).
 *
 * @param sessions the sessions to terminate; the field's name is the plan's JSON ({@code sessions}) and never changes
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TerminationTarget(List<SessionInfo> sessions) implements ActionTarget {
  @Override
  public String describe() {
    return "terminate " + (sessions == null ? 0 : sessions.size()) + " session(s) idle in transaction";
  }
}
