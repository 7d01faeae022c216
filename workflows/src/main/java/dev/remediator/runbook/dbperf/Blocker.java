package dev.remediator.runbook.dbperf;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A session that blocks others: a node of the blocking tree with what it holds and runs.
 *
 * @param session the blocking session (its {@code query} is what it runs or ran last)
 * @param held the granted locks others wait for, one line each, e.g. "RowExclusiveLock on public.orders",
 *     "ExclusiveLock on transactionid"; sorted, capped
 * @param blockedPids the sessions it blocks directly, in pid order
 * @param waitersInTree every session waiting behind it, directly or through a chain
 * @param root it waits on nobody itself (ending it releases its whole tree)
 * @param longestWaitSeconds the longest wait among the sessions behind it
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Blocker(
    BackendSession session,
    List<String> held,
    List<Integer> blockedPids,
    int waitersInTree,
    boolean root,
    double longestWaitSeconds) {}
