package dev.remediator.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.remediator.config.ConfigException;
import dev.remediator.config.NotificationsConfig;
import dev.remediator.config.NotificationsConfig.Channel;
import dev.remediator.config.Secrets;
import dev.remediator.incident.Notification;
import dev.remediator.incident.NotificationActivities;
import dev.remediator.incident.NotificationResult;
import dev.remediator.incident.NotificationResult.Delivery;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@link NotificationActivities} over the JDK HTTP client. Channel URLs and keys are resolved from env or files at
 * the moment of sending and never appear in results or errors. Each channel gets a few quick tries on 5xx, 408,
 * 429 and network errors, none on other 4xx; a channel that fails does not stop the others.
 */
public class NotificationActivitiesImpl implements NotificationActivities {
  public static final String PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";
  public static final Set<String> TYPES = Set.of("slack", "pagerduty", "webhook");
  static final Set<String> EVENTS = Set.of("trigger", "acknowledge", "resolve");
  static final Set<String> SEVERITIES = Set.of("critical", "error", "warning", "info");
  private static final int ERROR_BODY_CHARS = 200;

  private final Map<String, Channel> channels = new LinkedHashMap<>();
  private final int attempts;
  private final Duration backoff;
  private final Duration requestTimeout;
  private final HttpClient http;

  /** 3 tries per channel, 0.5 s then 1 s apart, 5 s per request. */
  public NotificationActivitiesImpl(NotificationsConfig config) {
    this(config, 3, Duration.ofMillis(500), Duration.ofSeconds(5));
  }

  public NotificationActivitiesImpl(NotificationsConfig config, int attempts, Duration backoff, Duration requestTimeout) {
    if (config != null && config.channels() != null) {
      for (Channel c : config.channels()) {
        channels.put(c.name(), c);
      }
    }
    this.attempts = Math.max(1, attempts);
    this.backoff = backoff;
    this.requestTimeout = requestTimeout;
    this.http = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(3).compareTo(requestTimeout) < 0 ? Duration.ofSeconds(3) : requestTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /**
   * Heartbeats the channels delivered so far after each channel, so a retry after a worker crash (heartbeat details)
   * does not send again to a channel that already has the message. Heartbeats are throttled by the SDK (the first is
   * sent at once): a channel delivered just before a crash may still get the message twice.
   */
  @Override
  public NotificationResult send(Notification n) {
    ActivityExecutionContext activity = Activity.getExecutionContext();
    List<Delivery> earlier =
        activity.getHeartbeatDetails(NotificationResult.class).map(NotificationResult::deliveries).orElse(List.of());
    return deliverAll(n, earlier, delivered -> activity.heartbeat(new NotificationResult(delivered)));
  }

  /** What a first attempt does: no earlier deliveries. */
  NotificationResult deliverAll(Notification n) {
    return deliverAll(n, List.of(), delivered -> {});
  }

  /**
   * @param earlier deliveries an earlier attempt reported (its heartbeat details): those channels are not sent again
   * @param progress called after each channel with the deliveries made so far, earlier ones included
   */
  NotificationResult deliverAll(Notification n, List<Delivery> earlier, Consumer<List<Delivery>> progress) {
    validate(n);
    Map<String, Delivery> deliveredEarlier = new LinkedHashMap<>();
    for (Delivery d : earlier) {
      if (d.delivered()) {
        deliveredEarlier.put(d.channel(), d);
      }
    }
    List<Delivery> deliveries = new ArrayList<>();
    for (String name : new LinkedHashSet<>(n.channels())) {
      Delivery d = deliveredEarlier.containsKey(name) ? deliveredEarlier.get(name) : deliver(name, n);
      deliveries.add(d);
      progress.accept(deliveries.stream().filter(Delivery::delivered).toList());
    }
    return new NotificationResult(deliveries);
  }

  private static void validate(Notification n) {
    if (n == null) {
      throw invalid("no notification given");
    }
    if (n.incidentId() == null || n.incidentId().isBlank()) {
      throw invalid("a notification needs the incident ID (PagerDuty's dedup_key)");
    }
    if (!EVENTS.contains(n.event())) {
      throw invalid("event must be one of trigger, acknowledge, resolve; got " + n.event());
    }
    if (n.severity() != null && !SEVERITIES.contains(n.severity())) {
      throw invalid("severity must be one of critical, error, warning, info; got " + n.severity());
    }
    if (n.channels() == null) {
      throw invalid("a notification needs a list of channel names (may be empty)");
    }
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, "InvalidRequest");
  }

