package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Per-blocker outcomes of one cancel or terminate action.
 *
 * @param attempt the activity attempt that produced it (1 = first; more after a worker crash or a timeout)
 * @param waitsAfter lock waits (past {@code lockWaitAfter}) counted right after the signals, on the same connection
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SignalResult(List<SignalOutcome> outcomes, int attempt, int waitsAfter) {

  public long count(SignalOutcome.Result result) {
    return outcomes == null ? 0 : outcomes.stream().filter(o -> o.result() == result).count();
  }
}
