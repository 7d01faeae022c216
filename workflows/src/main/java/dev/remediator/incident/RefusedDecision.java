package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A decision refused before it reached the incident (the approval API: not an approver, no plan pending, a
 * rejection without a reason), sent by signal so that the incident's timeline records every refusal. It changes
 * nothing else.
 *
 * @param action what was asked (approve, reject, replan, acknowledge)
 * @param by who asked (the identity of the caller's token)
 * @param reason why it was refused
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RefusedDecision(DecisionAction action, String by, String reason) {}
