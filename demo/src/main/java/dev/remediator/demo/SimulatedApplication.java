package dev.remediator.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/**
 * The demo's auth-service: its database sessions (a leak and healthy ones, held in {@link DemoDatabase}) and its
 * {@code /health} and {@code /ready} endpoints. Like a real service with an exhausted pool, it stays alive
 * ({@code /health} 200) but is not ready ({@code /ready} 503) while sessions sit idle in transaction.
 */
final class SimulatedApplication implements AutoCloseable {
  private final DemoDatabase db;
  private final HttpServer http;

  private SimulatedApplication(DemoDatabase db, HttpServer http) {
    this.db = db;
    this.http = http;
  }

  static SimulatedApplication start(DemoDatabase db, int leaked, int healthy) throws IOException, SQLException {
    db.simulateLeakingApplication(leaked, healthy);
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    SimulatedApplication app = new SimulatedApplication(db, http);
    http.createContext("/health", x -> answer(x, 200, "ok"));
    http.createContext("/ready", app::ready);
    http.start();
    return app;
  }

  String url(String path) {
    return "http://127.0.0.1:" + http.getAddress().getPort() + path;
  }

  private void ready(HttpExchange x) throws IOException {
    try {
      int stuck = db.idleInTransactionNow();
      if (stuck > 0) {
        answer(x, 503, "connection pool exhausted: " + stuck + " connections idle in transaction");
      } else {
        answer(x, 200, "ready");
      }
    } catch (SQLException e) {
      answer(x, 503, "database unreachable");
    }
  }

  private static void answer(HttpExchange x, int status, String body) throws IOException {
    try (x) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(status, bytes.length);
      x.getResponseBody().write(bytes);
    }
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
