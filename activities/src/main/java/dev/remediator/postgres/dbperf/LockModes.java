package dev.remediator.postgres.dbperf;

import java.util.List;
import java.util.Map;

/**
 * PostgreSQL's lock conflict table (the documentation's "Conflicting Lock Modes", the same for every lock type:
 * relation, tuple, transactionid, advisory, …), so a blocker's held locks are listed only when they conflict with what
 * its waiters await.
 */
final class LockModes {
  private static final List<String> MODES = List.of(
      "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
      "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock");

  /** Per mode, the modes it conflicts with (the table is symmetric). */
  private static final Map<String, List<String>> CONFLICTS = Map.of(
      "AccessShareLock", List.of("AccessExclusiveLock"),
      "RowShareLock", List.of("ExclusiveLock", "AccessExclusiveLock"),
      "RowExclusiveLock", List.of("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"),
      "ShareUpdateExclusiveLock", List.of("ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock",
          "ExclusiveLock", "AccessExclusiveLock"),
      "ShareLock", List.of("RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareRowExclusiveLock", "ExclusiveLock",
          "AccessExclusiveLock"),
      "ShareRowExclusiveLock", List.of("RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
          "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"),
      "ExclusiveLock", List.of("RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
          "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"),
      "AccessExclusiveLock", MODES);

  private LockModes() {}

  /** Whether a lock held in {@code held} mode makes a request for {@code awaited} wait (unknown modes: no). */
  static boolean conflict(String held, String awaited) {
    return held != null && awaited != null && CONFLICTS.getOrDefault(held, List.of()).contains(awaited);
  }

  /**
   * One line of {@code Blocker.held}: "RowExclusiveLock on public.orders", "ExclusiveLock on tuple of public.orders",
   * "ExclusiveLock on transactionid (a row of public.orders)", "ExclusiveLock on advisory".
   */
  static String describe(String mode, String locktype, String relation) {
    if (relation == null) {
      return mode + " on " + locktype;
    }
    return switch (locktype) {
      case "relation" -> mode + " on " + relation;
      case "transactionid" -> mode + " on transactionid (a row of " + relation + ")";
      default -> mode + " on " + locktype + " of " + relation;
    };
  }
}
