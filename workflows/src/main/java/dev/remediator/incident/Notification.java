package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A message to people, with the runbook's "information to provide". Channels are named; their URLs and keys are
 * resolved by the activity from configuration, never carried here.
 *
 * @param event {@code trigger}, {@code acknowledge} or {@code resolve} (PagerDuty Events v2 semantics)
 * @param severity {@code critical}, {@code error}, {@code warning} or {@code info}
 * @param tier the escalation tier (database, platform, development, management), or null for plain updates
 * @param channels configured channel names to send to
 * @param summary one line
 * @param details the information to provide; may be null for acknowledge/resolve
 * @param howToRespond how to approve/acknowledge: CLI commands and the Temporal UI signal names
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Notification(
    String incidentId,
    String event,
    String severity,
    String tier,
    List<String> channels,
    String summary,
    EscalationDetails details,
    List<String> howToRespond) {}
