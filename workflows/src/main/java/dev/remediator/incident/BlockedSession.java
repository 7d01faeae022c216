package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** A session waiting on a lock and the pids it waits for ({@code pg_blocking_pids}). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BlockedSession(SessionInfo blocked, List<Integer> blockedBy, double waitingSeconds) {}
