package dev.remediator.incident;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * PostgreSQL side of the runbook. Every call opens one dedicated connection to the configured database of the
 * target (never a pool: the pool is what is exhausted) with connect, statement and lock timeouts set.
 */
@ActivityInterface
public interface DatabaseActivities {

  /** Takes the runbook's connection snapshot of the target database (read-only). */
  @ActivityMethod
  ConnectionSnapshot snapshot(Target target, RunbookPolicy policy);

  /**
   * Terminates exactly the given sessions, each only if it is still the same backend and transaction, still idle in
   * transaction past {@code policy.idleInTransactionTerminateAfter()}, on the target database and the target
   * application's. At most {@code policy.maxSessionsPerTermination()} sessions. Safe to retry.
   */
  @ActivityMethod
  TerminationResult terminateIdleInTransaction(Target target, RunbookPolicy policy, List<SessionInfo> sessions);
}
