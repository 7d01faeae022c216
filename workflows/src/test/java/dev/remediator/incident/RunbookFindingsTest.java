package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A runbook's own findings travel with the state through Temporal's data converter (continue-as-new, queries). */
class RunbookFindingsTest {

  /** Registers {@link Findings} under a logical name (this module's test services). */
  public static final class Names implements RunbookFindings.Names {
    @Override
    public java.util.Map<String, Class<?>> byName() {
      return java.util.Map.of("test-findings", Findings.class);
    }
  }

  /** What some runbook keeps: mutable, JSON-friendly. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Findings implements RunbookFindings {
    public int restarts;
    public List<String> revisions = new ArrayList<>();
  }

  @Test
  void findingsReadBackAsTheRunbooksOwnClass() {
    IncidentState state = new IncidentState();
    Findings findings = new Findings();
    findings.restarts = 3;
    findings.revisions.add("7 (image api:1.4.2)");
    state.findings = findings;

    var converter = DefaultDataConverter.STANDARD_INSTANCE;
    IncidentState back = converter.fromPayload(converter.toPayload(state).orElseThrow(), IncidentState.class,
        IncidentState.class);

    assertThat(back.findings).isInstanceOf(Findings.class);
    assertThat(((Findings) back.findings).restarts).isEqualTo(3);
    assertThat(((Findings) back.findings).revisions).containsExactly("7 (image api:1.4.2)");
  }

  @Test
  void stateWithoutFindingsStillReads() {
    var converter = DefaultDataConverter.STANDARD_INSTANCE;
    IncidentState back = converter.fromPayload(converter.toPayload(new IncidentState()).orElseThrow(),
        IncidentState.class, IncidentState.class);
    assertThat(back.findings).isNull();
  }
}
