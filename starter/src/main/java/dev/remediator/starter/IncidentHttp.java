package dev.remediator.starter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.DecisionResult;
import dev.remediator.incident.IncidentStatus;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import io.temporal.envconfig.ClientConfigProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One incident over Temporal's HTTP API (the frontend's JSON gateway, {@code temporal server start-dev --http-port};
 * {@code TEMPORAL_HTTP_ADDRESS}) with the JDK's {@link HttpURLConnection}: the describe, the {@code status} query and the
 * {@code decide} update, the three calls of {@code show} and {@code approve}. A short verb's JVM then never loads gRPC,
 * netty, protobuf or the SDK's client (~2,600 classes). Payloads travel whole ({@code ?noPayloadShorthand}: encoding
 * and base64 data, the bytes the SDK's data converter reads and writes): the gateway's shorthand, plain JSON, turns
 * an empty list into {@code null}.
 *
 * <p>Not {@code java.net.http.HttpClient}: on JDK 17 it cannot be closed, and its selector thread, waiting in native
 * code, holds up the JVM's exit by ~0.3 s; its construction also loads the default TLS context (the trust store)
 * even for {@code http://}. Here a call blocks one (daemon) thread and leaves nothing running behind it.
 *
 * <p>Namespace and API key come from the same environment or {@code temporal.toml} profile as the gRPC connection.
 * What only the gRPC client can do (TLS with client certificates or a custom CA, gRPC metadata headers) is refused by
 * {@link #configure}, with the reason, so that the caller goes on over gRPC.
 */
public final class IncidentHttp {
  /** The environment variable naming the HTTP API: {@code host:port} or a URL ({@code https://...}). */
  public static final String ENV = "TEMPORAL_HTTP_ADDRESS";

  private static final String JSON_PLAIN = "json/plain";

  /** Payloads whole, not as the gateway's shorthand (which loses empty lists). */
  private static final String WHOLE_PAYLOADS = "?noPayloadShorthand";

  private static final String UPDATE_COMPLETED = "UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED";

  /** The SDK's default data converter's mapper: payloads read and written exactly as over gRPC. */
  private static final ObjectMapper PAYLOAD = JacksonJsonPayloadConverter.newDefaultObjectMapper();

  private final URI base;
  private final String namespace;
  private final String apiKey;
  private final String label;
  private final Duration connectTimeout;

  /** Runs the calls sent side by side (daemon threads: an abandoned call never keeps the JVM alive). */
  private static final ExecutorService CALLS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "temporal-http");
    t.setDaemon(true);
    return t;
  });

  private IncidentHttp(URI base, String namespace, String apiKey, String label, Duration connectTimeout) {
    this.base = base;
    this.namespace = namespace;
    this.apiKey = apiKey;
    this.label = label;
    this.connectTimeout = connectTimeout;
  }

  /** The HTTP API can't be used as configured (the reason says why): the caller talks gRPC instead. */
  public static final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The HTTP API named by {@code address} (a flag), else {@code TEMPORAL_HTTP_ADDRESS} in {@code env}; empty if
   * neither names one. {@code grpcAddress}: an explicit gRPC address ({@code --address}) without an HTTP one means
   * gRPC to that server, whatever the environment says.
   *
   * @throws Unsupported where the profile needs what only the gRPC client does (mTLS, a custom CA, gRPC metadata)
   */
  public static Optional<IncidentHttp> configure(String address, String grpcAddress, Map<String, String> env,
      Duration connectTimeout) throws Unsupported {
    String named = address != null ? address : grpcAddress != null ? null : env.get(ENV);
    if (named == null || named.isBlank()) {
      return Optional.empty();
    }
    ClientConfigProfile profile;
    try {
      profile = ClientConfigProfile.load();
    } catch (IOException e) {
      throw new Unsupported("cannot read the Temporal client configuration: " + e.getMessage());
    }
    var tls = profile.getTls();
    if (tls != null && (tls.getClientCertPath() != null || tls.getClientCertData() != null
        || tls.getServerCACertPath() != null || tls.getServerCACertData() != null || tls.getServerName() != null
        || Boolean.TRUE.equals(tls.isDisableHostVerification()))) {
      throw new Unsupported("TLS client certificates, a custom CA or server name are only supported over gRPC");
    }
    if (profile.getMetadata() != null && !profile.getMetadata().keys().isEmpty()) {
      throw new Unsupported("gRPC metadata headers (TEMPORAL_GRPC_META_*) are only sent over gRPC");
    }
    boolean secure = profile.getApiKey() != null
        ? !Boolean.TRUE.equals(tls == null ? null : tls.isDisabled())
        : tls != null && !Boolean.TRUE.equals(tls.isDisabled());
    String url = named.strip();
    if (!url.contains("://")) {
      url = (secure ? "https://" : "http://") + url;
    }
    URI base;
    try {
      base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(ENV + ": not a host:port or URL: " + named, e);
    }
    if (base.getHost() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))) {
      throw new IllegalArgumentException(ENV + ": not a host:port or URL: " + named);
    }
    if (profile.getApiKey() != null && base.getScheme().equals("http")) {
      throw new Unsupported("an API key is never sent over plain http (" + base + ")");
    }
    String ns = profile.getNamespace() == null || profile.getNamespace().isBlank() ? "default" : profile.getNamespace();
    return Optional.of(new IncidentHttp(base, ns, profile.getApiKey(), named.strip(), connectTimeout));
  }

  /** Where the HTTP API is, as configured (for messages). */
  public String address() {
    return label;
  }

  /** Temporal's answer was an error: its gRPC status code (5 NOT_FOUND, ...) and message. */
  public static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    Failure(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    /** The gRPC status code Temporal answered with (0 if the body did not say). */
    public int code() {
      return code;
    }

    public boolean notFound() {
      return code == 5;
    }
  }

  /** Nothing answered at the HTTP address (refused, no route, TLS failure, or no answer within the deadline). */
  public static final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Whether the request had been sent (a timeout then means: no answer in time, not: nobody there). */
    final boolean sent;

    Unreachable(String message, Throwable cause, boolean sent) {
      super(message, cause, false, false);
      this.sent = sent;
    }
  }

  /** The describe's answer: the run's execution status ({@code RUNNING}, ...) and run ID. */
  public record Described(String execution, String runId) {
    public boolean running() {
      return "RUNNING".equals(execution);
    }
  }

  /** {@code DescribeWorkflowExecution} of the incident's latest run. */
  public CompletableFuture<Described> describe(String incidentId, Duration deadline) {
    return mapped(send("GET", path(incidentId), null, deadline), body -> {
      JsonNode info = body.path("workflowExecutionInfo");
      return new Described(info.path("status").asText("").replace("WORKFLOW_EXECUTION_STATUS_", ""),
          info.path("execution").path("runId").asText(null));
    });
  }

  /**
   * The {@code status} query: the incident's status, or empty where {@code openOnly} and the incident is not open
   * (the server refuses the query itself). Fails with {@link Failure} NOT_FOUND if there never was one.
   */
  public CompletableFuture<Optional<IncidentStatus>> status(String incidentId, boolean openOnly, Duration deadline) {
    return status(incidentId, openOnly, deadline, IncidentStatus.class);
  }

  /** The part of the {@code status} query's answer a decision reads first: the plan pending now, if any. */
  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
  public record PendingPlan(String phase, boolean awaitingApproval, PlanId plan) {
    /** The pending plan's ID. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record PlanId(String planId) {}
  }

  /**
   * As {@link #status(String, boolean, Duration)}, read as {@code type}: {@link PendingPlan} for a decision, which
   * needs neither the timeline nor the runbook's section (nor the classes that read them).
   */
  public <T> CompletableFuture<Optional<T>> status(String incidentId, boolean openOnly, Duration deadline,
      Class<T> type) {
    ObjectNode body = PAYLOAD.createObjectNode();
    body.putObject("query");
    body.put("queryRejectCondition", openOnly ? "QUERY_REJECT_CONDITION_NOT_OPEN" : "QUERY_REJECT_CONDITION_NONE");
    return mapped(send("POST", path(incidentId) + "/query/status" + WHOLE_PAYLOADS, body, deadline), answer -> {
      if (answer.hasNonNull("queryRejected")) {
        return Optional.empty();
      }
      return Optional.of(payload(answer.path("queryResult"), type));
    });
  }

  /**
   * The {@code decide} update, awaited until the workflow applied or refused it, within {@code wait}: past it
   * {@link IncidentControl.DecisionPendingException}, as over gRPC. One update ID for the whole wait: a long poll the
   * server ends before completion is asked again with it, and Temporal applies an update ID once.
   */
  public DecisionResult decide(String incidentId, DecisionRequest decision, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    ObjectNode body = PAYLOAD.createObjectNode();
    ObjectNode request = body.putObject("request");
    request.putObject("meta").put("updateId", UUID.randomUUID().toString())
        .put("identity", ProcessHandle.current().pid() + "@remediator-cli");
    request.putObject("input").putObject("args").putArray("payloads").add(payload(decision));
    body.putObject("waitPolicy").put("lifecycleStage", UPDATE_COMPLETED);
    String uri = path(incidentId) + "/update/decide" + WHOLE_PAYLOADS;
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw pending(incidentId, decision, wait);
      }
      JsonNode answer;
      try {
        answer = call("POST", uri, body, Duration.ofNanos(left));
      } catch (Unreachable e) {
        if (e.getCause() instanceof SocketTimeoutException && e.sent) {
          throw pending(incidentId, decision, wait); // sent, and no answer within the wait
        }
        throw e;
      }
      JsonNode outcome = answer.path("outcome");
      if (outcome.has("success")) {
        return payload(outcome.path("success"), DecisionResult.class);
      }
      if (outcome.has("failure")) {
        throw new Failure(0, outcome.path("failure").path("message").asText("the update failed"));
      }
      // Accepted or admitted, not completed yet: the server ended its long poll first. Ask again, same update ID.
    }
  }

  private static IncidentControl.DecisionPendingException pending(String incidentId, DecisionRequest decision,
      Duration wait) {
    return new IncidentControl.DecisionPendingException(incidentId, decision.action().label(),
        (wait.toMillis() + 999) / 1000);
  }

  /** Waits for {@code call}, unwrapping its failure. */
  public static <T> T join(CompletableFuture<T> call) {
    try {
      return call.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private String path(String incidentId) {
    return "/api/v1/namespaces/" + segment(namespace) + "/workflows/" + segment(incidentId);
  }

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * One call in a thread of its own. Cancelling it closes its connection: Temporal then drops the call (a query no
   * worker answers stays buffered in the server while its caller waits, and the server refuses the next query of that
   * incident with RESOURCE_EXHAUSTED until then).
   */
  private CompletableFuture<JsonNode> send(String method, String path, JsonNode body, Duration deadline) {
    AtomicReference<Object> connection = new AtomicReference<>();
    CompletableFuture<JsonNode> call =
        CompletableFuture.supplyAsync(() -> call(method, path, body, deadline, connection), CALLS);
    call.whenComplete((answer, error) -> {
      if (call.isCancelled() && connection.getAndSet(CANCELLED) instanceof HttpURLConnection open) {
        open.disconnect();
      }
    });
    return call;
  }

  private static final Object CANCELLED = new Object();

  /** {@code call}'s answer through {@code read}; cancelling the result cancels (and disconnects) the call. */
  private static <T> CompletableFuture<T> mapped(CompletableFuture<JsonNode> call,
      java.util.function.Function<JsonNode, T> read) {
    CompletableFuture<T> result = call.thenApply(read);
    result.whenComplete((answer, error) -> {
      if (result.isCancelled()) {
        call.cancel(true);
      }
    });
    return result;
  }

  /** One call: its answer's JSON body; a non-2xx answer as {@link Failure}, no answer as {@link Unreachable}. */
  private JsonNode call(String method, String path, JsonNode body, Duration deadline) {
    return call(method, path, body, deadline, new AtomicReference<>());
  }

  /** As above; {@code connection} holds the open connection (or CANCELLED: then nothing is sent). */
  private JsonNode call(String method, String path, JsonNode body, Duration deadline,
      AtomicReference<Object> connection) {
    HttpURLConnection c;
    boolean sent = false;
    try {
      c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
      if (!connection.compareAndSet(null, c)) {
        throw new java.util.concurrent.CancellationException();
      }
      c.setRequestMethod(method);
      c.setConnectTimeout((int) Math.max(1, Math.min(connectTimeout.toMillis(), deadline.toMillis())));
      c.setReadTimeout((int) Math.max(1, deadline.toMillis()));
      c.setRequestProperty("Accept", "application/json");
      if (apiKey != null) {
        c.setRequestProperty("Authorization", "Bearer " + apiKey);
      }
      if (body != null) {
        byte[] bytes = PAYLOAD.writeValueAsBytes(body);
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(bytes.length);
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = c.getOutputStream()) {
          out.write(bytes);
        }
      } else {
        c.connect();
      }
      sent = true;
      int status = c.getResponseCode();
      byte[] answer;
      try (InputStream in = status / 100 == 2 ? c.getInputStream() : c.getErrorStream()) {
        answer = in == null ? new byte[0] : in.readAllBytes();
      }
      JsonNode json;
      try {
        json = answer.length == 0 ? PAYLOAD.createObjectNode() : PAYLOAD.readTree(answer);
      } catch (IOException e) {
        throw new Failure(0, "Temporal's HTTP API at " + label + " answered HTTP " + status + " with a body that is"
            + " not JSON: is " + ENV + " the HTTP port (not the gRPC or UI port)?");
      }
      if (status / 100 != 2) {
        throw new Failure(json.path("code").asInt(0), json.path("message").asText("HTTP " + status));
      }
      return json;
    } catch (IOException e) {
      throw new Unreachable(describeError(e), e, sent);
    }
  }

  private String describeError(Throwable e) {
    String why = e instanceof SocketTimeoutException ? "no answer in time"
        : e instanceof ConnectException ? "connection refused"
        : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return "Temporal's HTTP API is not reachable at " + label + " (" + ENV + "; " + why + ")";
  }

  /** {@code decision} as the SDK's data converter sends it: {@code json/plain}, its JSON bytes in base64. */
  private static ObjectNode payload(Object value) {
    ObjectNode p = PAYLOAD.createObjectNode();
    p.putObject("metadata").put("encoding", base64(JSON_PLAIN.getBytes(StandardCharsets.UTF_8)));
    try {
      p.put("data", base64(PAYLOAD.writeValueAsBytes(value)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return p;
  }

  /**
   * The first payload of {@code payloads} ({@code {"payloads":[{"metadata":{...},"data":"..."}]}}) as {@code type}, read
   * from its bytes as the SDK's data converter reads them. An encoding other than {@code json/plain} (a payload codec,
   * protobuf) is refused: only the SDK's converter reads it.
   */
  private <T> T payload(JsonNode payloads, Class<T> type) {
    JsonNode p = payloads.path("payloads").path(0);
    String encoding = new String(Base64.getDecoder().decode(p.path("metadata").path("encoding").asText("")),
        StandardCharsets.UTF_8);
    if (!encoding.equals(JSON_PLAIN)) {
      throw new Failure(0, "the answer's payload is encoded " + (encoding.isEmpty() ? "(none)" : encoding)
          + ", not " + JSON_PLAIN + " (a payload codec?): unset " + ENV + " to read it over gRPC");
    }
    try {
      return PAYLOAD.readValue(Base64.getDecoder().decode(p.path("data").asText("")), type);
    } catch (IOException | IllegalArgumentException e) {
      throw new Failure(0, "cannot read the answer as " + type.getSimpleName() + ": " + e.getMessage());
    }
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }
}
