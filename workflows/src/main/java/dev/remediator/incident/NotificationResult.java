package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** Per-channel delivery outcome of one notification. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NotificationResult(List<Delivery> deliveries) {

  /** One channel: delivered, or the error (after the activity's own bounded retries on 5xx). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Delivery(String channel, boolean delivered, int status, String error) {}

  public boolean anyDelivered() {
    return deliveries.stream().anyMatch(Delivery::delivered);
  }
}
