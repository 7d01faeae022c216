package dev.remediator.starter;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.Secrets;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Alert;
import dev.remediator.starter.AlertmanagerPayload.AlertmanagerAlert;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Alertmanager webhook receiver ({@code POST /webhooks/alertmanager}), the approval API
 * ({@code POST /incidents/{id}/approve|reject|ack}) and {@code /healthz}, {@code /readyz}, {@code /metrics}.
 *
 * <p>A webhook is answered 2xx only after Temporal accepted every alert of the payload for a configured target, 503
 * when it could not (Alertmanager then retries; a retry is harmless because the incident ID is the target's and the
 * start is signal-with-start with USE_EXISTING). Identical alerts delivered at the same moment (an HA pair) share one
 * Temporal call; correctness does not depend on it.
 */
public final class AlertReceiver implements AutoCloseable {
  public static final String WEBHOOK_PATH = "/webhooks/alertmanager";
  /** The alerts Remediator has a runbook for; any other alert name is ignored (listed, counted), never started. */
  public static final List<String> RUNBOOK_ALERTS = dev.remediator.runbook.Runbooks.alertNames();
  /** Largest accepted webhook body: 1 MiB. */
  public static final int MAX_BODY_BYTES = 1024 * 1024;
  /** Deadline of the readiness check against Temporal. */
  static final Duration READY_DEADLINE = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(AlertReceiver.class);

  private final RemediatorConfig config;
  private final IncidentClient incidents;
  private final ReceiverMetrics metrics;
  private final byte[] webhookToken;
  private final Javalin app;
  private final Map<DeliveryKey, CompletableFuture<IncidentClient.Delivery>> inFlight = new ConcurrentHashMap<>();

  /** The identity of one alert delivery: identical ones arriving together are coalesced. */
  private record DeliveryKey(
      String incidentId, String status, String alertName, String severity, String fingerprint, String startsAt) {}

  public AlertReceiver(RemediatorConfig config, IncidentClient incidents) {
    this(config, incidents, new ReceiverMetrics());
  }

