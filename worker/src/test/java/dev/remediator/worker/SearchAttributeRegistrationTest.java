package dev.remediator.worker;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.temporal.TemporalConnection;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * A restarted worker (or a second replica) finds the search attributes already registered. The embedded server
 * cannot list them, so the second registration is an add of existing names: it must start, not fail.
 */
class SearchAttributeRegistrationTest {

  @Test
  void secondWorkerStartsWhereTheAttributesAlreadyExist() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RemediatorConfig config =
        ConfigLoader.parse("""
            taskQueue: registration-test
            targets:
              - service: auth-service
                namespace: prod
                database: authdb
                postgres: {url: "jdbc:postgresql://127.0.0.1:1/authdb", user: remediator}
            """, "test configuration");
    try (TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port);
        TemporalConnection connection = TemporalConnection.connect("127.0.0.1:" + port)) {
      WorkerFactory first = RemediatorWorker.create(connection.client(), config, true);
      first.shutdownNow();
      assertThatCode(() -> RemediatorWorker.create(connection.client(), config, true).shutdownNow())
          .doesNotThrowAnyException();
    }
  }
}
