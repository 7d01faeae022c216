package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a person decides through the {@code decide} update (JSON {@code approve}, {@code reject}, ...). */
public enum DecisionAction {
  APPROVE,
  REJECT,
  ACKNOWLEDGE,
  /** Withdraw the pending plan (if any) and plan again from what the database shows now. */
  REPLAN;

  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The action named, or null for an unknown name (the update's validator rejects it). */
  @JsonCreator
  public static DecisionAction of(String label) {
    if (label == null) {
      return null;
    }
    for (DecisionAction a : values()) {
      if (a.label().equalsIgnoreCase(label.trim())) {
        return a;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return label();
  }
}
