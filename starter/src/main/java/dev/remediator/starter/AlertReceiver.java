package dev.remediator.starter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.Secrets;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Alert;
import dev.remediator.starter.AlertmanagerPayload.AlertmanagerAlert;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Alertmanager webhook receiver: {@code POST /webhooks/alertmanager}. Answers 2xx only after Temporal accepted
 * every alert of the payload, 503 when it could not (Alertmanager then retries; a retry is harmless because the
 * incident ID is the target's).
 */
public final class AlertReceiver implements AutoCloseable {
  public static final String WEBHOOK_PATH = "/webhooks/alertmanager";
  static final long MAX_BODY_BYTES = 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(AlertReceiver.class);
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).build();

  private final RemediatorConfig config;
  private final IncidentClient incidents;
  private final byte[] webhookToken;
  private final Javalin app;

  public AlertReceiver(RemediatorConfig config, IncidentClient incidents) {
    this.config = config;
    this.incidents = incidents;
    var receiver = config.receiverOrDefault();
    this.webhookToken =
        receiver.authDisabled()
            ? null
            : Secrets.resolve("webhook token", null, receiver.tokenEnv(), receiver.tokenFile())
                .getBytes(StandardCharsets.UTF_8);
    this.app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.http.maxRequestSize = MAX_BODY_BYTES;
            });
    app.post(WEBHOOK_PATH, this::webhook);
    app.get("/healthz", ctx -> ctx.result("ok"));
  }

  /** Starts listening; port 0 picks a free port. */
  public AlertReceiver start(String host, int port) {
    app.start(host, port);
    return this;
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }

  private void webhook(Context ctx) {
    if (!authorized(ctx.header("Authorization"))) {
      ctx.header("WWW-Authenticate", "Bearer");
      error(ctx, HttpStatus.UNAUTHORIZED, "missing or wrong bearer token");
      return;
    }
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      error(ctx, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json, got " + type);
      return;
    }
    AlertmanagerPayload payload;
    try {
      payload = JSON.readValue(ctx.bodyAsBytes(), AlertmanagerPayload.class);
    } catch (JsonProcessingException e) {
      error(ctx, HttpStatus.BAD_REQUEST, "not an Alertmanager webhook payload: " + e.getOriginalMessage());
      return;
    } catch (java.io.IOException e) {
      error(ctx, HttpStatus.BAD_REQUEST, "unreadable body: " + e.getMessage());
      return;
    }
    Optional<String> invalid = validate(payload);
    if (invalid.isPresent()) {
      error(ctx, HttpStatus.UNPROCESSABLE_CONTENT, invalid.get());
      return;
    }

    List<Map<String, Object>> accepted = new ArrayList<>();
    List<Map<String, Object>> ignored = new ArrayList<>();
    for (AlertmanagerAlert a : payload.alerts()) {
      Optional<TargetConfig> target = config.targetForLabels(a.labels());
      if (target.isEmpty()) {
        ignored.add(entry(a, null, "no configured target for namespace/service/database "
            + a.labels().get("namespace") + "/" + a.labels().get("service") + "/" + a.labels().get("database")));
        continue;
      }
      Alert alert = toAlert(a);
      String incidentId = target.get().target().incidentId();
      try {
        IncidentClient.Delivery d = incidents.deliver(target.get(), alert);
        if (d == IncidentClient.Delivery.NO_OPEN_INCIDENT) {
          ignored.add(entry(a, incidentId, "resolved, and no incident is open"));
        } else {
          accepted.add(entry(a, incidentId, alert.status()));
        }
      } catch (RuntimeException e) {
        log.warn("Temporal did not accept alert {} for {}: {}", a.fingerprint(), incidentId, e.toString());
        error(ctx, HttpStatus.SERVICE_UNAVAILABLE, "Temporal did not accept the alert for " + incidentId
            + "; retry later (" + e.getClass().getSimpleName() + ")");
        return;
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("accepted", accepted);
    body.put("ignored", ignored);
    ctx.status(HttpStatus.OK).json(body);
  }

  static Optional<String> validate(AlertmanagerPayload p) {
    if (p == null) {
      return Optional.of("empty payload");
    }
    if (!"4".equals(p.version())) {
      return Optional.of("unsupported webhook version " + p.version() + " (expected \"4\")");
    }
    if (p.alerts() == null) {
      return Optional.of("field 'alerts' is missing");
    }
    for (int i = 0; i < p.alerts().size(); i++) {
      AlertmanagerAlert a = p.alerts().get(i);
      if (a == null) {
        return Optional.of("alerts[" + i + "] is null");
      }
      if (!"firing".equals(a.status()) && !"resolved".equals(a.status())) {
        return Optional.of("alerts[" + i + "].status must be firing or resolved, got " + a.status());
      }
      if (a.labels() == null || a.labels().get("alertname") == null) {
        return Optional.of("alerts[" + i + "].labels.alertname is missing");
      }
    }
    return Optional.empty();
  }

  static Alert toAlert(AlertmanagerAlert a) {
    Map<String, String> annotations = a.annotations() == null ? Map.of() : a.annotations();
    return new Alert(
        a.labels().get("alertname"),
        a.labels().getOrDefault("severity", ""),
        a.status(),
        a.fingerprint(),
        a.startsAt(),
        annotations.get("summary"));
  }

  private boolean authorized(String header) {
    if (webhookToken == null) {
      return true;
    }
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, webhookToken);
  }

  private static Map<String, Object> entry(AlertmanagerAlert a, String incidentId, String outcome) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("alertname", a.labels().get("alertname"));
    m.put("fingerprint", a.fingerprint());
    if (incidentId != null) {
      m.put("incidentId", incidentId);
    }
    m.put("outcome", outcome);
    return m;
  }

  private static void error(Context ctx, HttpStatus status, String message) {
    ctx.status(status).json(Map.of("error", message));
  }
}
