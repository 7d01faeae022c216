package dev.remediator.starter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.incident.IncidentStatus;
import org.junit.jupiter.api.Test;

class ShowCommandTest {
  static IncidentStatus status(String revert) throws Exception {
    return new ObjectMapper().readValue("""
        {"incidentId": "dbpool:prod:auth-service:authdb", "phase": "WATCHING", "openedAt": "2026-12-06T10:00:00Z",
         "actions": [], "timeline": [], "alerts": [], "repeatedAlerts": 0%s}
        """.formatted(revert), IncidentStatus.class);
  }

  @Test
  void showSaysWhenTheTemporaryPoolIncreaseIsReverted() throws Exception {
    String pool = """
        , "poolRevertTo": {"replicas": 3, "values": [{"name": "DATABASE_POOL_SIZE", "value": "5"},
            {"name": "DATABASE_MAX_OVERFLOW", "value": null}]}, "poolRevertAt": "2026-12-06T12:10:00Z"
        """;

    assertThat(ShowCommand.render(status(pool + ", \"poolRevertFinal\": true"), "RUNNING", true)).contains(
        "\nRevert     temporary pool increase back to DATABASE_POOL_SIZE=5, DATABASE_MAX_OVERFLOW=(unset) at"
            + " 2026-12-06T12:10:00Z");
    assertThat(ShowCommand.render(status(pool), "RUNNING", true)).contains(
        "at 2026-12-06T12:10:00Z at the earliest (it waits past recovery)");
    // An incident without an outstanding increase (or a status from an older worker) shows no such line.
    assertThat(ShowCommand.render(status(""), "RUNNING", true)).doesNotContain("Revert");
  }
}
