package dev.remediator.starter;

import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.TimelineEntry;
import java.util.Locale;

/** Renders an {@link IncidentReport} as a markdown post-incident draft (when the workflow did not write one). */
public final class ReportMarkdown {
  private ReportMarkdown() {}

  public static String render(IncidentReport r) {
    StringBuilder b = new StringBuilder();
    b.append("# Incident ").append(r.incidentId()).append("\n\n");
    b.append("| | |\n|---|---|\n");
    if (r.target() != null) {
      b.append("| Target | ").append(r.target().id()).append(" |\n");
    }
    b.append("| Outcome | ").append(r.outcome()).append(" |\n");
    if (r.facts() != null && !r.facts().isEmpty()) {
      r.facts().forEach(f -> b.append("| ").append(f.name()).append(" | ").append(f.value()).append(" |\n"));
    } else if (r.earlier().containsKey("utilizationBefore")) { // a report written before the runbook's facts
      b.append(String.format(Locale.ROOT, "| Utilization | %.1f%% peak, %.1f%% after |%n",
          number(r, "utilizationBefore") * 100, number(r, "utilizationAfter") * 100));
      b.append("| Sessions | ").append((long) number(r, "sessionsFound")).append(" found idle in transaction, ")
          .append((long) number(r, "sessionsTerminated")).append(" terminated |\n");
    }
    b.append("| Duration | ").append(r.durationSeconds()).append(" s |\n");
    if (r.timeline() != null && !r.timeline().isEmpty()) {
      b.append("\n## Timeline\n\n");
      for (TimelineEntry e : r.timeline()) {
        b.append("- `").append(e.at()).append("` **").append(e.actor()).append("**: ")
            .append(e.event().replace("\n", " ")).append('\n');
      }
    }
    return b.toString().stripTrailing() + "\n";
  }

  private static double number(IncidentReport r, String key) {
    var v = r.earlier().get(key);
    return v == null ? 0 : v.asDouble();
  }
}
