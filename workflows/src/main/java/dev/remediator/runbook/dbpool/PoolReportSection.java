package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.RunbookSection;
import java.util.List;
import java.util.Locale;

/**
 * The pool runbook's part of the incident report ({@code IncidentReport.runbook}). Reports written before it
 * existed carried these fields at the top of the report; {@link #of} reads either.
 *
 * @param utilizationBefore the episode's peak utilization: the highest of the values its alerts carried and the
 *     samples; the Markdown says which
 * @param utilizationAfter utilization sampled at close, after the last action and every alert's resolution (the
 *     last sample in runs from before that, or when the sample at close failed)
 * @param sessionsFound idle-in-transaction sessions past the termination threshold at diagnosis
 * @param sessionsTerminated sessions actually terminated
 */
@JsonTypeName(PoolReportSection.NAME)
@JsonIgnoreProperties(ignoreUnknown = true)
public record PoolReportSection(
    double utilizationBefore, double utilizationAfter, int sessionsFound, int sessionsTerminated)
    implements RunbookSection {
  /** The section's logical name in payloads: never changes. */
  public static final String NAME = "dbpool-report";

  /** The pool section of a report, also of one written before the section existed; null for another runbook's. */
  public static PoolReportSection of(IncidentReport report) {
    return report.section() instanceof PoolReportSection s ? s : null;
  }

  @Override
  public List<String> lines() {
    return List.of(
        String.format(Locale.ROOT, "Utilization %.1f%% peak, %.1f%% after", utilizationBefore * 100,
            utilizationAfter * 100),
        "Sessions " + sessionsFound + " found idle in transaction, " + sessionsTerminated + " terminated");
  }
}
