package dev.remediator.starter.cli;

/**
 * Exit codes of every operator verb, for scripts: 0 done, 1 error (Temporal unreachable, unexpected failure),
 * 2 usage or configuration error, 3 refused or stale (not an approver, stale plan, nothing pending, still open),
 * 4 not found (unknown incident or target).
 */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int ERROR = 1;
  public static final int USAGE = 2;
  public static final int REFUSED = 3;
  public static final int NOT_FOUND = 4;

  private ExitCodes() {}
}
