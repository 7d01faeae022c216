package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Duration;
import java.util.List;

/**
 * One rung of the runbook's escalation path (database → platform → development → management).
 *
 * @param name the team, e.g. {@code database}
 * @param channels configured notification channel names to page
 * @param ackTimeout how long to wait for an {@code acknowledge} before the next tier
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EscalationTier(String name, List<String> channels, Duration ackTimeout) {}
