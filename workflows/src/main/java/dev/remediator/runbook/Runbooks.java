package dev.remediator.runbook;

import dev.remediator.runbook.dbpool.DbPoolRunbook;
import dev.remediator.runbook.servicedown.ServiceDownRunbook;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;

/**
 * Every runbook Remediator knows, and the one place that routes an alert or an incident ID to one. The receiver,
 * the client, the worker and the CLI ask here; no alert name or incident prefix is spelled anywhere else.
 */
public final class Runbooks {
  private static final List<Runbook> ALL = List.of(DbPoolRunbook.DEFINITION, ServiceDownRunbook.DEFINITION);

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

  /** Every alert name some runbook handles, in registry order. */
  public static List<String> alertNames() {
    return ALL.stream().flatMap(r -> r.alertNames().stream()).toList();
  }
}
