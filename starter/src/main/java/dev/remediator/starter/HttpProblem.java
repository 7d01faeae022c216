package dev.remediator.starter;

/** A request the receiver refuses: the HTTP status, a metric reason and a message naming the problem. */
final class HttpProblem extends RuntimeException {
  final int status;
  final String reason;

  HttpProblem(int status, String reason, String message) {
    super(message, null, false, false);
    this.status = status;
    this.reason = reason;
  }
}
