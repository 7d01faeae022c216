package dev.remediator.starter;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .build();

  /** One alert of a group. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AlertmanagerAlert(
      String status,
      Map<String, String> labels,
      Map<String, String> annotations,
      String startsAt,
      String endsAt,
      String fingerprint) {

    public boolean firing() {
      return "firing".equals(status);
    }
  }

  /**
   * Parses and checks a webhook body. Malformed JSON is a 400; a body that is JSON but not a version 4 payload is a
   * 422 whose message names the field and, for alerts, the index ({@code alerts[2].labels.alertname is missing}).
   */
  static AlertmanagerPayload parse(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (StreamConstraintsException e) {
      throw new HttpProblem(400, ReceiverMetrics.MALFORMED, UserMessages.jsonLimit(e));
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new HttpProblem(400, ReceiverMetrics.MALFORMED, "malformed JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new HttpProblem(400, ReceiverMetrics.MALFORMED, "unreadable body: " + e.getMessage());
    }
    if (root == null || root.isMissingNode()) {
      throw new HttpProblem(400, ReceiverMetrics.MALFORMED, "empty body: expected an Alertmanager webhook payload");
    }
    if (!root.isObject()) {
      throw invalid("the payload must be a JSON object, got " + type(root));
    }
    JsonNode version = root.get("version");
    if (version == null || version.isNull()) {
      throw invalid("field 'version' is missing (expected \"4\")");
    }
    if (!version.isTextual() || !"4".equals(version.asText())) {
      throw invalid("unsupported webhook version " + version + " (expected \"4\")");
    }
    for (String f : List.of("status", "receiver", "groupKey")) {
      JsonNode v = root.get(f);
      if (v != null && !v.isNull() && !v.isTextual()) {
        throw invalid("field '" + f + "' must be a string, got " + type(v));
      }
    }
    JsonNode alerts = root.get("alerts");
    if (alerts == null || alerts.isNull()) {
      throw invalid("field 'alerts' is missing");
    }
    if (!alerts.isArray()) {
      throw invalid("field 'alerts' must be an array, got " + type(alerts));
    }
    List<AlertmanagerAlert> parsed = new ArrayList<>();
    for (int i = 0; i < alerts.size(); i++) {
      parsed.add(alert(alerts.get(i), "alerts[" + i + "]"));
    }
    return new AlertmanagerPayload(
        version.asText(), text(root, "status"), text(root, "receiver"), text(root, "groupKey"), parsed);
  }

  private static AlertmanagerAlert alert(JsonNode a, String at) {
    if (!a.isObject()) {
      throw invalid(at + " must be an object, got " + type(a));
    }
    JsonNode status = a.get("status");
    if (status == null || status.isNull()) {
      throw invalid(at + ".status is missing (expected firing or resolved)");
    }
    if (!status.isTextual() || !("firing".equals(status.asText()) || "resolved".equals(status.asText()))) {
      throw invalid(at + ".status must be \"firing\" or \"resolved\", got " + status);
    }
    Map<String, String> labels = strings(a.get("labels"), at + ".labels", true);
    if (labels.get("alertname") == null || labels.get("alertname").isBlank()) {
      throw invalid(at + ".labels.alertname is missing");
    }
    Map<String, String> annotations = strings(a.get("annotations"), at + ".annotations", false);
    for (String f : List.of("startsAt", "endsAt", "fingerprint")) {
      JsonNode v = a.get(f);
      if (v != null && !v.isNull() && !v.isTextual()) {
        throw invalid(at + "." + f + " must be a string, got " + type(v));
      }
    }
    for (String f : List.of("startsAt", "endsAt")) {
      String v = text(a, f);
      if (v != null && !rfc3339(v)) {
        throw new HttpProblem(400, ReceiverMetrics.MALFORMED,
            at + "." + f + " is not an RFC 3339 time (e.g. 2026-11-26T17:00:00Z): " + abbreviate(v));
      }
    }
    return new AlertmanagerAlert(
        status.asText(), labels, annotations, text(a, "startsAt"), text(a, "endsAt"), text(a, "fingerprint"));
  }

  private static Map<String, String> strings(JsonNode node, String at, boolean required) {
    Map<String, String> out = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      if (required) {
        throw invalid(at + " is missing");
      }
      return out;
    }
    if (!node.isObject()) {
      throw invalid(at + " must be an object of strings, got " + type(node));
    }
    for (var e : node.properties()) {
      if (!e.getValue().isTextual()) {
        throw invalid(at + "." + e.getKey() + " must be a string, got " + type(e.getValue()));
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static boolean rfc3339(String v) {
    try {
      java.time.OffsetDateTime.parse(v, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      return true;
    } catch (java.time.format.DateTimeParseException e) {
      return false;
    }
  }

  private static String abbreviate(String v) {
    String quoted = v.length() > 64 ? v.substring(0, 64) + "..." : v;
    return "\"" + quoted.replace("\"", "\\\"") + "\"";
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String type(JsonNode n) {
    return switch (n.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> n.getNodeType().name().toLowerCase();
    };
  }

  private static HttpProblem invalid(String message) {
    return new HttpProblem(422, ReceiverMetrics.INVALID, message);
  }
}
