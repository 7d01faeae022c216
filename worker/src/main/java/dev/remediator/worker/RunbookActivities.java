package dev.remediator.worker;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incidentlookup.IncidentLookupActivitiesImpl;
import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import dev.remediator.kubernetes.dbpool.PoolSizeActivitiesImpl;
import dev.remediator.kubernetes.servicedown.WorkloadActivitiesImpl;
import dev.remediator.notify.NotificationActivitiesImpl;
import dev.remediator.postgres.DatabaseActivitiesImpl;
import dev.remediator.postgres.dbperf.PerformanceActivitiesImpl;
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
      // shared by the runbooks: rollout and probe contracts
      r -> new KubernetesActivitiesImpl(r.targets(), r.kubernetes(), Duration.ofSeconds(2)),
      r -> new ProbeActivitiesImpl(r.targets()),
      // the connection-pool runbook
      r -> new DatabaseActivitiesImpl(r.targets()),
      r -> new PoolSizeActivitiesImpl(r.targets(), r.kubernetes()),
      // the Service Down runbook
      r -> new WorkloadActivitiesImpl(r.targets(), r.kubernetes()),
      r -> new IncidentLookupActivitiesImpl(),
      // the Database Performance runbook
      r -> new PerformanceActivitiesImpl(r.targets()),
      // the incident shell
      r -> new NotificationActivitiesImpl(r.config().notifications()));

  /** One instance of every implementation, for {@code Worker.registerActivitiesImplementations}. */
  public static Object[] all(RemediatorConfig config, Supplier<KubernetesClient> kubernetes) {
    Resources resources = new Resources(config, new TargetDirectory(config), kubernetes);
    return ALL.stream().map(make -> make.apply(resources)).toArray();
  }
}
