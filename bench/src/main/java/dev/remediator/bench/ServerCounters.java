package dev.remediator.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Temporal server's own counters (its Prometheus endpoint), summed per metric and {@code operation}: what the
 * server did between two scrapes, where no profiler reaches it (the dev server is a stripped Go binary).
 */
final class ServerCounters {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? ([-+0-9.eE]+|NaN)$");
  private static final Pattern OPERATION = Pattern.compile("(?:^|,)operation=\"([^\"]*)\"");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ServerCounters() {}

  /** Every counter, as {@code name{operation}} (or {@code name}) to its value summed over the other labels. */
  static Map<String, Double> scrape(String url) throws Exception {
    String text = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Set<String> counters = new HashSet<>();
    Map<String, Double> values = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] f = line.split(" ");
        if (f.length >= 4 && f[3].equals("counter")) {
          counters.add(f[2]);
        }
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches() || !counters.contains(m.group(1)) || m.group(4).equals("NaN")) {
        continue;
      }
      Matcher op = OPERATION.matcher(m.group(3) == null ? "" : m.group(3));
      String key = op.find() ? m.group(1) + "{" + op.group(1) + "}" : m.group(1);
      values.merge(key, Double.parseDouble(m.group(4)), Double::sum);
    }
    return values;
  }

  private static final Pattern FRONTEND_REQUEST =
      Pattern.compile("^service_requests\\{(?=.*service_name=\"frontend\")(?=.*operation=\"([^\"]*)\")(.*)\\} ([0-9.eE+]+)$");

  /**
   * The frontend's requests by operation (every namespace but the server's own {@code temporal_system}): the gRPC
   * calls clients made, counted by the server (those that failed included where it counts them).
   */
  static Map<String, Double> frontendRequests(String url) throws Exception {
    String text = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> values = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = FRONTEND_REQUEST.matcher(line);
      if (m.matches() && !m.group(2).contains("namespace=\"temporal_system\"")) {
        values.merge(m.group(1), Double.parseDouble(m.group(3)), Double::sum);
      }
    }
    return values;
  }

  /**
   * {@link #frontendRequests} once the server has published every client call: it updates its Prometheus counters at
   * an interval (about a second), so they are read until the clients' calls have not changed for {@code quiet} (at
   * most 15 s).
   */
  static Map<String, Double> settledFrontendRequests(String url, Duration quiet) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    Map<String, Double> last = frontendRequests(url);
    long stableSince = System.nanoTime();
    while (System.nanoTime() - stableSince < quiet.toNanos() && System.nanoTime() - deadline < 0) {
      Thread.sleep(250);
      Map<String, Double> now = frontendRequests(url);
      if (!clientCalls(last, now).isEmpty()) {
        stableSince = System.nanoTime();
      }
      last = now;
    }
    return last;
  }

  /**
   * The calls clients made between two {@link #frontendRequests} scrapes, by operation; a worker's own calls (polls,
   * task responses, heartbeats, history reads, the open-incidents gauge's listing) left out.
   */
  static Map<String, Integer> clientCalls(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Integer> calls = new java.util.TreeMap<>();
    after.forEach((op, v) -> {
      int n = (int) Math.round(v - before.getOrDefault(op, 0.0));
      boolean worker = op.startsWith("Poll") && !op.equals("PollWorkflowExecutionUpdate") || op.startsWith("Respond")
          || op.startsWith("RecordWorker") || op.startsWith("RecordActivity") || op.equals("ShutdownWorker")
          || op.equals("GetWorkflowExecutionHistory")
          || op.equals("ListWorkflowExecutions"); // the worker's open-incidents gauge, on its own schedule
      if (n > 0 && !worker) {
        calls.put(op, n);
      }
    });
    return calls;
  }

  /** "N (Op, Op xK, ...)": how many calls, and which. */
  static String describeCalls(Map<String, Integer> calls) {
    int total = calls.values().stream().mapToInt(Integer::intValue).sum();
    return total + " (" + calls.entrySet().stream().map(e -> e.getKey() + (e.getValue() > 1 ? " x" + e.getValue() : ""))
        .collect(Collectors.joining(", ")) + ")";
  }

  /** The {@code top} counters that grew most from {@code before} to {@code after}, per second of {@code window}. */
  static List<String> grown(Map<String, Double> before, Map<String, Double> after, Duration window, int top) {
    double seconds = Math.max(1, window.toMillis()) / 1000.0;
    return after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(top)
        .map(e -> String.format(Locale.ROOT, "%.0f `%s` (%.1f/s)", e.getValue(), e.getKey(), e.getValue() / seconds))
        .collect(Collectors.toList());
  }
}
