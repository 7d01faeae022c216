package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** Per-table outcomes of one ANALYZE action; {@code attempt} as in {@link SignalResult}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AnalyzeResult(List<AnalyzeOutcome> outcomes, int attempt) {

  public long count(AnalyzeOutcome.Result result) {
    return outcomes == null ? 0 : outcomes.stream().filter(o -> o.result() == result).count();
  }
}
