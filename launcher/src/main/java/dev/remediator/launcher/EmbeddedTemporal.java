package dev.remediator.launcher;

import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * Temporal's embedded server ({@code io.temporal.testserver.TestServer}) on a port, in real time (no time
 * skipping). In-memory: everything is lost when it stops. For the demo, development and process-level tests only.
 */
public final class EmbeddedTemporal implements AutoCloseable {
  private final TestServer.PortBoundTestServer server;
  private final int port;

  private EmbeddedTemporal(TestServer.PortBoundTestServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /** Starts on {@code port}, or on a free port when it is 0. */
  public static EmbeddedTemporal start(int port) {
    int p = port == 0 ? freePort() : port;
    return new EmbeddedTemporal(TestServer.createPortBoundServer(p), p);
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    server.close();
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
