package dev.remediator.starter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.remediator.starter.AlertmanagerPayload.AlertmanagerAlert;
import java.util.List;
import java.util.Locale;

/**
 * The webhook's answer when Temporal accepted the delivery (200): how many alerts were received, which were accepted
 * for an incident and which ignored, each list cut at {@link AlertReceiver#MAX_LISTED} (the counts give the totals).
 */
@JsonPropertyOrder({"received", "acceptedCount", "accepted", "ignoredCount", "ignored"})
public record WebhookAnswer(
    int received, int acceptedCount, List<AlertEntry> accepted, int ignoredCount, List<AlertEntry> ignored) {

  static WebhookAnswer of(int received, List<AlertEntry> accepted, List<AlertEntry> ignored) {
    return new WebhookAnswer(received, accepted.size(), listed(accepted), ignored.size(), listed(ignored));
  }

  private static List<AlertEntry> listed(List<AlertEntry> entries) {
    return entries.size() <= AlertReceiver.MAX_LISTED ? entries : entries.subList(0, AlertReceiver.MAX_LISTED);
  }

  /**
   * The answer when Temporal did not accept an incident's alerts (503, Alertmanager retries the whole delivery): why,
   * and what was accepted before the failure.
   */
  @JsonPropertyOrder({"error", "accepted"})
  public record Unavailable(String error, List<AlertEntry> accepted) {}

  /** What became of an accepted alert. */
  public enum Outcome {
    /** It started a new incident run (the first alert of the incident's group). */
    STARTED,
    /** It reached the running incident. */
    SIGNALLED,
    /** Temporal had accepted it for the incident's run already: answered without a call. */
    DUPLICATE;

    @JsonValue
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One alert of the delivery, by its index in the payload. An accepted one names its incident and outcome; an ignored
   * one the reason, and its incident only if the alert named a configured target.
   */
  @JsonPropertyOrder({"index", "alertname", "status", "fingerprint", "incidentId", "outcome", "reason"})
  public record AlertEntry(
      int index,
      String alertname,
      String status,
      String fingerprint,
      @JsonInclude(JsonInclude.Include.NON_NULL) String incidentId,
      @JsonInclude(JsonInclude.Include.NON_NULL) Outcome outcome,
      @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {

    static AlertEntry accepted(int index, AlertmanagerAlert a, String incidentId, Outcome outcome) {
      return new AlertEntry(index, a.labels().get("alertname"), a.status(), a.fingerprint(), incidentId, outcome, null);
    }

    static AlertEntry ignored(int index, AlertmanagerAlert a, String incidentId, String reason) {
      return new AlertEntry(index, a.labels().get("alertname"), a.status(), a.fingerprint(), incidentId, null, reason);
    }
  }
}
