package dev.remediator.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The demo's stand-in for Slack, PagerDuty and a webhook receiver: a local HTTP server that records each
 * notification and prints one line per request. It answers like the real services (Slack {@code 200 ok},
 * PagerDuty {@code 202} with a dedup key).
 */
public final class NotificationSink implements AutoCloseable {
  public static final String SLACK_CHANNEL = "database-chat";
  public static final String PAGER_CHANNEL = "database-pager";
  public static final String WEBHOOK_CHANNEL = "incident-log";
  static final String SLACK_PATH = "/slack/services/T0DEMO/B0DEMO/demo-webhook";
  static final String PAGERDUTY_PATH = "/pagerduty/v2/enqueue";
  static final String WEBHOOK_PATH = "/webhook/incidents";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One received notification. */
  public record Received(String channel, String path, String contentType, String body) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final PrintStream out;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "notification-sink");
    t.setDaemon(true);
    return t;
  });
  private final HttpServer server;

  private NotificationSink(PrintStream out) throws IOException {
    this.out = out;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts on a free loopback port; prints to {@code out}. */
  public static NotificationSink start(PrintStream out) throws IOException {
    return new NotificationSink(out);
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  /**
   * Writes the channels' secrets (URLs, a PagerDuty routing key) as files under {@code secrets}, as a mounted
   * Kubernetes Secret would hold them, and returns the {@code notifications:} section of the configuration.
   */
  public String configYaml(Path secrets) throws IOException {
    Files.createDirectories(secrets);
    Path slack = Files.writeString(secrets.resolve("slack-url"), url(SLACK_PATH));
    Path pager = Files.writeString(secrets.resolve("pagerduty-url"), url(PAGERDUTY_PATH));
    Path key = Files.writeString(secrets.resolve("pagerduty-routing-key"), "R0DEMO00000000000000000000000000");
    Path hook = Files.writeString(secrets.resolve("webhook-url"), url(WEBHOOK_PATH));
    return """
        notifications:
          channels:
            - {name: %s, type: slack, urlFile: "%s"}
            - {name: %s, type: pagerduty, urlFile: "%s", routingKeyFile: "%s"}
            - {name: %s, type: webhook, urlFile: "%s"}
        """.formatted(SLACK_CHANNEL, slack, PAGER_CHANNEL, pager, key, WEBHOOK_CHANNEL, hook);
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = x.getRequestURI().getPath();
      String channel = path.startsWith("/slack/") ? SLACK_CHANNEL
          : path.startsWith("/pagerduty/") ? PAGER_CHANNEL
          : path.startsWith("/webhook/") ? WEBHOOK_CHANNEL : "?";
      received.add(new Received(channel, path, x.getRequestHeaders().getFirst("Content-Type"), body));
      out.println("      [notification sink] " + channel + " <- " + describe(channel, body));
      byte[] answer;
      int status;
      if (channel.equals(PAGER_CHANNEL)) {
        status = 202;
        String dedup = parse(body).path("dedup_key").asText("");
        answer = JSON.writeValueAsBytes(JSON.createObjectNode()
            .put("status", "success").put("message", "Event processed").put("dedup_key", dedup));
        x.getResponseHeaders().set("Content-Type", "application/json");
      } else {
        status = channel.equals("?") ? 404 : 200;
        answer = (status == 200 ? "ok" : "no such hook").getBytes(StandardCharsets.UTF_8);
      }
      x.sendResponseHeaders(status, answer.length);
      x.getResponseBody().write(answer);
    }
  }

  private static String describe(String channel, String body) {
    JsonNode n = parse(body);
    return switch (channel) {
      case SLACK_CHANNEL -> "slack: " + n.path("text").asText();
      case PAGER_CHANNEL -> "pagerduty " + n.path("event_action").asText() + " dedup_key="
          + n.path("dedup_key").asText()
          + (n.has("payload") ? " severity=" + n.path("payload").path("severity").asText() + ": "
              + n.path("payload").path("summary").asText() : "");
      case WEBHOOK_CHANNEL -> "webhook " + n.path("event").asText() + ": " + n.path("summary").asText();
      default -> body.length() > 80 ? body.substring(0, 80) + "…" : body;
    };
  }

  private static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
