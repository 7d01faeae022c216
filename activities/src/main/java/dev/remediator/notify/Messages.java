package dev.remediator.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remediator.incident.EscalationDetails;
import dev.remediator.incident.LogSummary;
import dev.remediator.incident.Notification;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.registry.Runbooks;
import dev.remediator.runbook.Runbook;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bodies Remediator posts: a Slack incoming-webhook message, a PagerDuty Events API v2 event and the generic
 * webhook's JSON. All carry the runbook's "information to provide" and how to respond.
 */
final class Messages {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_TIMELINE = 20;
  static final int MAX_CHANGES = 5;
  private static final int SLACK_HEADER = 150;
  private static final int SLACK_TEXT = 3000;
  private static final int PAGERDUTY_SUMMARY = 1024;

  private Messages() {}

  // ---- Slack --------------------------------------------------------------------------------------------------

  /** An incoming-webhook message: {@code text} (notification fallback) and Block Kit {@code blocks}. */
  static ObjectNode slack(Notification n) {
    ObjectNode message = JSON.createObjectNode();
    message.put("text", headline(n) + " (" + n.incidentId() + ")");
    ArrayNode blocks = message.putArray("blocks");
    ObjectNode header = blocks.addObject().put("type", "header");
    header.putObject("text").put("type", "plain_text").put("text", cap(headline(n), SLACK_HEADER));
    ArrayNode fields = blocks.addObject().put("type", "section").putArray("fields");
    field(fields, "Incident", "`" + escape(n.incidentId()) + "`");
    field(fields, "Event", escape(n.event()));
    field(fields, "Severity", escape(severity(n)));
    if (n.tier() != null) {
      field(fields, "Escalation tier", escape(n.tier()));
    }
    EscalationDetails d = n.details();
    if (d != null) {
      section(blocks, "*Information to provide*\n" + bullets(information(d)));
      if (d.recentChanges() != null && !d.recentChanges().isEmpty()) {
        section(blocks, "*Recent application changes*\n" + bullets(changes(d.recentChanges())));
      }
      if (d.errorLogs() != null) {
        LogSummary logs = d.errorLogs();
        String text = "*Error logs* (" + logs.pods() + " pods, " + logs.linesScanned() + " lines)\n"
            + bullets(counts(logs));
        if (logs.samples() != null && !logs.samples().isEmpty()) {
          text += "\n```" + escape(String.join("\n", logs.samples())) + "```";
        }
        section(blocks, text);
      }
      if (d.timeline() != null && !d.timeline().isEmpty()) {
        section(blocks, "*Timeline*\n" + bullets(timeline(d.timeline())));
      }
    }
    if (n.howToRespond() != null && !n.howToRespond().isEmpty()) {
      section(blocks, "*How to respond*\n" + bullets(n.howToRespond()));
    }
    return message;
  }

  private static void field(ArrayNode fields, String title, String value) {
    fields.addObject().put("type", "mrkdwn").put("text", "*" + title + "*\n" + value);
  }

  private static void section(ArrayNode blocks, String mrkdwn) {
    blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", cap(mrkdwn, SLACK_TEXT));
  }

  private static String bullets(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      out.add("• " + escape(line));
    }
    return String.join("\n", out);
  }

  /** Slack's three control characters in mrkdwn. */
  static String escape(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  // ---- PagerDuty ----------------------------------------------------------------------------------------------

  /**
   * An Events API v2 event. Trigger carries the payload; acknowledge and resolve need only the routing key, the
   * action and the dedup key (the incident ID, so all three address the same PagerDuty alert).
   */
  static ObjectNode pagerDuty(Notification n, String routingKey) {
    ObjectNode event = JSON.createObjectNode();
    event.put("routing_key", routingKey);
    event.put("event_action", n.event());
    event.put("dedup_key", n.incidentId());
    if ("trigger".equals(n.event())) {
      ObjectNode payload = event.putObject("payload");
      payload.put("summary", cap(n.summary() == null ? headline(n) : n.summary(), PAGERDUTY_SUMMARY));
      payload.put("source", n.incidentId());
      payload.put("severity", severity(n));
      payload.put("class", Runbooks.forIncidentId(n.incidentId())
          .map(Runbook::title).orElse("Remediator"));
      if (n.tier() != null) {
        payload.put("group", n.tier());
      }
      payload.set("custom_details", customDetails(n));
      event.put("client", "Remediator");
    }
    return event;
  }

  private static ObjectNode customDetails(Notification n) {
    ObjectNode c = JSON.createObjectNode();
    if (n.tier() != null) {
      c.put("escalation_tier", n.tier());
    }
    EscalationDetails d = n.details();
    if (d != null) {
      c.put("reason", d.reason());
      if (d.facts() != null) {
        c.set("facts", JSON.valueToTree(d.facts()));
      }
      EscalationDetails.Section section = d.section();
      if (section != null) {
        section.customDetails().forEach(e -> c.set(e.getKey(), JSON.valueToTree(e.getValue())));
      }
      c.set("recent_changes", JSON.valueToTree(d.recentChanges() == null ? List.of() : changes(d.recentChanges())));
      if (d.errorLogs() != null) {
        ObjectNode logs = c.putObject("error_logs");
        logs.put("pods", d.errorLogs().pods());
        logs.put("lines_scanned", d.errorLogs().linesScanned());
        logs.set("counts", JSON.valueToTree(d.errorLogs().counts()));
        logs.set("samples", JSON.valueToTree(d.errorLogs().samples()));
      }
      c.set("timeline", JSON.valueToTree(d.timeline() == null ? List.of() : timeline(d.timeline())));
    }
    c.set("how_to_respond", JSON.valueToTree(n.howToRespond() == null ? List.of() : n.howToRespond()));
    return c;
  }

  // ---- shared text --------------------------------------------------------------------------------------------

  static String headline(Notification n) {
    String what = n.summary() == null ? n.incidentId() : n.summary();
    return switch (n.event()) {
      case "acknowledge" -> "Acknowledged: " + what;
      case "resolve" -> "Resolved: " + what;
      default -> "[" + severity(n).toUpperCase(Locale.ROOT) + "] " + what;
    };
  }

  /** The runbook's severities as PagerDuty names them; unset means {@code error}. */
  static String severity(Notification n) {
    return n.severity() == null ? "error" : n.severity();
  }

  static List<String> information(EscalationDetails d) {
    List<String> lines = new ArrayList<>();
    if (d.reason() != null) {
      lines.add("Why: " + d.reason());
    }
    lines.addAll(d.factLines());
    EscalationDetails.Section section = d.section();
    if (section != null) {
      lines.addAll(section.lines());
    }
    return lines;
  }

  static List<String> changes(List<RolloutRevision> revisions) {
    return revisions.stream()
        .limit(MAX_CHANGES)
        .map(r -> "revision " + r.revision() + " at " + r.createdAt() + ": " + String.join(", ", r.images())
            + (r.changeCause() == null ? "" : " — " + r.changeCause())
            + " (" + r.replicas() + " replicas)")
        .toList();
  }

  static List<String> counts(LogSummary logs) {
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, Integer> e : logs.counts().entrySet()) {
      lines.add(e.getKey() + ": " + e.getValue());
    }
    return lines;
  }

  /** The last {@link #MAX_TIMELINE} entries. */
  static List<String> timeline(List<TimelineEntry> entries) {
    return entries.subList(Math.max(0, entries.size() - MAX_TIMELINE), entries.size()).stream()
        .map(e -> e.at() + " " + e.actor() + ": " + e.event())
        .toList();
  }

  static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
  }

  static String cap(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
