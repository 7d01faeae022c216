package dev.remediator.runbook;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.RunbookCatalog;
import dev.remediator.incident.RunbookSteps;
import dev.remediator.incident.Target;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A runbook Remediator runs as a workflow: which alerts start it, the workflow type that runs it, and how its
 * incidents are named.
 *
 * @param name short name, also the incident ID prefix and the key of its policy section
 * @param title what it is, for people ("Connection pool"); the Temporal UI's summary is "{title} incident: {target}"
 * @param workflowType the Temporal workflow type that runs it
 * @param alertNames the {@code alertname}s routed to it; all alerts of one target land in one incident
 * @param criticalAlerts those of its alerts that make an incident critical whatever their {@code severity} label says
 * @param requiredTargetKeys what a target must configure for it (configuration keys)
 * @param steps makes the runbook's steps for one workflow run (the incident shell calls them)
 * @param targets the configured target an alert's labels name, for this runbook (default: {@link #BY_LABELS})
 * @param policy the runbook's own policy keys ({@code policy.runbooks.<name>}); null when it has none beyond the
 *     shared {@code RunbookPolicy}
 */
public record Runbook(
    String name,
    String title,
    String workflowType,
    List<String> alertNames,
    List<String> criticalAlerts,
    List<String> requiredTargetKeys,
    RunbookSteps.Factory steps,
    Targets targets,
    PolicySection<?> policy) implements RunbookCatalog.Entry {

  /** Finds the configured target an alert's labels name; never a partial or fuzzy match of another target. */
  @FunctionalInterface
  public interface Targets {
    Optional<TargetConfig> forLabels(RemediatorConfig config, Map<String, String> labels);

    /** Why no configured target matched, for the receiver's answer (labels are free text: shown, never parsed). */
    default String noTarget(String runbook, Map<String, String> labels) {
      return "no configured target of runbook " + runbook + " for " + labels.get("alertname") + " labels "
          + new TreeMap<>(labels);
    }
  }

  /** The default: labels {@code namespace}, {@code service} and {@code database} all match a target exactly. */
  public static final Targets BY_LABELS = new Targets() {
    @Override
    public Optional<TargetConfig> forLabels(RemediatorConfig config, Map<String, String> labels) {
      return config.targetForLabels(labels);
    }

    @Override
    public String noTarget(String runbook, Map<String, String> labels) {
      return "no configured target for namespace/service/database " + labels.get("namespace") + "/"
          + labels.get("service") + "/" + labels.get("database");
    }
  };

  public Runbook {
    alertNames = List.copyOf(alertNames);
    criticalAlerts = List.copyOf(criticalAlerts);
    requiredTargetKeys = List.copyOf(requiredTargetKeys);
  }

  /**
   * The one workflow ID for this runbook's incidents of a target: {@code name:namespace:service:database}, or
   * {@code name:namespace:service} for a target without a database.
   */
  @Override
  public String incidentId(Target target) {
    String id = name + ":" + target.namespace() + ":" + target.service();
    return target.database() == null ? id : id + ":" + target.database();
  }

  /** True if the incident ID names an incident of this runbook. */
  public boolean owns(String incidentId) {
    return incidentId != null && incidentId.startsWith(name + ":");
  }

  public boolean handles(String alertName) {
    return alertName != null && alertNames.contains(alertName);
  }
}
