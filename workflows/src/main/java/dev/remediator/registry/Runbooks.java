package dev.remediator.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentWorkflow;
import dev.remediator.incident.IncidentWorkflowImpl;
import dev.remediator.incident.RunbookCatalog;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.Runbook;
import dev.remediator.runbook.dbperf.DbPerfRunbook;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import dev.remediator.runbook.servicedown.ServiceDownRunbook;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkflowImplementationOptions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every runbook Remediator knows, and the one place that routes an alert or an incident ID to one. The receiver,
 * the client, the configuration loader, the worker and the CLI ask here; no alert name or incident prefix is spelled
 * anywhere else, and no class below this package names a concrete runbook. A new runbook is one line in {@link #ALL}.
 */
public final class Runbooks {
  private static final List<Runbook> ALL = List.of(DbPoolRunbook.DEFINITION, ServiceDownRunbook.DEFINITION,
      DbPerfRunbook.DEFINITION);

  /** The registry as the incident shell sees it (deterministic: workflow code calls it). */
  public static final RunbookCatalog CATALOG = new RunbookCatalog() {
    @Override
    public RunbookCatalog.Entry forIncident(String workflowId, String alertName) {
      return Runbooks.forIncident(workflowId, alertName);
    }

    @Override
    public Set<String> criticalAlerts() {
      return CRITICAL_ALERTS;
    }
  };

  /** Alert names critical whatever their severity label says: each routed to a runbook that counts it critical. */
  private static final Set<String> CRITICAL_ALERTS = criticalAlertNames();

  private Runbooks() {}

  public static List<Runbook> all() {
    return ALL;
  }

  /** The runbook an alert name is routed to, if any. */
  public static Optional<Runbook> forAlert(String alertName) {
    return ALL.stream().filter(r -> r.handles(alertName)).findFirst();
  }

  /** The runbook whose incident the ID names, if any. */
  public static Optional<Runbook> forIncidentId(String incidentId) {
    return ALL.stream().filter(r -> r.owns(incidentId)).findFirst();
  }

  /**
   * The runbook an incident runs (workflow code calls this, so it must stay deterministic): by its ID's prefix, else
   * by its alert's name; an incident started by hand under a free ID with an alert no runbook names runs
   * {@link #fallback()}.
   */
  public static Runbook forIncident(String incidentId, String alertName) {
    return forIncidentId(incidentId).or(() -> forAlert(alertName)).orElse(fallback());
  }

  /** The runbook of an incident nothing else names: the first registered (the connection-pool runbook). */
  public static Runbook fallback() {
    return ALL.get(0);
  }

  /** Each runbook's own policy section at its defaults, in the workflow input's form, by runbook name. */
  public static Map<String, JsonNode> policyDefaults() {
    Map<String, JsonNode> sections = new TreeMap<>();
    ALL.stream().filter(r -> r.policy() != null).forEach(r -> sections.put(r.name(), r.policy().defaultsPayload()));
    return sections;
  }

  /** The shared policy at its defaults with every runbook's own section at its defaults. */
  public static RunbookPolicy defaultPolicy() {
    return RunbookPolicy.runbookDefaults(policyDefaults());
  }

  /** Every alert name some runbook handles, in registry order. */
  public static List<String> alertNames() {
    return ALL.stream().flatMap(r -> r.alertNames().stream()).toList();
  }

  /** Alert names critical whatever their severity label says (see {@code Alert.critical}). */
  public static Set<String> criticalAlerts() {
    return CRITICAL_ALERTS;
  }

  /**
   * Registers the incident shell on a worker with this registry's runbooks: the worker, the tests and the embedded
   * stack all register it here. The factory gets the workflow input before any signal, as {@code @WorkflowInit}
   * would: alerts signalled before the first workflow task still apply in order.
   */
  public static void registerWorkflows(Worker worker) {
    registerWorkflows(worker, WorkflowImplementationOptions.getDefaultInstance());
  }

  /** As {@link #registerWorkflows(Worker)}, with the options given. */
  public static void registerWorkflows(Worker worker, WorkflowImplementationOptions options) {
    worker.registerWorkflowImplementationFactory(
        IncidentWorkflow.class,
        input -> new IncidentWorkflowImpl(input.get(0, IncidentInput.class), CATALOG),
        options);
  }

  private static Set<String> criticalAlertNames() {
    Set<String> names = new LinkedHashSet<>();
    for (Runbook r : ALL) {
      for (String name : r.criticalAlerts()) {
        if (forAlert(name).map(routed -> routed.criticalAlerts().contains(name)).orElse(false)) {
          names.add(name);
        }
      }
    }
    return Set.copyOf(names);
  }
}
