package dev.remediator.worker;

import dev.remediator.incident.IncidentSearchAttributes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code remediator_incidents_open{phase, severity}}: open incidents of the namespace by phase and severity, counted
 * from Temporal's visibility (the {@code RemediatorPhase}/{@code RemediatorSeverity} search attributes the workflow
 * upserts) every {@code every}. Every worker reports the same namespace-wide numbers: aggregate with {@code max},
 * not {@code sum}. Listing failures (e.g. a server without visibility) count in
 * {@code remediator_incidents_open_errors_total}; the last good numbers stay.
 */
public final class OpenIncidentsGauge implements AutoCloseable {
  static final String NAME = "remediator_incidents_open";
  static final String QUERY =
      "ExecutionStatus=\"Running\" AND " + IncidentSearchAttributes.SERVICE.getName() + " IS NOT NULL";

  private final MultiGauge gauge;
  private final Counter errors;
  private final ScheduledExecutorService timer;

  private OpenIncidentsGauge(MeterRegistry registry, ScheduledExecutorService timer) {
    this.gauge = MultiGauge.builder(NAME)
        .description("Open incidents by phase and severity (namespace-wide, from Temporal visibility)")
        .register(registry);
    this.errors = Counter.builder(NAME + "_errors")
        .description("Failed visibility listings for remediator_incidents_open")
        .register(registry);
    this.timer = timer;
  }

  /** Starts counting every {@code every} on a daemon thread. */
  public static OpenIncidentsGauge start(MeterRegistry registry, WorkflowClient client, Duration every) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "open-incidents-gauge");
      t.setDaemon(true);
      return t;
    });
    OpenIncidentsGauge g = new OpenIncidentsGauge(registry, timer);
    timer.scheduleWithFixedDelay(() -> g.refresh(() -> client.listExecutions(QUERY)), 0, every.toMillis(),
        TimeUnit.MILLISECONDS);
    return g;
  }

  /** Without a schedule, for tests: {@link #refresh} by hand. */
  static OpenIncidentsGauge manual(MeterRegistry registry) {
    return new OpenIncidentsGauge(registry, null);
  }

  void refresh(java.util.function.Supplier<Stream<WorkflowExecutionMetadata>> list) {
    try (Stream<WorkflowExecutionMetadata> open = list.get()) {
      set(count(open.map(m -> new String[] {
          m.getTypedSearchAttributes().get(IncidentSearchAttributes.PHASE),
          m.getTypedSearchAttributes().get(IncidentSearchAttributes.SEVERITY)})));
    } catch (RuntimeException e) {
      errors.increment();
    }
  }

  /** Counts by (phase, severity); a missing attribute counts as {@code unknown}. Sorted, for stable output. */
  static Map<List<String>, Integer> count(Stream<String[]> phaseAndSeverity) {
    Map<List<String>, Integer> counts = new TreeMap<>((a, b) -> String.join("\u0000", a).compareTo(
        String.join("\u0000", b)));
    phaseAndSeverity.forEach(ps -> counts.merge(
        List.of(ps[0] == null ? "unknown" : ps[0], ps[1] == null ? "unknown" : ps[1]), 1, Integer::sum));
    return counts;
  }

  void set(Map<List<String>, Integer> counts) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    counts.forEach((k, n) -> rows.add(MultiGauge.Row.of(Tags.of("phase", k.get(0), "severity", k.get(1)), n)));
    gauge.register(rows, true);
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
