package dev.remediator.probe;

import dev.remediator.activities.EndpointOutages;
import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.ProbeResult;
import dev.remediator.incident.ServiceHealth;
import dev.remediator.incident.Target;
import dev.remediator.runbook.ProbeActivities;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * The runbook's {@code curl -f http://auth-service:8000/health} and {@code .../ready}: a GET with connect and
 * request timeouts; a 2xx answer is ok. Anything else (status, timeout, refused, bad URL) is data in the result.
 */
public class ProbeActivitiesImpl implements ProbeActivities {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

  private final TargetDirectory targets;
  private final Duration timeout;
  private final HttpClient http;
  private final EndpointOutages outages;

  public ProbeActivitiesImpl(TargetDirectory targets) {
    this(targets, DEFAULT_TIMEOUT);
  }

  /** @param timeout for connecting and, separately, for the whole answer */
  public ProbeActivitiesImpl(TargetDirectory targets, Duration timeout) {
    this(targets, timeout, new EndpointOutages());
  }

  /** @param outages the worker's record of endpoints that do not answer (a probe of one seen down fails fast) */
  public ProbeActivitiesImpl(TargetDirectory targets, Duration timeout, EndpointOutages outages) {
    this.targets = targets;
    this.outages = outages;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  @Override
  public ServiceHealth probe(Target target) {
    TargetConfig config = targets.require(target);
    TargetConfig.Endpoints endpoints = config.endpoints();
    if (endpoints == null) {
      return new ServiceHealth(null, null);
    }
    return new ServiceHealth(probe(endpoints.health()), probe(endpoints.ready()));
  }

  ProbeResult probe(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    long start = System.nanoTime();
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create(url))
          .timeout(timeout)
          .header("User-Agent", "remediator-probe")
          .GET()
          .build();
      HttpResponse<Void> response = outages.call(EndpointOutages.endpoint(url, defaultPort(url)),
          () -> send(request), ProbeActivitiesImpl::unreachable);
      int status = response.statusCode();
      boolean ok = status >= 200 && status < 300;
      return new ProbeResult(url, ok, status, millisSince(start), ok ? null : "HTTP " + status);
    } catch (EndpointOutages.Down e) {
      Throwable cause = e.getCause();
      String error = cause instanceof HttpConnectTimeoutException ? "connect timeout after " + timeout.toMillis() + " ms"
          : cause instanceof ConnectException ? "connection refused" + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
          : cause instanceof UnknownHostException ? "unknown host: " + cause.getMessage()
          : e.getMessage();
      return new ProbeResult(url, false, 0, millisSince(start), error, e.outage().sinceMillis());
    } catch (HttpConnectTimeoutException e) {
      return failed(url, start, "connect timeout after " + timeout.toMillis() + " ms");
    } catch (HttpTimeoutException e) {
      return failed(url, start, "no answer within " + timeout.toMillis() + " ms");
    } catch (ConnectException e) {
      return failed(url, start, "connection refused" + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } catch (UnknownHostException e) {
      return failed(url, start, "unknown host: " + e.getMessage());
    } catch (InterruptedIOException e) {
      return failed(url, start, "interrupted");
    } catch (IOException e) {
      return failed(url, start, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } catch (IllegalArgumentException e) {
      return failed(url, start, "not a usable URL: " + e.getMessage());
    }
  }

  /** The request; an interruption comes back as {@link InterruptedIOException} (the interrupt flag set). */
  private HttpResponse<Void> send(HttpRequest request) throws IOException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  /** No answer from the host:port at all (not an answer that came late: that says nothing of other paths). */
  private static boolean unreachable(Throwable e) {
    return e instanceof HttpConnectTimeoutException || e instanceof ConnectException
        || e instanceof NoRouteToHostException || e instanceof UnknownHostException;
  }

  private static int defaultPort(String url) {
    return url.regionMatches(true, 0, "https:", 0, 6) ? 443 : 80;
  }

  private static ProbeResult failed(String url, long start, String error) {
    return new ProbeResult(url, false, 0, millisSince(start), error);
  }

  private static long millisSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
