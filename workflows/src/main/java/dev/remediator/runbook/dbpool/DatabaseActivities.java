package dev.remediator.runbook.dbpool;

import dev.remediator.incident.Plan;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * PostgreSQL side of the runbook, on the configured database of the target, with connect, statement and lock
 * timeouts set: a snapshot on one of the few read-only connections kept per target (at most 2, closed when idle), a
 * termination on a dedicated connection of its own.
 */
@ActivityInterface
public interface DatabaseActivities {

  /**
   * Takes the runbook's connection snapshot of the target database: one read-only statement, one round trip. Lists
   * everything; marks as {@link SessionInfo#terminable()} only the sessions a termination would accept now.
   * Fails non-retryably with type {@code DatabaseRefusedConnection} when the server refuses the connection (SQLSTATE
   * 53300: slots exhausted) and {@code DatabaseMissingPrivileges} when the role lacks {@code pg_read_all_stats}.
   */
  @ActivityMethod
  ConnectionSnapshot snapshot(Target target, RunbookPolicy policy);

  /**
   * Terminates exactly the given sessions, each only if it is still the same backend and transaction, still idle in
   * transaction past its {@link PoolPolicy}'s {@code idleInTransactionTerminateAfter}, on the target database and the
   * target application's, and never superusers (unless configured), monitoring agents, Remediator itself or non-client
   * backends. At most {@code maxSessionsPerTermination} sessions are terminated per action; the rest are
   * {@code REFUSED}. Heartbeats after each session; safe to retry: sessions an interrupted attempt reported (heartbeat
   * details) come back {@code TERMINATED} again, other sessions already gone come back {@code GONE}, and on a retry
   * those count against the cap too. Plan only {@link ConnectionSnapshot#terminableIdleInTransaction()}.
   */
  @ActivityMethod
  TerminationResult terminateIdleInTransaction(Target target, RunbookPolicy policy, List<SessionInfo> sessions);

  /**
   * Post-incident, read-only: the runbook's snapshot of every <em>other</em> configured target with a database (not
   * {@code incidentTarget}), each judged by {@link PoolPattern} under the incident's policy. Bounded by the policy's
   * {@code similarScanBudget} for the whole scan and {@code similarScanConcurrency} targets at once; each target's
   * connect and statement timeouts are cut to its share of the budget. A target that does not answer within it,
   * refuses the connection, or withholds the privileges is listed as {@code UNCHECKED} with the reason: the scan
   * itself does not fail for it. Never acts on any of them.
   */
  // A type name of its own: each runbook's activities declare this method, and one worker serves them all.
  @ActivityMethod(name = "SimilarPools")
  SimilarIssues similarElsewhere(Target incidentTarget, RunbookPolicy policy);
}
