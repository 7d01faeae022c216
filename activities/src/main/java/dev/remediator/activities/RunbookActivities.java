package dev.remediator.activities;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import dev.remediator.kubernetes.WorkloadActivitiesImpl;
import dev.remediator.notify.NotificationActivitiesImpl;
import dev.remediator.postgres.DatabaseActivitiesImpl;
import dev.remediator.probe.ProbeActivitiesImpl;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Every activity implementation a worker registers: the one list a runbook adds its activities to, as it adds
 * itself to {@code Runbooks}. The worker (and so the embedded stack and the demos) registers {@link #all}.
 */
public final class RunbookActivities {
  private RunbookActivities() {}

  /**
   * What the implementations are made from.
   *
   * @param config the configuration (notification channels)
   * @param targets the configured targets, the only ones an activity acts on
   * @param kubernetes the cluster, made on first use
   */
  public record Resources(RemediatorConfig config, TargetDirectory targets, Supplier<KubernetesClient> kubernetes) {}

  private static final List<Function<Resources, Object>> ALL = List.of(
      r -> new DatabaseActivitiesImpl(r.targets()),
      r -> new KubernetesActivitiesImpl(r.targets(), r.kubernetes(), Duration.ofSeconds(2)),
      r -> new WorkloadActivitiesImpl(r.targets(), r.kubernetes()),
      r -> new ProbeActivitiesImpl(r.targets()),
      r -> new NotificationActivitiesImpl(r.config().notifications()));

  /** One instance of every implementation, for {@code Worker.registerActivitiesImplementations}. */
  public static Object[] all(RemediatorConfig config, Supplier<KubernetesClient> kubernetes) {
    Resources resources = new Resources(config, new TargetDirectory(config), kubernetes);
    return ALL.stream().map(make -> make.apply(resources)).toArray();
  }
}
