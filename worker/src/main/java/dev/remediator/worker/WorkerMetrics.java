package dev.remediator.worker;

import com.uber.m3.tally.Buckets;
import com.uber.m3.tally.Capabilities;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import com.uber.m3.tally.StatsReporter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The worker's Prometheus registry: the Temporal SDK's client and worker metrics and the workflow's own, which it
 * emits through {@code Workflow.getMetricsScope()} (tally, replay-safe) and which reach Micrometer through
 * {@link MicrometerClientStatsReporter}. Micrometer's Prometheus naming then exposes:
 *
 * <ul>
 *   <li>counter {@code remediator_actions} (tags type, outcome) as {@code remediator_actions_total};
 *   <li>counter {@code remediator_incidents_closed} (tag outcome) as {@code remediator_incidents_closed_total};
 *   <li>timer {@code remediator_time_to_mitigate} as {@code remediator_time_to_mitigate_seconds} (histogram).
 * </ul>
 *
 * <p>The gauge {@code remediator_approvals_pending} is not passed through: each incident reports its own value (1
 * while it awaits approval, 0 otherwise; tagged with its incident ID so incidents do not overwrite each other), and
 * this registry exposes the total as {@code remediator_approvals_pending} and the age of the oldest pending one as
 * {@code remediator_approval_pending_oldest_seconds} (from when this process saw it become pending).
 */
public final class WorkerMetrics {
  /** Name of the workflow-side gauge that is aggregated here. */
  public static final String APPROVALS_PENDING = "remediator_approvals_pending";
  public static final String OLDEST_PENDING = "remediator_approval_pending_oldest_seconds";

  private final PrometheusMeterRegistry registry;
  private final LongSupplier nanoClock;
  /** Per reporting series (tag set) of the pending gauge: its value and since when it is above zero. */
  private final Map<Map<String, String>, Pending> pending = new ConcurrentHashMap<>();

  private record Pending(double value, long sinceNanos) {}

  public WorkerMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), System::nanoTime);
  }

  WorkerMetrics(PrometheusMeterRegistry registry, LongSupplier nanoClock) {
    this.registry = registry;
    this.nanoClock = nanoClock;
    Gauge.builder(APPROVALS_PENDING, this, WorkerMetrics::pendingTotal)
        .description("Plans awaiting approval, over the incidents this worker has run")
        .register(registry);
    Gauge.builder(OLDEST_PENDING, this, WorkerMetrics::oldestPendingSeconds)
        .description("Age of the oldest plan awaiting approval (0 when none)")
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The tally scope to set on the worker's {@code WorkflowServiceStubsOptions}, reporting every {@code every}. */
  public Scope temporalScope(Duration every) {
    return new RootScopeBuilder()
        .reporter(new Reporter(new MicrometerClientStatsReporter(registry)))
        .reportEvery(com.uber.m3.util.Duration.ofMillis(every.toMillis()));
  }

  public String scrape() {
    return registry.scrape();
  }

  double pendingTotal() {
    return pending.values().stream().mapToDouble(p -> Math.max(0, p.value())).sum();
  }

  double oldestPendingSeconds() {
    long now = nanoClock.getAsLong();
    return pending.values().stream()
        .filter(p -> p.value() > 0)
        .mapToDouble(p -> (now - p.sinceNanos()) / 1e9)
        .max()
        .orElse(0);
  }

  private void pendingReported(Map<String, String> tags, double value) {
    Map<String, String> key = tags == null ? Map.of() : new TreeMap<>(tags);
    pending.compute(
        key,
        (k, old) -> {
          if (value <= 0) {
            return null;
          }
          long since = old != null && old.value() > 0 ? old.sinceNanos() : nanoClock.getAsLong();
          return new Pending(value, since);
        });
  }

  /** Passes everything to Micrometer except the pending-approvals gauge, which is aggregated. */
  private final class Reporter implements StatsReporter {
    private final StatsReporter delegate;

    Reporter(StatsReporter delegate) {
      this.delegate = delegate;
    }

    @Override
    public Capabilities capabilities() {
      return delegate.capabilities();
    }

    @Override
    public void flush() {
      delegate.flush();
    }

    @Override
    public void close() {
      delegate.close();
    }

    @Override
    public void reportCounter(String name, Map<String, String> tags, long value) {
      delegate.reportCounter(name, tags, value);
    }

    @Override
    public void reportGauge(String name, Map<String, String> tags, double value) {
      if (APPROVALS_PENDING.equals(name)) {
        pendingReported(tags, value);
      } else {
        delegate.reportGauge(name, tags, value);
      }
    }

    @Override
    public void reportTimer(String name, Map<String, String> tags, com.uber.m3.util.Duration interval) {
      delegate.reportTimer(name, tags, interval);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void reportHistogramValueSamples(
        String name, Map<String, String> tags, Buckets buckets, double lower, double upper, long samples) {
      delegate.reportHistogramValueSamples(name, tags, buckets, lower, upper, samples);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void reportHistogramDurationSamples(
        String name,
        Map<String, String> tags,
        Buckets buckets,
        com.uber.m3.util.Duration lower,
        com.uber.m3.util.Duration upper,
        long samples) {
      delegate.reportHistogramDurationSamples(name, tags, buckets, lower, upper, samples);
    }
  }
}
