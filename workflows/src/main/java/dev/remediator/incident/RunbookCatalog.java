package dev.remediator.incident;

import java.util.List;
import java.util.Set;

/**
 * The runbooks as the incident shell sees them: the registry ({@code dev.remediator.registry.Runbooks}) hands one to
 * {@link IncidentWorkflowImpl} when the worker makes it, so the shell names no runbook and no registry. Workflow code
 * calls it: every answer is deterministic (no I/O, no configuration).
 */
public interface RunbookCatalog {

  /** One runbook as the shell runs it (a runbook's definition, {@code dev.remediator.runbook.Runbook}). */
  interface Entry {
    /** The incident's workflow ID for the target. */
    String incidentId(Target target);

    /** Makes the runbook's steps for one workflow run. */
    RunbookSteps.Factory steps();

    /** Its alerts that make an incident critical whatever their {@code severity} label says. */
    List<String> criticalAlerts();
  }

  /**
   * The runbook an incident runs: by its workflow ID's prefix, else by its alert's name, else the registry's
   * fallback (an incident started by hand under a free ID).
   */
  Entry forIncident(String workflowId, String alertName);

  /** Every alert name that is critical whatever its {@code severity} label says, by the runbook it is routed to. */
  Set<String> criticalAlerts();
}
