package dev.remediator.incident;

import java.util.List;

/**
 * A runbook's part of the post-incident draft; the shell writes the rest (outcome, severity, times, alerts,
 * escalation, diagnosis, actions, diagrams, timeline).
 *
 * @param title what the incident was about, e.g. "api connection pool (orders)"
 * @param facts rows of the summary table, after the shell's
 * @param findings lines under the diagnosis, after its evidence
 * @param recommendations the runbook's advice for this incident
 * @param followUps the runbook's post-incident checklist
 * @param series the runbook's measurement series for the chart (empty: none)
 * @param section the runbook's own typed section of the report (null: none)
 */
public record RunbookReport(
    String title, List<Fact> facts, List<String> findings, List<String> recommendations, List<String> followUps,
    List<Measurement> series, RunbookSection section) {

  public RunbookReport(
      String title, List<Fact> facts, List<String> findings, List<String> recommendations, List<String> followUps) {
    this(title, facts, findings, recommendations, followUps, List.of(), null);
  }

  /** One row of the summary table. */
  public record Fact(String name, String value) {}
}
