package dev.remediator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The small run on the embedded server ({@code remediator server}: the SDK's in-memory test server, which
 * {@code demo} uses and which needs no prerequisite), so it keeps working; everything else runs on the real server.
 * The worker is started exactly as on a cluster ({@code worker -c FILE}, no flag): it recognises the test server and
 * gives up sticky execution, else a restarted worker would strand the incident on the dead worker's sticky queue.
 */
class EmbeddedServerSmokeIT extends Scenario {
  private static final Duration PHASE = Duration.ofSeconds(60);

  @Test
  @DisplayName("embedded server: kill -9 of the worker awaiting approval, a new worker finishes (no flag)")
  void workerRestartOnTheEmbeddedServer(TestInfo info) throws Exception {
    RemediatorProcess worker = leakingStack(info, Map.of(), Stack.Server.EMBEDDED);
    assertThat(worker.output()).contains("embedded test server: sticky execution off");
    fire();
    String plan = awaitPlan();
    worker.kill();
    stack.startWorker("worker-2");
    approve(plan);
    JsonNode report = recoverAndClose(PHASE);
    assertTerminatedExactlyOnce(report, 0);
    assertClusterUntouched();
    assertNoNonDeterminism();
  }
}
