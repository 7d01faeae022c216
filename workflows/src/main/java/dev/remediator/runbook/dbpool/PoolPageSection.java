package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.remediator.incident.EscalationDetails;
import dev.remediator.incident.Reports;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pool runbook's part of a page ({@code EscalationDetails.runbook}): the runbook's "database performance
 * metrics". Pages recorded before it carried these fields at the top of the details; they read as this section.
 *
 * @param utilization connection pool utilization at the page (fraction; 0 before the first snapshot)
 * @param database the last snapshot (no query text beyond the normalised one); null before the first
 */
@JsonTypeName(PoolPageSection.NAME)
@JsonIgnoreProperties(ignoreUnknown = true)
public record PoolPageSection(double utilization, ConnectionSnapshot database) implements EscalationDetails.Section {
  /** The section's logical name in payloads: never changes. */
  public static final String NAME = "dbpool-page";

  /** The fields of a page from before the section, at the top of the details (any one present). */
  static final List<String> EARLIER_FIELDS = List.of("database", "utilization");

  /** The page's first facts line: the pool's utilization. */
  static String utilizationFact(double utilization) {
    return "Current connection pool utilization: " + Reports.percent(utilization);
  }

  @Override
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    ConnectionSnapshot s = database;
    if (s != null) {
      lines.add(String.format(Locale.ROOT,
          "Database: %d of %d usable connections (max_connections %d, %d reserved): %d active, %d idle,"
              + " %d idle in transaction; longest query %ds; %d blocked",
          s.totalConnections(), s.maxConnections() - s.reservedConnections(), s.maxConnections(),
          s.reservedConnections(), s.active(), s.idle(), s.idleInTransaction(), Math.round(s.longestQuerySeconds()),
          s.blocked() == null ? 0 : s.blocked().size()));
      if (s.diagnosis() != null) {
        lines.add("Likely cause: " + s.diagnosis().cause()
            + (s.diagnosis().evidence() == null || s.diagnosis().evidence().isEmpty()
                ? ""
                : " (" + String.join("; ", s.diagnosis().evidence()) + ")"));
      }
    }
    return lines;
  }

  @Override
  public List<Map.Entry<String, Object>> customDetails() {
    if (database == null) {
      return List.of();
    }
    ConnectionSnapshot s = database;
    Map<String, Object> db = new LinkedHashMap<>();
    db.put("taken_at", s.takenAt());
    db.put("connections", s.totalConnections());
    db.put("usable_connections", s.maxConnections() - s.reservedConnections());
    db.put("max_connections", s.maxConnections());
    db.put("active", s.active());
    db.put("idle", s.idle());
    db.put("idle_in_transaction", s.idleInTransaction());
    db.put("longest_query_seconds", Math.round(s.longestQuerySeconds()));
    db.put("blocked_sessions", s.blocked() == null ? 0 : s.blocked().size());
    if (s.diagnosis() != null) {
      db.put("likely_cause", String.valueOf(s.diagnosis().cause()));
      db.put("evidence", s.diagnosis().evidence() == null ? List.of() : s.diagnosis().evidence());
    }
    return List.of(Map.entry("current_utilization", Reports.percent(utilization)), Map.entry("database", db));
  }

  @Override
  public List<String> earlierFacts() {
    return List.of(utilizationFact(utilization));
  }
}
