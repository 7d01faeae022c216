package dev.remediator.runbook.dbpool;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The verdict of {@link PoolCapacity} on a proposed pool size: whether the server can take it and, if not, the
 * largest proposal it can take.
 *
 * @param refused true when the proposal could exhaust the server (or the input is unusable): do not apply it
 * @param reason why, in one line, with the numbers
 * @param proposedPoolSize the pool size per pod that was assessed
 * @param proposedMaxOverflow the overflow per pod that was assessed
 * @param largestSafePoolSize the largest pool size per pod the server can take, in the proposal's proportions; the
 *     current value when no increase is safe
 * @param largestSafeMaxOverflow the matching overflow per pod
 * @param increasePossible whether any increase over the current pool size + overflow is safe
 * @param pods pods that may hold connections at once while the change rolls out (replicas + surge)
 * @param perPodBudget connections one pod may hold at most: {@code (usable - others - headroom) / pods}
 * @param worstCaseConnections server connections if every pod filled the proposed pool and overflow, plus others
 * @param currentWorstCase the same for the current settings
 * @param usableConnections {@code max_connections - reserved}
 * @param otherConnections other clients' connections, kept out of the budget
 * @param headroom slots always left free
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CapacityAssessment(
    boolean refused,
    String reason,
    int proposedPoolSize,
    int proposedMaxOverflow,
    int largestSafePoolSize,
    int largestSafeMaxOverflow,
    boolean increasePossible,
    int pods,
    int perPodBudget,
    int worstCaseConnections,
    int currentWorstCase,
    int usableConnections,
    int otherConnections,
    int headroom) {}
