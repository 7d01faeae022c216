package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One Alertmanager alert, reduced to what the incident needs. Annotations and label values are free text from
 * outside: they are recorded, never interpreted as commands or SQL.
 *
 * @param alertName {@code DatabaseConnectionPoolHigh} or {@code DatabaseConnectionPoolCritical}
 * @param severity {@code warning} or {@code critical}
 * @param status {@code firing} or {@code resolved}
 * @param fingerprint Alertmanager's fingerprint of the label set
 * @param startsAt when the alert started firing (RFC 3339, as sent)
 * @param summary the {@code summary} annotation
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Alert(
    String alertName, String severity, String status, String fingerprint, String startsAt, String summary) {

  public static final String HIGH = "DatabaseConnectionPoolHigh";
  public static final String CRITICAL = "DatabaseConnectionPoolCritical";

  public boolean firing() {
    return "firing".equals(status);
  }

  public boolean critical() {
    return CRITICAL.equals(alertName) || "critical".equals(severity);
  }
}
