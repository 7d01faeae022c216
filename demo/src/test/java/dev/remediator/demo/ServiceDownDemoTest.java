package dev.remediator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.incident.ActionType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code ./remediator demo service-down} in-process: a bad image rollout on the simulated cluster, a real ServiceDown
 * webhook, the runbook's rollback approved by signal, the rollout back completed by the simulated controller.
 */
class ServiceDownDemoTest {

  @Test
  void theBadRolloutIsRolledBackAndTheServiceServesAgain() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    ServiceDownDemo.Result result = new ServiceDownDemo(new PrintStream(buffer, true, StandardCharsets.UTF_8)).run();

    String output = buffer.toString(StandardCharsets.UTF_8);
    assertThat(result.rolledBack()).as(output).isTrue();
    assertThat(result.imageAfter()).isEqualTo(ServiceDownDemo.GOOD_IMAGE);
    assertThat(result.report().actions()).extracting(a -> a.type()).containsExactly(ActionType.ROLLBACK);
    assertThat(result.report().diagnosis().evidence()).contains("cause: bad rollout");
    assertThat(output)
        .contains("Cause: bad rollout")
        .contains("image auth-service: " + ServiceDownDemo.GOOD_IMAGE + " -> " + ServiceDownDemo.BAD_IMAGE)
        .contains("./remediator approve " + ServiceDownDemo.INCIDENT_ID)
        .contains("Rolled back.");
  }
}
