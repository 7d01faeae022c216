package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One Alertmanager alert, reduced to what the incident needs. Annotations and label values are free text from
 * outside: they are recorded, never interpreted as commands or SQL.
 *
 * @param alertName the {@code alertname} label; {@code Runbooks} routes it to a runbook
 * @param severity the {@code severity} label: {@code warning} or {@code critical}
 * @param status {@code firing} or {@code resolved}
 * @param fingerprint Alertmanager's fingerprint of the label set
 * @param startsAt when the alert started firing (RFC 3339, as sent)
 * @param summary the {@code summary} annotation
 * @param endsAt when the alert ended or, while firing, until when Alertmanager holds it (RFC 3339, as sent); may
 *     be null (histories recorded before it existed)
 * @param labels the alert's other labels (what it is about, e.g. {@code namespace}, {@code pod}), bounded; never
 *     annotations or anything secret; empty in histories recorded before it existed
 * @param value the value of the alert's expression when Alertmanager sent it, from the rule's {@code value}
 *     annotation (e.g. the pool utilization, 0..1); null when the rule does not carry it, and in histories
 *     recorded before it existed
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Alert(
    String alertName,
    String severity,
    String status,
    String fingerprint,
    String startsAt,
    String summary,
    String endsAt,
    Map<String, String> labels,
    Double value) {

  public Alert {
    labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
  }

  public Alert(
      String alertName, String severity, String status, String fingerprint, String startsAt, String summary) {
    this(alertName, severity, status, fingerprint, startsAt, summary, null, Map.of(), null);
  }

  public Alert(String alertName, String severity, String status, String fingerprint, String startsAt,
      String summary, String endsAt) {
    this(alertName, severity, status, fingerprint, startsAt, summary, endsAt, Map.of(), null);
  }

  public Alert(String alertName, String severity, String status, String fingerprint, String startsAt,
      String summary, String endsAt, Map<String, String> labels) {
    this(alertName, severity, status, fingerprint, startsAt, summary, endsAt, labels, null);
  }

  /** A label of the alert, or null. */
  public String label(String name) {
    return labels.get(name);
  }

  public boolean firing() {
    return "firing".equals(status);
  }

  /**
   * Severity {@code critical}, or an alert its runbook counts as critical whatever the label says: one of
   * {@code criticalAlerts}, the names the runbook registry gives ({@link RunbookCatalog#criticalAlerts()}).
   */
  public boolean critical(Set<String> criticalAlerts) {
    return "critical".equals(severity) || criticalAlerts.contains(alertName);
  }
}
