package dev.remediator.notify;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A real local HTTP server that records every request and answers each path from a scripted queue (else 200). */
final class RecordingServer implements AutoCloseable {
  record Request(String method, String path, String contentType, String userAgent, String body) {}

  /** One scripted answer; {@code hang} keeps the client waiting until the server closes. */
  record Answer(int status, String body, boolean hangs) {
    static Answer of(int status, String body) {
      return new Answer(status, body, false);
    }

    static Answer hanging() {
      return new Answer(0, "", true);
    }
  }

  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Deque<Answer>> script = new ConcurrentHashMap<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final HttpServer server;

  RecordingServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  RecordingServer answer(String path, Answer... answers) {
    script.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(answers));
    return this;
  }

  List<Request> to(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpExchange x) throws IOException {
    String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = x.getRequestURI().getPath();
    requests.add(new Request(x.getRequestMethod(), path, x.getRequestHeaders().getFirst("Content-Type"),
        x.getRequestHeaders().getFirst("User-Agent"), body));
    Deque<Answer> queue = script.get(path);
    Answer answer = queue == null || queue.isEmpty() ? Answer.of(200, "ok") : queue.poll();
    if (answer.hangs()) {
      try {
        closing.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      x.close();
      return;
    }
    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
    x.getResponseBody().write(bytes);
    x.close();
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
