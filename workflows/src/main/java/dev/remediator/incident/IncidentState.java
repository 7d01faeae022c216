package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Everything an incident run knows, carried into the next run by continue-as-new so a long incident keeps its
 * history bounded without losing its record.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record IncidentState(
    long openedAtMillis,
    String severity,
    String alertName,
    IncidentPhase phase,
    ConnectionSnapshot firstSnapshot,
    ConnectionSnapshot lastSnapshot,
    ServiceHealth lastHealth,
    LogSummary errorLogs,
    Diagnosis diagnosis,
    Plan plan,
    List<ActionOutcome> actions,
    int restarts,
    int sessionsFound,
    int sessionsTerminated,
    PoolSettings poolBefore,
    long revertAtMillis,
    long criticalSinceMillis,
    boolean resolved,
    String escalationReason,
    int escalationTier,
    long tierDeadlineMillis,
    String acknowledgedBy,
    List<String> pagedChannels,
    long recoveredAtMillis,
    long mitigatedAtMillis,
    boolean kubernetesAvailable,
    Alert lastAlert,
    int repeatedAlerts,
    List<TimelineEntry> timeline) {}
