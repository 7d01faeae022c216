package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A runbook's own findings, kept in {@link IncidentState#findings} and carried across continue-as-new with the rest
 * of the state. The JSON names the class, so a runbook's state reads back as itself; implementations are mutable
 * classes or records of JSON-friendly fields with {@code @JsonIgnoreProperties(ignoreUnknown = true)}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS, property = "@class")
public interface RunbookFindings {}