  private Delivery deliver(String name, Notification n) {
    Channel channel = channels.get(name);
    if (channel == null) {
      return new Delivery(name, false, 0, "channel '" + name + "' is not configured (notifications.channels)");
    }
    String type = channel.type() == null ? "" : channel.type().toLowerCase(Locale.ROOT);
    String url;
    String body;
    try {
      switch (type) {
        case "slack" -> {
          url = Secrets.resolve("channel " + name + " webhook URL", null, channel.urlEnv(), channel.urlFile());
          body = Messages.JSON.writeValueAsString(Messages.slack(n));
        }
        case "pagerduty" -> {
          String key = Secrets.resolve(
              "channel " + name + " routing key", null, channel.routingKeyEnv(), channel.routingKeyFile());
          url = channel.urlEnv() == null && channel.urlFile() == null
              ? PAGERDUTY_EVENTS_URL
              : Secrets.resolve("channel " + name + " events URL", null, channel.urlEnv(), channel.urlFile());
          body = Messages.JSON.writeValueAsString(Messages.pagerDuty(n, key));
        }
        case "webhook" -> {
          url = Secrets.resolve("channel " + name + " webhook URL", null, channel.urlEnv(), channel.urlFile());
          body = Messages.JSON.writeValueAsString(n);
        }
        default -> {
          return new Delivery(name, false, 0,
              "channel '" + name + "' has unknown type '" + channel.type() + "' (slack, pagerduty or webhook)");
        }
      }
    } catch (ConfigException e) {
      return new Delivery(name, false, 0, e.getMessage());
    } catch (JsonProcessingException e) {
      return new Delivery(name, false, 0, "cannot render the message: " + e.getOriginalMessage());
    }
    URI uri;
    try {
      uri = URI.create(url.strip());
    } catch (IllegalArgumentException e) {
      return new Delivery(name, false, 0, "channel '" + name + "': the configured URL is not a valid URL");
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
        || uri.getHost() == null) {
      return new Delivery(name, false, 0, "channel '" + name + "': the configured URL is not an http(s) URL");
    }
    return post(name, uri, body);
  }

  /** POSTs with bounded retries; the URL (a secret for Slack) never goes into the result. */
  private Delivery post(String name, URI uri, String body) {
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("User-Agent", "remediator")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    String error = null;
    int status = 0;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      boolean retryable;
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        status = response.statusCode();
        if (status >= 200 && status < 300) {
          return new Delivery(name, true, status, null);
        }
        error = "HTTP " + status + snippet(response.body());
        retryable = status == 408 || status == 429 || status >= 500;
      } catch (HttpTimeoutException e) {
        status = 0;
        error = "no answer within " + requestTimeout.toMillis() + " ms";
        retryable = true;
      } catch (IOException e) {
        status = 0;
        error = "cannot reach the channel: " + e.getClass().getSimpleName();
        retryable = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Delivery(name, false, 0, "interrupted");
      }
      if (!retryable) {
        break;
      }
      if (attempt < attempts) {
        try {
          Thread.sleep(backoff.toMillis() << (attempt - 1));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return new Delivery(name, false, status, error + " (interrupted)");
        }
      } else {
        error += " (after " + attempts + " attempts)";
      }
    }
    return new Delivery(name, false, status, error);
  }

  private static String snippet(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String s = body.strip().replaceAll("\\s+", " ");
    return ": " + (s.length() <= ERROR_BODY_CHARS ? s : s.substring(0, ERROR_BODY_CHARS) + "…");
  }
}
