package dev.remediator.starter;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.time.Duration;
import java.util.List;

/**
 * The receiver's Prometheus registry: its own counters and, through {@link #temporalScope}, the Temporal SDK's client
 * metrics. Micrometer's Prometheus naming adds {@code _total} to counters, so {@code remediator_alerts_received} is
 * exposed as {@code remediator_alerts_received_total}.
 */
public final class ReceiverMetrics {
  /** Reasons an alert of a valid payload is ignored. */
  public static final String UNKNOWN_TARGET = "unknown_target";
  public static final String UNKNOWN_ALERT = "unknown_alert";
  public static final String RESOLVED_WITHOUT_INCIDENT = "resolved_without_incident";

  /** Reasons a delivery (one webhook request) is rejected. */
  public static final String UNAUTHORIZED = "unauthorized";
  public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
  public static final String TOO_LARGE = "too_large";
  public static final String MALFORMED = "malformed";
  public static final String INVALID = "invalid";
  public static final String TEMPORAL_UNAVAILABLE = "temporal_unavailable";
  public static final String BODY_TIMEOUT = "body_timeout";
  public static final String TOO_MANY_REQUESTS = "too_many_requests";

  private final PrometheusMeterRegistry registry;

  public ReceiverMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public ReceiverMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    // Known series exist from the start, at zero, so rates and absent() behave from the first scrape.
    received(0);
    counter("remediator_incidents_started");
    counter("remediator_alerts_deduplicated");
    for (String reason : List.of(UNKNOWN_TARGET, UNKNOWN_ALERT, RESOLVED_WITHOUT_INCIDENT)) {
      counter("remediator_alerts_ignored", "reason", reason);
    }
    for (String reason :
        List.of(UNAUTHORIZED, UNSUPPORTED_MEDIA_TYPE, TOO_LARGE, MALFORMED, INVALID, TEMPORAL_UNAVAILABLE, BODY_TIMEOUT,
            TOO_MANY_REQUESTS)) {
      counter("remediator_alerts_rejected", "reason", reason);
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** A tally scope reporting the Temporal SDK's metrics into this registry every {@code every}. */
  public Scope temporalScope(Duration every) {
    return new RootScopeBuilder()
        .reporter(new MicrometerClientStatsReporter(registry))
        .reportEvery(com.uber.m3.util.Duration.ofMillis(every.toMillis()));
  }

  /** Alerts in accepted-for-processing payloads. */
  void received(int alerts) {
    counter("remediator_alerts_received").increment(alerts);
  }

  void ignored(String reason) {
    counter("remediator_alerts_ignored", "reason", reason).increment();
  }

  /** One rejected delivery (webhook request), by reason. */
  void rejected(String reason) {
    counter("remediator_alerts_rejected", "reason", reason).increment();
  }

  /** Alerts answered without a Temporal call: Temporal had already accepted each of them. */
  void deduplicated(int alerts) {
    counter("remediator_alerts_deduplicated").increment(alerts);
  }

  void incidentStarted() {
    counter("remediator_incidents_started").increment();
  }

  void request(String path, int code) {
    counter("remediator_receiver_requests", "path", path, "code", Integer.toString(code)).increment();
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  private Counter counter(String name, String... tags) {
    return Counter.builder(name).tags(tags).register(registry);
  }
}
