package dev.remediator.starter;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/** Alertmanager's webhook payload, version 4 (only the fields Remediator uses). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AlertmanagerPayload(
    String version,
    String status,
    String receiver,
    String groupKey,
    List<AlertmanagerAlert> alerts) {

  /** One alert of a group. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AlertmanagerAlert(
      String status,
      Map<String, String> labels,
      Map<String, String> annotations,
      String startsAt,
      String endsAt,
      String fingerprint) {}
}
