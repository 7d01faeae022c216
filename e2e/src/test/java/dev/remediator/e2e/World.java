package dev.remediator.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The service's own HTTP endpoints ({@code /health}, {@code /ready}) and the people's channels (Slack, PagerDuty),
 * as one local HTTP server whose answers a test controls: it can hold the probes (a service that does not answer) or
 * hold a channel's first request and then answer 503. Every request is recorded with the status it was answered.
 */
final class World implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHAT = "database-chat";
  static final String DATABASE_PAGER = "database-pager";
  static final String PLATFORM_PAGER = "platform-pager";

  /** One request and how it was answered (0 = the client was gone before the answer). */
  record Request(String path, String channel, String body, int status) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        return JSON.createObjectNode();
      }
    }

    boolean delivered() {
      return status >= 200 && status < 300;
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "world-http");
    t.setDaemon(true);
    return t;
  });
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> arrived = new ConcurrentHashMap<>();
  private volatile boolean holdProbes;
  /** Whether /health and /ready answer 200 (else 503); always, unless a scenario says otherwise. */
  private volatile java.util.function.BooleanSupplier serving = () -> true;
  private final Map<String, Boolean> holdFirst = new ConcurrentHashMap<>();
  private final Object gate = new Object();
  private long releases;

  World() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** {@code /health} and {@code /ready} answer 200 while {@code serving} holds, else 503 (Service Down scenarios). */
  void probesServeWhile(java.util.function.BooleanSupplier serving) {
    this.serving = serving;
  }

  /** While on, {@code /health} and {@code /ready} do not answer (until released or 30 s). */
  void holdProbes(boolean on) {
    holdProbes = on;
    if (!on) {
      release();
    }
  }

  /** The next request to {@code channel} is held until {@link #release()} and then answered 503. */
  void holdFirstRequest(String channel) {
    holdFirst.put(channel, true);
  }

  /** Lets every held request go. */
  void release() {
    synchronized (gate) {
      releases++;
      gate.notifyAll();
    }
  }

  /** Requests that arrived at {@code path} (answered or not yet). */
  int arrived(String path) {
    return arrived.getOrDefault(path, 0);
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Notifications answered 2xx on {@code channel}. */
  List<JsonNode> delivered(String channel) {
    return requests.stream().filter(r -> channel.equals(r.channel()) && r.delivered()).map(Request::json).toList();
  }

  /** Requests that reached {@code channel}, delivered or not. */
  List<Request> received(String channel) {
    return requests.stream().filter(r -> channel.equals(r.channel())).toList();
  }

  /** The channels' secrets as files, and the {@code notifications:} section naming them. */
  String notificationsYaml(Path secrets) throws IOException {
    Files.createDirectories(secrets);
    StringBuilder b = new StringBuilder("notifications:\n  channels:\n");
    Path chat = Files.writeString(secrets.resolve("chat-url"), url("/slack/" + CHAT));
    b.append("    - {name: ").append(CHAT).append(", type: slack, urlFile: \"").append(chat).append("\"}\n");
    for (String pager : List.of(DATABASE_PAGER, PLATFORM_PAGER)) {
      Path u = Files.writeString(secrets.resolve(pager + "-url"), url("/pagerduty/" + pager));
      Path k = Files.writeString(secrets.resolve(pager + "-key"), "R0" + pager.replace("-", "").toUpperCase()
          + "0000000000000000");
      b.append("    - {name: ").append(pager).append(", type: pagerduty, urlFile: \"").append(u)
          .append("\", routingKeyFile: \"").append(k).append("\"}\n");
    }
    return b.toString();
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      arrived.merge(path, 1, Integer::sum);
      int status;
      String answer;
      String channel = null;
      if (path.equals("/health") || path.equals("/ready")) {
        if (holdProbes) {
          waitForRelease();
        }
        boolean up = serving.getAsBoolean();
        status = up ? 200 : 503;
        answer = up ? "{\"status\":\"ok\"}" : "{\"status\":\"down\"}";
      } else if (path.startsWith("/slack/") || path.startsWith("/pagerduty/")) {
        channel = path.substring(path.lastIndexOf('/') + 1);
        if (Boolean.TRUE.equals(holdFirst.remove(channel))) {
          waitForRelease();
          status = 503;
          answer = "{\"status\":\"unavailable\"}";
        } else if (path.startsWith("/pagerduty/")) {
          status = 202;
          answer = "{\"status\":\"success\",\"message\":\"Event processed\"}";
        } else {
          status = 200;
          answer = "ok";
        }
      } else {
        status = 404;
        answer = "{}";
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      int recorded = status;
      try {
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
      } catch (IOException e) {
        recorded = 0; // the client is gone
      }
      requests.add(new Request(path, channel, body, recorded));
    }
  }

  private void waitForRelease() {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    synchronized (gate) {
      long seen = releases;
      while (releases == seen && System.nanoTime() < until) {
        try {
          gate.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    executor.shutdownNow();
  }
}
