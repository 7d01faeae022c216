package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.annotation.JsonTypeIdResolver;
import java.util.List;

/**
 * A runbook's own typed part of a shell payload the clients read (the report, the status): its measurements and
 * what it changed, in its own types. The JSON names it by the runbook's logical name in {@code @type} (registered as
 * {@link RunbookFindings.Names} lists it), never by Java class. Records with
 * {@code @JsonIgnoreProperties(ignoreUnknown = true)}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.CUSTOM, include = JsonTypeInfo.As.PROPERTY, property = "@type")
@JsonTypeIdResolver(FindingsNames.class)
public interface RunbookSection {
  /** Lines for people (the CLI's {@code show}), in the runbook's words; empty when it has nothing to say. */
  List<String> lines();
}
