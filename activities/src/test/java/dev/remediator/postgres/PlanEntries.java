package dev.remediator.postgres;

import dev.remediator.runbook.dbpool.SessionInfo;

/** Termination plan entries as a test writes them: the session's identity only, nothing claimed about it. */
final class PlanEntries {
  private PlanEntries() {}

  /**
   * A session idle in transaction known by pid, backend start and transaction start; neither its application
   * membership nor its terminability is assumed (termination must re-check both).
   */
  static SessionInfo idleInTransaction(int pid, String backendStart, String xactStart) {
    return new SessionInfo(pid, null, null, null, "idle in transaction", backendStart, xactStart, 0, 0, null, false,
        false, "not classified");
  }
}
