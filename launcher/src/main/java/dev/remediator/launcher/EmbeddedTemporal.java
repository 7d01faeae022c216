package dev.remediator.launcher;

import dev.remediator.worker.SearchAttributeRegistration;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.IOException;

/**
 * Temporal's embedded server ({@code io.temporal.testserver.TestServer}) on a port, in real time (no time
 * skipping). In-memory: everything is lost when it stops. For the demo, development and process-level tests only.
 */
public final class EmbeddedTemporal implements TemporalServer {
  private final TestServer.PortBoundTestServer server;
  private final int port;

  private EmbeddedTemporal(TestServer.PortBoundTestServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts on {@code port}, or on a free port when it is 0, with the incident search attributes registered (as
   * deploy/'s Helm values register them on a cluster). Being in memory, a restarted server has lost them; workers
   * still running would otherwise fail every incident's workflow task ("search attribute ... is not defined").
   */
  public static EmbeddedTemporal start(int port) {
    int p = port == 0 ? FreePorts.next() : port;
    EmbeddedTemporal temporal = new EmbeddedTemporal(TestServer.createPortBoundServer(p), p);
    try {
      temporal.registerSearchAttributes();
      return temporal;
    } catch (RuntimeException e) {
      temporal.close();
      throw e;
    }
  }

  private void registerSearchAttributes() {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder().setTarget(address()).validateAndBuildWithDefaults());
    try {
      SearchAttributeRegistration.ensure(operator, "default");
    } finally {
      operator.shutdownNow();
    }
  }

  @Override
  public String address() {
    return "127.0.0.1:" + port;
  }

  @Override
  public boolean embedded() {
    return true;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    server.close();
  }
}
