package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** What became of one planned action ({@link ActionResult}), with the detail people read and when. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ActionOutcome(String planId, ActionType type, ActionResult result, String detail, String at) {}
