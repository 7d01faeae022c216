package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.RunbookSection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The pool runbook's part of the {@code status} query's answer ({@code IncidentStatus.runbook}). Answers of workers
 * from before it carried these fields at the top of the status; {@link #of} reads either.
 *
 * @param lastSnapshot the last pg_stat_activity snapshot; null before the first
 * @param poolRevertTo the pool settings an outstanding temporary increase is reverted to; null when none is
 * @param poolRevertAt when that revert is scheduled (ISO-8601 UTC); null when none is outstanding
 * @param poolRevertFinal false while that time may still move later (not recovered yet: the revert waits the
 *     runbook's revert delay past the recovery)
 */
@JsonTypeName(PoolStatusSection.NAME)
@JsonIgnoreProperties(ignoreUnknown = true)
public record PoolStatusSection(
    ConnectionSnapshot lastSnapshot, PoolSettings poolRevertTo, String poolRevertAt, boolean poolRevertFinal)
    implements RunbookSection {
  /** The section's logical name in payloads: never changes. */
  public static final String NAME = "dbpool-status";

  /** The pool section of a status, also of one a worker from before the section answered; null otherwise. */
  public static PoolStatusSection of(IncidentStatus status) {
    return status.section() instanceof PoolStatusSection s ? s : null;
  }

  @Override
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    if (poolRevertAt != null && poolRevertTo != null) {
      lines.add("Revert     temporary pool increase back to " + env(poolRevertTo) + " at " + poolRevertAt
          + (poolRevertFinal ? "" : " at the earliest (it waits past recovery)"));
    }
    ConnectionSnapshot snap = lastSnapshot;
    if (snap != null) {
      lines.add("Snapshot   " + snap.utilizationPercent() + " of usable connections: " + snap.totalConnections()
          + " connections, " + snap.active() + " active, " + snap.idleInTransaction() + " idle in transaction (taken "
          + snap.takenAt() + ")");
    }
    return lines;
  }

  private static String env(PoolSettings p) {
    return p.values() == null ? "-" : p.values().stream()
        .map(v -> v.name() + "=" + (v.value() == null ? "(unset)" : v.value()))
        .collect(Collectors.joining(", "));
  }
}
