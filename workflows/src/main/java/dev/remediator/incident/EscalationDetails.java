package dev.remediator.incident;

import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The runbook's "Information to Provide" when escalating.
 *
 * @param reason why the incident escalates (trigger)
 * @param utilization current connection pool utilization (fraction; 0 for a runbook without a pool)
 * @param recentChanges recent application changes (rollout history)
 * @param database database performance metrics: the last snapshot (no query text beyond the normalised one)
 * @param errorLogs error-log counts and samples
 * @param timeline the incident timeline so far
 * @param facts what the runbook says of the target now, in its own words, first in a page (e.g. the pool's
 *     utilization, a Deployment's ready replicas and the likely cause); null in pages recorded before it, which
 *     show the utilization instead
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EscalationDetails(
    String reason,
    double utilization,
    List<RolloutRevision> recentChanges,
    ConnectionSnapshot database,
    LogSummary errorLogs,
    List<TimelineEntry> timeline,
    List<String> facts) {}