  public AlertReceiver(RemediatorConfig config, IncidentClient incidents, ReceiverMetrics metrics) {
    this.config = config;
    this.incidents = incidents;
    this.metrics = metrics;
    var receiver = config.receiverOrDefault();
    this.webhookToken =
        receiver.authDisabled()
            ? null
            : Secrets.resolve("webhook token (receiver.tokenEnv or receiver.tokenFile)", null, receiver.tokenEnv(),
                    receiver.tokenFile())
                .getBytes(StandardCharsets.UTF_8);
    if (webhookToken == null) {
      log.warn("receiver.authDisabled is set: webhooks are accepted without a token (local development only)");
    }
    ApprovalApi approvals = new ApprovalApi(config, incidents, ApiTokens.resolve(receiver));
    this.app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.http.maxRequestSize = MAX_BODY_BYTES;
            });
    app.post(WEBHOOK_PATH, this::webhook);
    app.post("/incidents/{id}/approve", ctx -> approvals.handle(ctx, ApprovalApi.Action.APPROVE));
    app.post("/incidents/{id}/reject", ctx -> approvals.handle(ctx, ApprovalApi.Action.REJECT));
    app.post("/incidents/{id}/ack", ctx -> approvals.handle(ctx, ApprovalApi.Action.ACK));
    app.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
    app.get("/readyz", this::ready);
    app.get(
        "/metrics",
        ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
    app.exception(
        HttpProblem.class,
        (e, ctx) -> {
          if (!ctx.path().startsWith("/incidents/")) {
            metrics.rejected(e.reason);
          }
          if (e.status == 401) {
            ctx.header("WWW-Authenticate", "Bearer");
          }
          error(ctx, e.status, e.getMessage());
        });
    app.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty() || ctx.result().startsWith("Endpoint")) {
        error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
      }
    });
    app.after(ctx -> metrics.request(routeOf(ctx), ctx.statusCode()));
  }

  /** Starts listening; port 0 picks a free port. */
  public AlertReceiver start(String host, int port) {
    app.start(host, port);
    return this;
  }

  public int port() {
    return app.port();
  }

  public ReceiverMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    app.stop();
  }

  private void ready(Context ctx) {
    if (incidents.temporalReachable(READY_DEADLINE)) {
      ctx.json(Map.of("status", "ready", "temporal", "reachable"));
    } else {
      error(ctx, 503, "Temporal is not reachable (GetSystemInfo failed within " + READY_DEADLINE.toSeconds() + " s)");
    }
  }

  private void webhook(Context ctx) {
    if (webhookToken != null) {
      byte[] given = ApiTokens.bearer(ctx.header("Authorization"));
      if (given == null) {
        throw new HttpProblem(401, ReceiverMetrics.UNAUTHORIZED, "missing bearer token (Authorization: Bearer ...)");
      }
      if (!MessageDigest.isEqual(given, webhookToken)) {
        throw new HttpProblem(401, ReceiverMetrics.UNAUTHORIZED, "wrong bearer token");
      }
    }
    requireJson(ctx, ReceiverMetrics.UNSUPPORTED_MEDIA_TYPE);
    AlertmanagerPayload payload = AlertmanagerPayload.parse(readBody(ctx, MAX_BODY_BYTES));

    List<AlertmanagerAlert> alerts = payload.alerts();
    metrics.received(alerts.size());
    List<Map<String, Object>> accepted = new ArrayList<>();
    List<Map<String, Object>> ignored = new ArrayList<>();
    for (int i = 0; i < alerts.size(); i++) {
      AlertmanagerAlert a = alerts.get(i);
      Optional<TargetConfig> target = config.targetForLabels(a.labels());
      if (target.isEmpty()) {
        metrics.ignored(ReceiverMetrics.UNKNOWN_TARGET);
        Map<String, Object> e = entry(i, a, null);
        e.put("reason", "no configured target for namespace/service/database " + a.labels().get("namespace") + "/"
            + a.labels().get("service") + "/" + a.labels().get("database"));
        ignored.add(e);
        continue;
      }
      String alertName = a.labels().get("alertname");
      if (!RUNBOOK_ALERTS.contains(alertName)) {
        // A configured target, but an alert no runbook of ours handles (e.g. a route that sends more than ours).
        metrics.ignored(ReceiverMetrics.UNKNOWN_ALERT);
        Map<String, Object> e = entry(i, a, null);
        e.put("reason", "no runbook for alert " + alertName + " (handled: " + String.join(", ", RUNBOOK_ALERTS) + ")");
        ignored.add(e);
        continue;
      }
      Alert alert = toAlert(a);
      String incidentId = target.get().target().incidentId();
      IncidentClient.Delivery d;
      try {
        d = deliverOnce(target.get(), alert);
      } catch (RuntimeException e) {
        log.warn("Temporal did not accept alert {} for {}: {}", a.fingerprint(), incidentId, e.toString());
        metrics.rejected(ReceiverMetrics.TEMPORAL_UNAVAILABLE);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "Temporal did not accept alerts[" + i + "] for " + incidentId + " ("
            + rootMessage(e) + "); nothing is lost, retry the delivery");
        body.put("accepted", accepted);
        ctx.status(503).header("Retry-After", "10").json(body);
        return;
      }
      Map<String, Object> e = entry(i, a, incidentId);
      switch (d) {
        case STARTED -> {
          metrics.incidentStarted();
          e.put("outcome", "started");
          accepted.add(e);
        }
        case SIGNALLED -> {
          e.put("outcome", "signalled");
          accepted.add(e);
        }
        case NO_OPEN_INCIDENT -> {
          metrics.ignored(ReceiverMetrics.RESOLVED_WITHOUT_INCIDENT);
          e.put("reason", "resolved, and no incident is open for " + incidentId);
          ignored.add(e);
        }
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("received", alerts.size());
    body.put("accepted", accepted);
    body.put("ignoredCount", ignored.size());
    body.put("ignored", ignored);
    ctx.status(200).json(body);
  }

  /** Identical deliveries in flight at the same moment share one Temporal call and its outcome. */
  private IncidentClient.Delivery deliverOnce(TargetConfig target, Alert alert) {
    DeliveryKey key =
        new DeliveryKey(target.target().incidentId(), alert.status(), alert.alertName(), alert.severity(),
            alert.fingerprint(), alert.startsAt());
    CompletableFuture<IncidentClient.Delivery> mine = new CompletableFuture<>();
    CompletableFuture<IncidentClient.Delivery> running = inFlight.putIfAbsent(key, mine);
    if (running != null) {
      try {
        IncidentClient.Delivery d = running.join();
        return d == IncidentClient.Delivery.STARTED ? IncidentClient.Delivery.SIGNALLED : d;
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    try {
      IncidentClient.Delivery d = incidents.deliver(target, alert);
      mine.complete(d);
      return d;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  static Alert toAlert(AlertmanagerAlert a) {
    Map<String, String> annotations = a.annotations() == null ? Map.of() : a.annotations();
    return new Alert(
        a.labels().get("alertname"),
        a.labels().getOrDefault("severity", ""),
        a.status(),
        a.fingerprint(),
        a.startsAt(),
        annotations.get("summary"),
        a.endsAt());
  }

  static void requireJson(Context ctx, String reason) {
    String type = ctx.header("Content-Type");
    String base = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase();
    if (!base.equals("application/json")) {
      throw new HttpProblem(415, reason,
          "Content-Type must be application/json, got " + (type == null ? "none" : type));
    }
  }

  /**
   * Reads at most {@code limit} bytes of the body; a longer one, declared (Content-Length) or streamed (chunked), is
   * refused with 413 before it is held in memory.
   */
  static byte[] readBody(Context ctx, int limit) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw tooLarge(limit, declared + " bytes declared");
    }
    try (InputStream in = ctx.req().getInputStream()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) != -1) {
        if (out.size() + n > limit) {
          throw tooLarge(limit, "more than " + limit + " bytes sent");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new HttpProblem(400, ReceiverMetrics.MALFORMED, "could not read the body: " + e.getMessage());
    }
  }

  private static HttpProblem tooLarge(int limit, String seen) {
    return new HttpProblem(413, ReceiverMetrics.TOO_LARGE,
        "request body exceeds the limit of " + limit + " bytes (" + (limit / (1024 * 1024)) + " MiB): " + seen);
  }

  private static Map<String, Object> entry(int index, AlertmanagerAlert a, String incidentId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", index);
    m.put("alertname", a.labels().get("alertname"));
    m.put("status", a.status());
    m.put("fingerprint", a.fingerprint());
    if (incidentId != null) {
      m.put("incidentId", incidentId);
    }
    return m;
  }

  static String rootMessage(Throwable e) {
    return UserMessages.of(e);
  }

  static void error(Context ctx, int status, String message) {
    ctx.status(status).json(Map.of("error", message));
  }

  private static String routeOf(Context ctx) {
    try {
      String route = ctx.endpointHandlerPath();
      return route == null || !route.startsWith("/") ? "unmatched" : route;
    } catch (RuntimeException e) {
      return "unmatched";
    }
  }
}
