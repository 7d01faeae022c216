package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Per-session outcome of one termination action.
 *
 * @param attempt the activity attempt that produced it (1 = first; more after a worker crash or a timeout). Histories
 *     recorded before this component existed read as 0.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TerminationResult(List<SessionOutcome> outcomes, int attempt) {

  public long terminated() {
    return count(SessionOutcome.Result.TERMINATED);
  }

  public long count(SessionOutcome.Result result) {
    return outcomes.stream().filter(o -> o.result() == result).count();
  }
}
