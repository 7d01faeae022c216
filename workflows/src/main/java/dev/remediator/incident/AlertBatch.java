package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The alerts of one Alertmanager delivery that belong to one incident, in the order the delivery listed them: one
 * signal per incident per delivery, however many alerts it carries.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AlertBatch(List<Alert> alerts) {
  public AlertBatch {
    alerts = alerts == null ? List.of() : List.copyOf(alerts);
  }
}
