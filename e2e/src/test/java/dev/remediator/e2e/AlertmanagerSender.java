package dev.remediator.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Delivers a webhook the way Alertmanager does: retries a delivery that got no answer (connection refused, reset,
 * timeout) or a 5xx, with exponential backoff, until it gets a 2xx; a 4xx is final (not retried). Records every try.
 */
final class AlertmanagerSender {
  /** One try: the HTTP status, or 0 with the I/O error when there was no answer. */
  record Attempt(int status, String body, String error) {}

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
  private final Duration firstBackoff;
  private final Duration maxBackoff;
  private final Duration giveUpAfter;

  AlertmanagerSender(Duration firstBackoff, Duration maxBackoff, Duration giveUpAfter) {
    this.firstBackoff = firstBackoff;
    this.maxBackoff = maxBackoff;
    this.giveUpAfter = giveUpAfter;
  }

  List<Attempt> attempts() {
    return List.copyOf(attempts);
  }

  /** Sends until a 2xx or a 4xx; returns the final attempt. Gives up (throws) after {@code giveUpAfter}. */
  Attempt deliver(String url, String token, byte[] body) throws InterruptedException {
    long deadline = System.nanoTime() + giveUpAfter.toNanos();
    Duration backoff = firstBackoff;
    while (true) {
      Attempt a = once(url, token, body);
      attempts.add(a);
      if (a.status() >= 200 && a.status() < 500) {
        return a;
      }
      if (System.nanoTime() + backoff.toNanos() > deadline) {
        throw new AssertionError("no 2xx within " + giveUpAfter + "; tries: " + attempts);
      }
      Thread.sleep(backoff.toMillis()); // Alertmanager's own backoff between tries
      backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    }
  }

  private Attempt once(String url, String token, byte[] body) throws InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .header("User-Agent", "Alertmanager/0.25.0")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Attempt(r.statusCode(), r.body(), null);
    } catch (IOException e) {
      return new Attempt(0, null, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
