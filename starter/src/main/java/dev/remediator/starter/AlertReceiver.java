package dev.remediator.starter;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.Secrets;
import dev.remediator.config.TargetConfig;
import dev.remediator.runbook.Runbook;
import dev.remediator.registry.Runbooks;
import dev.remediator.incident.Alert;
import dev.remediator.starter.AlertmanagerPayload.AlertmanagerAlert;
import dev.remediator.starter.WebhookAnswer.AlertEntry;
import dev.remediator.starter.WebhookAnswer.Outcome;
import dev.remediator.config.EscalationCheck;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.DispatcherType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.servlet.FilterHolder;
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
  public static final List<String> RUNBOOK_ALERTS = Runbooks.alertNames();
  /** Alerts listed per answer under accepted and ignored; the counts give the totals. */
  static final int MAX_LISTED = 100;
  /** Largest accepted webhook body: 1 MiB. */
  public static final int MAX_BODY_BYTES = 1024 * 1024;
  /** Deadline of the readiness check against Temporal. */
  static final Duration READY_DEADLINE = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(AlertReceiver.class);

  private final RemediatorConfig config;
  private final AlertDelivery delivery;
  private final TemporalDiagnostics temporal;
  private final ReceiverMetrics metrics;
  private final byte[] webhookToken;
  private final Javalin app;
  private final Limits limits;
  /** Configured targets by [namespace, service, database]: one lookup per alert, not a scan of every target. */
  private final Map<List<String>, TargetConfig> targets = new java.util.HashMap<>();
  private final AcceptedAlerts acceptedAlerts;
  private final RequestGate gate;
  private final ScheduledExecutorService timer;
  private final Map<BatchKey, CompletableFuture<AlertDelivery.DeliveryResult>> inFlight = new ConcurrentHashMap<>();

  /** The identity of one incident's part of a delivery: identical ones arriving together are coalesced. */
  private record BatchKey(String incidentId, List<AcceptedAlerts.Key> alerts) {}

  /**
   * How the receiver protects itself and Temporal.
   *
   * @param bodyDeadline a request body not complete within it is answered 408
   * @param maxRequestsPerClient requests in progress per remote address; more are answered 429
   * @param acceptedAlerts accepted alerts remembered in all (the least recently used incidents forgotten first)
   * @param acceptedAlertsPerIncident alerts remembered per incident (8,192 covers a full 1 MiB delivery)
   * @param acceptedFor how long an accepted alert answers a repeat without a Temporal call
   */
  public record Limits(
      Duration bodyDeadline,
      int maxRequestsPerClient,
      int acceptedAlerts,
      int acceptedAlertsPerIncident,
      Duration acceptedFor) {
    public static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), 128, 200_000, 8_192, Duration.ofMinutes(5));

    public Limits withBodyDeadline(Duration d) {
      return new Limits(d, maxRequestsPerClient, acceptedAlerts, acceptedAlertsPerIncident, acceptedFor);
    }

    public Limits withMaxRequestsPerClient(int n) {
      return new Limits(bodyDeadline, n, acceptedAlerts, acceptedAlertsPerIncident, acceptedFor);
    }
  }

  public AlertReceiver(RemediatorConfig config, IncidentStubs incidents) {
    this(config, incidents, new ReceiverMetrics());
  }

  public AlertReceiver(RemediatorConfig config, IncidentStubs incidents, ReceiverMetrics metrics) {
    this(config, incidents, metrics, Limits.DEFAULT);
  }

  public AlertReceiver(RemediatorConfig config, IncidentStubs incidents, ReceiverMetrics metrics, Limits limits) {
    this(config, new AlertDelivery(incidents, config), metrics, limits);
  }

  /** A receiver delivering through {@code delivery}, which it may share with another (the runs it saw included). */
  public AlertReceiver(RemediatorConfig config, AlertDelivery delivery, ReceiverMetrics metrics, Limits limits) {
    IncidentStubs incidents = delivery.stubs();
    this.config = config;
    this.delivery = delivery;
    this.temporal = new TemporalDiagnostics(incidents);
    this.metrics = metrics;
    this.limits = limits;
    for (TargetConfig t : config.targets()) {
      // A target without a database (one for runbooks that need none) is never named by the three labels.
      if (t.database() != null) {
        targets.putIfAbsent(List.of(t.namespace(), t.service(), t.database()), t);
      }
    }
    this.acceptedAlerts =
        new AcceptedAlerts(limits.acceptedAlerts(), limits.acceptedAlertsPerIncident(), limits.acceptedFor());
    this.timer =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "receiver-body-deadline");
          t.setDaemon(true);
          return t;
        });
    this.gate = new RequestGate(MAX_BODY_BYTES, limits.bodyDeadline(), limits.maxRequestsPerClient(),
        ClientAddresses.of(config.receiverOrDefault().trustedProxiesOrEmpty()), timer, metrics);
    for (String warning : EscalationCheck.warnings(config)) {
      log.warn(warning);
    }
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
    ApprovalApi approvals = new ApprovalApi(config, new IncidentControl(incidents), ApiTokens.resolve(receiver));
    this.app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.http.maxRequestSize = MAX_BODY_BYTES;
              cfg.http.prefer405over404 = true;
              cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
              cfg.jetty.modifyServletContextHandler(
                  handler -> {
                    handler.setErrorHandler(new JsonErrorHandler());
                    FilterHolder holder = new FilterHolder(gate);
                    holder.setAsyncSupported(true);
                    handler.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
                  });
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
    app.exception(
        HttpResponseException.class,
        (e, ctx) -> error(ctx, e.getStatus(), e.getMessage() == null || e.getMessage().isBlank()
            ? "request refused" : clean(e.getMessage())));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          log.warn("{} {} failed", ctx.method(), ctx.path(), e);
          error(ctx, 500, "internal error while handling " + ctx.method() + " " + ctx.path());
        });
    app.error(405, ctx -> {
      String allowed = allowedMethods(ctx.path());
      ctx.header("Allow", allowed);
      error(ctx, 405, "method " + ctx.method() + " is not allowed on " + ctx.path() + " (allowed: " + allowed + ")");
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

  /** Requests in progress from {@code client} (a remote address), slow bodies being read included. */
  public int requestsInProgress(String client) {
    return gate.inProgress(client);
  }

  /**
   * Forgets which alerts Temporal accepted, so the next delivery of each goes to Temporal again. For a test that
   * ends incidents behind the receiver's back (terminate); the receiver itself needs it never.
   */
  void forgetAcceptedAlerts() {
    for (TargetConfig t : config.targets()) {
      Runbooks.all().forEach(r -> acceptedAlerts.invalidate(r.incidentId(t.target())));
    }
  }

  @Override
  public void close() {
    app.stop();
    timer.shutdownNow();
  }

  /** The methods a known path answers; used for 405. */
  static String allowedMethods(String path) {
    if (path.equals(WEBHOOK_PATH) || path.startsWith("/incidents/")) {
      return "POST";
    }
    return "GET";
  }

  private void ready(Context ctx) {
    if (temporal.temporalReachable(READY_DEADLINE)) {
      ctx.json(Map.of("status", "ready", "temporal", "reachable"));
    } else {
      error(ctx, 503, "Temporal is not reachable (GetSystemInfo failed within " + READY_DEADLINE.toSeconds() + " s)");
    }
  }

  private void webhook(Context ctx) {
    long started = System.nanoTime();
    String outcome = "refused";
    int alertCount = -1;
    try {
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
      alertCount = payload.alerts().size();
      long parsed = System.nanoTime();
      outcome = deliver(ctx, payload.alerts()) + " (parse " + (parsed - started) / 1_000_000 + " ms)";
    } catch (HttpProblem e) {
      outcome = e.status + " " + e.getMessage();
      throw e;
    } finally {
      log.info("delivery from {}: {} alerts; {}; {} ms", ctx.req().getRemoteAddr(),
          alertCount < 0 ? "?" : alertCount, outcome, (System.nanoTime() - started) / 1_000_000);
    }
  }

  /** One incident's part of a delivery: its alerts (in delivery order) and their indexes in the payload. */
  private static final class Group {
    final TargetConfig target;
    final Instant receivedAt;
    final List<Integer> indexes = new ArrayList<>();
    final List<AlertmanagerAlert> received = new ArrayList<>();
    final List<Alert> alerts = new ArrayList<>();

    Group(TargetConfig target, Instant receivedAt) {
      this.target = target;
      this.receivedAt = receivedAt;
    }

    void add(int index, AlertmanagerAlert a) {
      indexes.add(index);
      received.add(a);
      alerts.add(toAlert(a));
    }
  }

  /** Where one alert of a delivery goes: to an incident for a configured target, or nowhere (and why). */
  private sealed interface Route permits ToIncident, Ignored {}

  private record ToIncident(String incidentId, TargetConfig target) implements Route {}

  /** An ignored alert: the reason for the answer and the one for the metric. */
  private record Ignored(String reason, String metric) implements Route {}

  /** A delivery sorted by incident (in order of first appearance), and the alerts ignored on the way. */
  private record Sorted(Map<String, Group> groups, List<AlertEntry> ignored) {}

  /** Groups the alerts per incident, makes at most one Temporal call per incident, answers; returns the log summary. */
  private String deliver(Context ctx, List<AlertmanagerAlert> alerts) {
    long started = System.nanoTime();
    metrics.received(alerts.size());
    Sorted sorted = sortByIncident(alerts, Instant.now()); // now: a new incident's "opened" time
    long grouped = System.nanoTime();
    List<AlertEntry> accepted = new ArrayList<>();
    List<AlertEntry> ignored = new ArrayList<>(sorted.ignored());
    List<String> summary = new ArrayList<>();
    for (Map.Entry<String, Group> entry : sorted.groups().entrySet()) {
      String incidentId = entry.getKey();
      Group g = entry.getValue();
      AlertDelivery.Delivery d;
      try {
        d = deliverOnce(incidentId, g);
      } catch (RuntimeException e) {
        answerUnavailable(ctx, incidentId, g, e, accepted);
        summary.add(incidentId + ": 503 Temporal unavailable");
        return String.join(", ", summary);
      }
      answerEach(incidentId, g, d, accepted, ignored);
      summary.add(incidentId + ": " + g.alerts.size() + " alert(s) " + logged(d));
    }
    long delivered = System.nanoTime();
    ctx.status(200).json(WebhookAnswer.of(alerts.size(), accepted, ignored));
    String took = " [grouping " + millis(grouped - started) + " ms, Temporal " + millis(delivered - grouped)
        + " ms, answer " + millis(System.nanoTime() - delivered) + " ms]";
    String line = String.join(", ", summary);
    if (!ignored.isEmpty()) {
      line += (line.isEmpty() ? "" : "; ") + ignored.size() + " ignored";
    }
    return (line.isEmpty() ? "nothing for a configured target" : line) + took;
  }

  /** Each alert to its incident's group, or to the ignored ones with the reason (counted). */
  private Sorted sortByIncident(List<AlertmanagerAlert> alerts, Instant receivedAt) {
    Map<String, Group> groups = new LinkedHashMap<>();
    List<AlertEntry> ignored = new ArrayList<>();
    for (int i = 0; i < alerts.size(); i++) {
      AlertmanagerAlert a = alerts.get(i);
      Route route = route(a);
      if (route instanceof ToIncident to) {
        groups.computeIfAbsent(to.incidentId(), id -> new Group(to.target(), receivedAt)).add(i, a);
      } else if (route instanceof Ignored no) {
        metrics.ignored(no.metric());
        ignored.add(AlertEntry.ignored(i, a, null, no.reason()));
      }
    }
    return new Sorted(groups, ignored);
  }

  /** The incident an alert belongs to: its runbook's, for the configured target its labels name. */
  private Route route(AlertmanagerAlert a) {
    String alertName = a.labels().get("alertname");
    Optional<Runbook> runbook = Runbooks.forAlert(alertName);
    // Each runbook says how its alerts name a target (and why none matched); the default, namespace/service/
    // database, is this receiver's own map lookup.
    Runbook.Targets naming = runbook.map(Runbook::targets).orElse(Runbook.BY_LABELS);
    Optional<TargetConfig> target = naming == Runbook.BY_LABELS
        ? targetFor(a.labels())
        : naming.forLabels(config, a.labels());
    if (target.isEmpty()) {
      return new Ignored(naming.noTarget(runbook.map(Runbook::name).orElse(null), a.labels()),
          ReceiverMetrics.UNKNOWN_TARGET);
    }
    if (runbook.isEmpty()) {
      // A configured target, but an alert no runbook of ours handles (e.g. a route that sends more than ours).
      return new Ignored("no runbook for alert " + alertName + " (handled: " + String.join(", ", RUNBOOK_ALERTS) + ")",
          ReceiverMetrics.UNKNOWN_ALERT);
    }
    return new ToIncident(runbook.get().incidentId(target.get().target()), target.get());
  }

  /** Each alert of an incident's group as Temporal took it: accepted with an outcome, or ignored (no open incident). */
  private void answerEach(
      String incidentId, Group g, AlertDelivery.Delivery d, List<AlertEntry> accepted, List<AlertEntry> ignored) {
    for (int k = 0; k < g.indexes.size(); k++) {
      int index = g.indexes.get(k);
      AlertmanagerAlert a = g.received.get(k);
      switch (d) {
        // the group's first alert started the run; the others reached it
        case STARTED ->
            accepted.add(AlertEntry.accepted(index, a, incidentId, k == 0 ? Outcome.STARTED : Outcome.SIGNALLED));
        case SIGNALLED -> accepted.add(AlertEntry.accepted(index, a, incidentId, Outcome.SIGNALLED));
        case DUPLICATE -> accepted.add(AlertEntry.accepted(index, a, incidentId, Outcome.DUPLICATE));
        case NO_OPEN_INCIDENT -> {
          metrics.ignored(ReceiverMetrics.RESOLVED_WITHOUT_INCIDENT);
          ignored.add(AlertEntry.ignored(index, a, incidentId, "resolved, and no incident is open for " + incidentId));
        }
      }
    }
    if (d == AlertDelivery.Delivery.STARTED) {
      metrics.incidentStarted();
    }
  }

  /**
   * Temporal failed: 503, and Alertmanager retries the whole delivery. What it accepted before may be gone too (an
   * in-memory dev server restarted, a namespace recreated), so nothing is answered from memory until Temporal accepts
   * it again.
   */
  private void answerUnavailable(
      Context ctx, String incidentId, Group g, RuntimeException e, List<AlertEntry> acceptedBefore) {
    acceptedAlerts.clear();
    log.warn("Temporal did not accept {} alert(s) for {}: {}", g.alerts.size(), incidentId, describe(e));
    metrics.rejected(ReceiverMetrics.TEMPORAL_UNAVAILABLE);
    ctx.status(503).header("Retry-After", "10").json(new WebhookAnswer.Unavailable(
        "Temporal did not accept alerts" + g.indexes + " for " + incidentId + " (" + describe(e)
            + "); nothing is lost, retry the delivery",
        acceptedBefore));
  }

  /** An incident's delivery in the log line. */
  private static String logged(AlertDelivery.Delivery d) {
    return switch (d) {
      case STARTED -> "started";
      case SIGNALLED -> "signalled";
      case DUPLICATE -> "duplicate (no Temporal call)";
      case NO_OPEN_INCIDENT -> "no open incident";
    };
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }

  /**
   * One incident's alerts of a delivery as at most one Temporal call. If Temporal already accepted every one of them
   * for the incident's run, none (DUPLICATE); otherwise the whole group in one signal. Identical groups in flight at
   * the same moment (an HA pair) share one call and its outcome.
   */
  private AlertDelivery.Delivery deliverOnce(String incidentId, Group g) {
    if (acceptedAlerts.unrecorded(incidentId, g.alerts).isEmpty()) {
      metrics.deduplicated(g.alerts.size());
      return AlertDelivery.Delivery.DUPLICATE;
    }
    BatchKey key = new BatchKey(incidentId, g.alerts.stream().map(AcceptedAlerts.Key::of).toList());
    CompletableFuture<AlertDelivery.DeliveryResult> mine = new CompletableFuture<>();
    CompletableFuture<AlertDelivery.DeliveryResult> running = inFlight.putIfAbsent(key, mine);
    if (running != null) {
      try {
        AlertDelivery.Delivery d = running.join().outcome();
        return d == AlertDelivery.Delivery.STARTED ? AlertDelivery.Delivery.SIGNALLED : d;
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    try {
      AlertDelivery.DeliveryResult d = delivery.deliver(g.target, g.alerts, g.receivedAt);
      if (d.outcome() == AlertDelivery.Delivery.NO_OPEN_INCIDENT) {
        acceptedAlerts.invalidate(incidentId);
      } else {
        acceptedAlerts.accepted(incidentId, d.runId(), g.alerts);
      }
      mine.complete(d);
      return d.outcome();
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  /** The configured target an alert's labels name (namespace, service and database, all three, exactly). */
  private Optional<TargetConfig> targetFor(Map<String, String> labels) {
    String ns = labels.get("namespace");
    String svc = labels.get("service");
    String db = labels.get("database");
    if (ns == null || svc == null || db == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(targets.get(List.of(ns, svc, db)));
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
        a.endsAt(),
        labelsOf(a.labels()),
        value(annotations.get("value")));
  }

  /**
   * The alert's value from its {@code value} annotation ({@code value: "{{ $value }}"} in the rule, e.g. the pool
   * utilization 0..1): the report's peak as alerted. Absent, blank or not a finite number: null.
   */
  static Double value(String annotation) {
    if (annotation == null || annotation.isBlank()) {
      return null;
    }
    try {
      double v = Double.parseDouble(annotation.trim());
      return Double.isFinite(v) ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Labels an incident carries besides alertname and severity (at most 32, values cut at 256 characters). */
  static final int MAX_LABELS = 32;
  static final int MAX_LABEL_VALUE = 256;

  /** The alert's other labels, for the runbook (e.g. the pod a crash-loop alert names); bounded, sorted. */
  static Map<String, String> labelsOf(Map<String, String> labels) {
    Map<String, String> kept = new java.util.TreeMap<>();
    for (var e : new java.util.TreeMap<>(labels).entrySet()) {
      if (kept.size() == MAX_LABELS) {
        break;
      }
      if (e.getValue() != null && !e.getKey().equals("alertname") && !e.getKey().equals("severity")) {
        String v = e.getValue();
        kept.put(e.getKey(), v.length() > MAX_LABEL_VALUE ? v.substring(0, MAX_LABEL_VALUE) : v);
      }
    }
    return kept;
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
    } catch (IOException | RuntimeException e) {
      if (e instanceof HttpProblem p) {
        throw p;
      }
      throw new HttpProblem(400, ReceiverMetrics.MALFORMED, "could not read the body: " + describe(e));
    }
  }

  private static HttpProblem tooLarge(int limit, String seen) {
    return new HttpProblem(413, ReceiverMetrics.TOO_LARGE, tooLargeMessage(limit, seen));
  }

  /** The 413 text: {@code request body exceeds the limit of 16 KiB (16384 bytes): <seen>}. */
  static String tooLargeMessage(long limit, String seen) {
    return "request body exceeds the limit of " + size(limit) + ": " + seen;
  }

  /** A byte count in the largest binary unit it is a whole multiple of, with the exact bytes: {@code 1 MiB (1048576 bytes)}. */
  static String size(long bytes) {
    String[] units = {"GiB", "MiB", "KiB"};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << (10 * (units.length - i));
      if (bytes >= unit && bytes % unit == 0) {
        return bytes / unit + " " + units[i] + " (" + bytes + " bytes)";
      }
    }
    return bytes + " bytes";
  }

  /**
   * What went wrong, for a response or a log line, in the failure's own words and without exception class names
   * ({@link UserMessages}: a client learns nothing about our internals from an answer).
   */
  static String describe(Throwable e) {
    return UserMessages.of(e);
  }

  /** {@code message} with Java exception class names taken out. */
  static String clean(String message) {
    return UserMessages.clean(message);
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
