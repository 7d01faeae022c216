package dev.remediator.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The worker's small HTTP endpoint: {@code GET /healthz} (the process is up), {@code GET /readyz} (Temporal answers
 * {@code GetSystemInfo} within 2 s) and {@code GET /metrics} (Prometheus text). Default port 9464.
 */
public final class MetricsServer implements AutoCloseable {
  public static final int DEFAULT_PORT = 9464;
  static final Duration READY_DEADLINE = Duration.ofSeconds(2);

  private final HttpServer server;

  private MetricsServer(HttpServer server) {
    this.server = server;
  }

  /** Starts on {@code host:port} (port 0: a free one). */
  public static MetricsServer start(String host, int port, WorkerMetrics metrics, WorkflowServiceStubs temporal) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for metrics", e);
    }
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "metrics-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/healthz", ex -> answer(ex, 200, "application/json", "{\"status\":\"ok\"}"));
    server.createContext(
        "/readyz",
        ex -> {
          if (reachable(temporal)) {
            answer(ex, 200, "application/json", "{\"status\":\"ready\",\"temporal\":\"reachable\"}");
          } else {
            answer(ex, 503, "application/json", "{\"error\":\"Temporal is not reachable\"}");
          }
        });
    server.createContext(
        "/metrics", ex -> answer(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.start();
    return new MetricsServer(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  static boolean reachable(WorkflowServiceStubs temporal) {
    try {
      temporal
          .blockingStub()
          .withDeadlineAfter(READY_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void answer(HttpExchange ex, int status, String type, String body) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      String path = ex.getRequestURI().getPath();
      if (!path.equals(ex.getHttpContext().getPath())) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
