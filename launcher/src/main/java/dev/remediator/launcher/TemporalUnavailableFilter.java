package dev.remediator.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.grpc.Status;
import org.slf4j.Marker;

/**
 * Leaves out of the services' log what the Temporal SDK logs per failed call while Temporal is unreachable (gRPC
 * status UNAVAILABLE: a poller's "Failure in poller thread" with its stack trace, every attempt): {@code
 * TemporalReachability} logs one line when Temporal becomes unreachable and one when it is back. Configured in
 * logback.xml.
 */
public final class TemporalUnavailableFilter extends TurboFilter {
  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (logger == null || !logger.getName().startsWith("io.temporal")) {
      return FilterReply.NEUTRAL;
    }
    // log.warn("...{}", arg, e): SLF4J passes the exception as the last parameter, not as t.
    Throwable cause = t != null ? t
        : params != null && params.length > 0 && params[params.length - 1] instanceof Throwable last ? last : null;
    return cause != null && Status.fromThrowable(cause).getCode() == Status.Code.UNAVAILABLE
        ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
