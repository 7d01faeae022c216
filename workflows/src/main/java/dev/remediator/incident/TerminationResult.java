package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** Per-session outcome of one termination action. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TerminationResult(List<SessionOutcome> outcomes) {

  public long terminated() {
    return outcomes.stream().filter(o -> o.result() == SessionOutcome.Result.TERMINATED).count();
  }
}
