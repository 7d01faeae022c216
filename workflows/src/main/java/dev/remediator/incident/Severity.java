package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Set;

/** Severity of an incident: the highest of its firing alerts (JSON {@code warning} / {@code critical}). */
public enum Severity {
  WARNING,
  CRITICAL;

  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Reads the {@code severity} label; anything but {@code critical} is a warning. Null stays null. */
  @JsonCreator
  public static Severity of(String label) {
    if (label == null) {
      return null;
    }
    return "critical".equalsIgnoreCase(label.trim()) ? CRITICAL : WARNING;
  }

  /** The alert's severity: critical by its label or by name ({@code criticalAlerts}: see {@link Alert#critical}). */
  public static Severity of(Alert alert, Set<String> criticalAlerts) {
    return alert.critical(criticalAlerts) ? CRITICAL : WARNING;
  }

  public static Severity max(Severity a, Severity b) {
    if (a == null) {
      return b;
    }
    return b == null || a.compareTo(b) >= 0 ? a : b;
  }

  @Override
  public String toString() {
    return label();
  }
}
