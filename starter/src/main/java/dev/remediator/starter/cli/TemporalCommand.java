package dev.remediator.starter.cli;

import dev.remediator.config.ConfigException;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.starter.ClientTuning;
import dev.remediator.starter.IncidentControl;
import dev.remediator.starter.IncidentHttp;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.starter.PinnedBuilds;
import dev.remediator.starter.TemporalDiagnostics;
import dev.remediator.starter.UserMessages;
import dev.remediator.temporal.TemporalConnection;
import io.grpc.Status;
import io.temporal.client.WorkflowNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A verb that talks to Temporal: connects as the environment says ({@code TEMPORAL_ADDRESS}, {@code
 * TEMPORAL_NAMESPACE}, TLS, API key, {@code temporal.toml}) or to {@code --address}, with short deadlines, and maps
 * failures to the documented exit codes.
 */
public abstract class TemporalCommand implements Callable<Integer> {
  @Mixin protected Output output;

  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      description = "Temporal frontend address (default: TEMPORAL_ADDRESS, a temporal.toml profile, or 127.0.0.1:7233).")
  String address;

  @Option(
      names = "--http-address",
      paramLabel = "HOST:PORT|URL",
      description = "Temporal's HTTP API (its frontend's --http-port), used by show, approve, reject and ack: a JVM"
          + " that never loads the gRPC client starts faster (default: TEMPORAL_HTTP_ADDRESS unless --address is"
          + " given).")
  String httpAddress;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "Answer within this many seconds, whatever Temporal does: an unreachable server, a query no"
          + " worker answers, an update no worker applies (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /** Past {@code --timeout}, what is still running is abandoned: the answer comes at most this much later. */
  static final Duration GRACE = Duration.ofSeconds(1);

  /** The verb itself; returns the exit code. Throw {@link CliFailure} for an expected failure. */
  protected abstract int run(IncidentStubs temporal);

  /**
   * The verb over Temporal's HTTP API where one is configured ({@link IncidentHttp}); null: not over HTTP (the verb
   * has no HTTP path, or the answer was not a plain one and the gRPC path tells why). Null only before anything was
   * changed: the gRPC path then runs the verb from the start.
   */
  protected Integer runOverHttp(IncidentHttp http) {
    return null;
  }

  /** Whether {@link #runOverHttp} is implemented: only then is an HTTP address looked up. */
  protected boolean hasHttpPath() {
    return false;
  }

  /** How long a call over HTTP is given to answer before the gRPC path is asked to tell why it is slow. */
  static final Duration HTTP_FIRST_ANSWER = Duration.ofMillis(1500);

  /**
   * {@code call}'s answer if it comes within {@code window}, else null (the call is abandoned: the caller falls back
   * to the gRPC path, which diagnoses a slow answer: no worker polling, a pinned build, a reconnecting worker).
   */
  protected static <T> T httpAnswer(java.util.concurrent.CompletableFuture<T> call, Duration window) {
    try {
      return call.get(window.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException slow) {
      call.cancel(true);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The deadline of the whole verb: {@code --timeout} from the start. */
  private long deadlineNanos;

  /** Set once Temporal has answered any call with OK: past the deadline, "unreachable" or "too slow". */
  private volatile boolean temporalAnswered;

  /** Watches gRPC answers (made only on the gRPC path: a verb over HTTP never loads gRPC). */
  private io.grpc.ClientInterceptor answerWatch() {
    return new io.grpc.ClientInterceptor() {
        @Override
        public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(
            io.grpc.MethodDescriptor<Q, R> method, io.grpc.CallOptions options, io.grpc.Channel next) {
          return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, io.grpc.Metadata headers) {
              super.start(new io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, io.grpc.Metadata trailers) {
                  if (status.isOk()) {
                    temporalAnswered = true;
                  }
                  super.onClose(status, trailers);
                }
              }, headers);
            }
          };
        }
      };
  }

  /** What is left of {@code --timeout} (at least a millisecond). */
  protected Duration remaining() {
    return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
  }

  /**
   * Runs the verb within {@code --timeout}: each call to Temporal has that budget (less what earlier calls used),
   * and a verb still running at the deadline (plus {@link #GRACE}) is abandoned with exit 1. Nothing a verb does is
   * left half-done by that: Temporal holds what it accepted.
   */
  @Override
  public final Integer call() {
    if (timeoutSeconds <= 0) {
      return output.fail(ExitCodes.USAGE, "--timeout must be at least 1 second");
    }
    deadlineNanos = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    java.util.concurrent.CompletableFuture<Integer> verb = new java.util.concurrent.CompletableFuture<>();
    Thread worker = new Thread(() -> {
      try {
        verb.complete(callWithinBudget());
      } catch (Throwable e) {
        verb.completeExceptionally(e);
      }
    }, "remediator-" + getClass().getSimpleName());
    worker.setDaemon(true); // abandoned at the deadline: it must not keep the JVM alive
    worker.start();
    try {
      return verb.get(timeoutSeconds * 1000L + GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      if (!temporalAnswered) {
        return output.fail(ExitCodes.ERROR, "Temporal is not reachable" + (address != null ? " at " + address : "")
            + " (no answer within --timeout " + timeoutSeconds + " s)");
      }
      return output.fail(ExitCodes.ERROR, "no answer within --timeout " + timeoutSeconds + " s"
          + (address != null ? " from Temporal at " + address : "") + "; nothing was changed by this command"
          + " unless Temporal had accepted it already (check with: remediator show ID)");
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return output.fail(ExitCodes.ERROR, "interrupted");
    }
  }

  private int callWithinBudget() {
    Duration budget = Duration.ofSeconds(timeoutSeconds);
    if (hasHttpPath()) {
      Integer overHttp = overHttp(budget);
      if (overHttp != null) {
        return overHttp;
      }
    }
    // An unreachable server is reported within the budget: the SDK first asks the server's capabilities (retried
    // for 30 s by default), then retries the call itself; each gets half.
    Duration half = budget.dividedBy(2);
    // The channel's own event loop, stopped when the verb is done: gRPC's shared one lingers for a second after its
    // last channel, in epoll_wait, and the JVM's exit waits ~0.3 s for threads in native code before it gives up.
    io.grpc.netty.shaded.io.netty.channel.EventLoopGroup loop =
        new io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup(1);
    try (TemporalConnection temporal = TemporalConnection.connect(address,
        ClientTuning.failFast(budget, null).andThen(stubs -> stubs
            .setGrpcClientInterceptors(List.of(answerWatch()))
            .setChannelInitializer(channel -> {
              if (channel instanceof io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder netty) {
                netty.eventLoopGroup(loop)
                    .channelType(io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel.class);
              }
            })
            .setSystemInfoTimeout(half)
            .setRpcRetryOptions(io.temporal.serviceclient.RpcRetryOptions.newBuilder()
                .setExpiration(half)
                .setInitialInterval(Duration.ofMillis(100))
                .setMaximumInterval(Duration.ofMillis(500))
                .validateBuildWithDefaults())))) {
      try {
        return run(new IncidentStubs(temporal.client()));
      } finally {
        temporal.service().shutdownNow();
        temporal.service().awaitTermination(1, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (CliFailure e) {
      return output.fail(e.exitCode(), e.getMessage());
    } catch (ConfigException e) {
      return output.fail(ExitCodes.USAGE, "configuration error: " + e.getMessage());
    } catch (WorkflowNotFoundException e) {
      return output.fail(ExitCodes.NOT_FOUND, "no incident " + e.getExecution().getWorkflowId());
    } catch (RuntimeException e) {
      Status.Code code = TemporalDiagnostics.grpcStatus(e).orElse(null);
      if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
        return output.fail(ExitCodes.ERROR, "Temporal is not reachable"
            + (address != null ? " at " + address : "") + " (" + code + ")");
      }
      if (code == Status.Code.NOT_FOUND) {
        return output.fail(ExitCodes.NOT_FOUND, rootMessage(e));
      }
      return output.fail(ExitCodes.ERROR, rootMessage(e));
    } finally {
      loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS).awaitUninterruptibly(1000);
    }
  }

  /** The verb over HTTP if an HTTP address is configured and usable; null: go on over gRPC. */
  private Integer overHttp(Duration budget) {
    Optional<IncidentHttp> http;
    try {
      http = IncidentHttp.configure(httpAddress, address, System.getenv(), budget.dividedBy(2));
    } catch (IncidentHttp.Unsupported e) {
      output.err().println("note: Temporal's HTTP API not used (" + e.getMessage() + "): over gRPC");
      output.err().flush();
      return null;
    } catch (IllegalArgumentException e) {
      return output.fail(ExitCodes.USAGE, e.getMessage());
    }
    if (http.isEmpty()) {
      return null;
    }
    try {
      return runOverHttp(http.get());
    } catch (CliFailure e) {
      return output.fail(e.exitCode(), e.getMessage());
    } catch (IncidentHttp.Unreachable e) {
      return output.fail(ExitCodes.ERROR, e.getMessage());
    } catch (IncidentHttp.Failure e) {
      if (e.code() == 14 || e.code() == 4) { // gRPC's UNAVAILABLE, DEADLINE_EXCEEDED (io.grpc not loaded here)
        return output.fail(ExitCodes.ERROR, "Temporal is not reachable at " + http.get().address() + " ("
            + (e.code() == 14 ? "UNAVAILABLE" : "DEADLINE_EXCEEDED") + ")");
      }
      return output.fail(e.notFound() ? ExitCodes.NOT_FOUND : ExitCodes.ERROR, e.getMessage());
    }
  }

  static String rootMessage(Throwable e) {
    return UserMessages.of(e);
  }

  /** A stopped worker's long polls stay listed for minutes; an idle live worker polls again within about a minute. */
  static final Duration POLLER_GONE_AFTER = PinnedBuilds.POLLER_GONE_AFTER;

  /**
   * The incident's {@code status} query within what is left of {@code --timeout}. A query needs a worker, so first
   * Temporal is asked who polls the incident's task queue ({@code DescribeTaskQueue}, cheap): with no recent poller
   * this fails at once with "no worker is polling task queue X", told apart from "Temporal is not reachable" (the
   * describe before it failed) and from a worker seen lately that does not answer in time (the query's deadline).
   */
  protected IncidentStatus queryStatus(IncidentStubs temporal, String incidentId, String taskQueue) {
    TemporalDiagnostics diagnostics = new TemporalDiagnostics(temporal);
    List<TemporalDiagnostics.Poller> pollers = null;
    try {
      pollers = diagnostics.workflowPollers(taskQueue, Duration.ofMillis(Math.min(3000, remaining().toMillis())));
    } catch (RuntimeException describe) {
      if (!TemporalDiagnostics.unimplemented(describe)) { // the embedded server cannot say who polls: just ask
        throw describe;
      }
    }
    if (pollers != null && pollers.isEmpty()) {
      pollers = awaitReconnectingWorker(diagnostics, taskQueue);
    }
    Instant now = Instant.now();
    if (pollers != null && recent(pollers, now).isEmpty()) {
      throw new CliFailure(ExitCodes.ERROR, noAnswer(incidentId, taskQueue, pollers, now));
    }
    Duration forQuery = remaining().minus(Duration.ofMillis(300));
    if (forQuery.compareTo(Duration.ofMillis(500)) < 0) {
      forQuery = Duration.ofMillis(500);
    }
    try {
      return new IncidentControl(temporal).status(incidentId, forQuery);
    } catch (RuntimeException e) {
      Status.Code code = TemporalDiagnostics.grpcStatus(e).orElse(null);
      if (code != Status.Code.DEADLINE_EXCEEDED && code != Status.Code.CANCELLED) {
        throw e;
      }
      throw unanswered(incidentId, taskQueue, pollers);
    }
  }

  /**
   * An open incident pinned by Worker Versioning to a build none of whose workers polls waits for that build: its
   * tasks go to no other build. Fails with "waiting for build X" and how to start one, instead of a query that no
   * worker would answer. Nothing is checked for an unversioned incident, or while no worker at all polls the task
   * queue (Temporal just restarted: {@link #queryStatus} waits for the workers to reconnect).
   */
  protected void requirePinnedBuildPolled(IncidentStubs temporal, io.temporal.client.WorkflowExecutionDescription d) {
    var versioning = d.getRawDescription().getWorkflowExecutionInfo().getVersioningInfo();
    if (d.getStatus() != io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        || !PinnedBuilds.pinned(versioning)) {
      return;
    }
    String build = PinnedBuilds.ofTaskQueue(temporal, d.getTaskQueue(),
        Duration.ofMillis(Math.min(3000, remaining().toMillis()))).waitingFor(versioning);
    if (build != null) {
      String deployment = versioning.getDeploymentVersion().getDeploymentName();
      throw new CliFailure(ExitCodes.ERROR, "waiting for build " + build + ": incident "
          + d.getExecution().getWorkflowId() + " is pinned to build " + build + " of deployment " + deployment
          + " and no worker of that build polls task queue " + d.getTaskQueue() + " (other builds' workers do; it"
          + " never moves to them by itself). Start one: remediator worker --deployment-name " + deployment
          + " --build-id " + build);
    }
  }

  /** How long the status query alone is given before the task queue's pollers are asked why it takes so long. */
  static final Duration QUERY_ALONE = Duration.ofMillis(400);

  /**
   * The incident's {@code status} query in ONE call while a worker answers: sent at once, and only if no answer came
   * within {@link #QUERY_ALONE} is Temporal asked who polls the incident's task queue ({@code taskQueue} is read only
   * then). A worker seen lately: this query's answer is awaited within {@code --timeout}, or the same "no worker
   * answered" as {@link #queryStatus}. None: the query is abandoned and {@link #queryStatus} tells "no worker is
   * polling", or waits for a reconnecting one, as before. With {@code openOnly} the server itself refuses the query of
   * an incident that is not open (no worker needed): exit 4, "no open incident".
   */
  protected IncidentStatus status(IncidentStubs temporal, String incidentId, boolean openOnly,
      java.util.function.Supplier<String> taskQueue) {
    Duration forQuery = remaining().minus(Duration.ofMillis(300));
    if (forQuery.compareTo(Duration.ofMillis(500)) < 0) {
      forQuery = Duration.ofMillis(500);
    }
    var call = new IncidentControl(temporal).statusQuery(incidentId, openOnly, forQuery);
    try {
      try {
        return answer(call.get(QUERY_ALONE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS), incidentId);
      } catch (java.util.concurrent.TimeoutException slow) {
        String queue = taskQueue.get();
        TemporalDiagnostics diagnostics = new TemporalDiagnostics(temporal);
        List<TemporalDiagnostics.Poller> pollers = null;
        try {
          pollers = diagnostics.workflowPollers(queue, Duration.ofMillis(Math.min(3000, remaining().toMillis())));
        } catch (RuntimeException describe) {
          if (!TemporalDiagnostics.unimplemented(describe)) {
            throw describe;
          }
        }
        if (pollers != null && recent(pollers, Instant.now()).isEmpty()) {
          call.cancel(true);
          return queryStatus(temporal, incidentId, queue); // nobody to answer it: say so, or wait for one
        }
        try {
          return answer(call.get(remaining().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS), incidentId);
        } catch (java.util.concurrent.TimeoutException late) {
          throw unanswered(incidentId, queue, pollers);
        } catch (java.util.concurrent.ExecutionException e) {
          Status.Code code = TemporalDiagnostics.grpcStatus(e.getCause()).orElse(null);
          if (code == Status.Code.DEADLINE_EXCEEDED || code == Status.Code.CANCELLED) {
            throw unanswered(incidentId, queue, pollers);
          }
          throw e;
        }
      }
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (TemporalDiagnostics.grpcStatus(cause).orElse(null) == Status.Code.NOT_FOUND) {
        throw new CliFailure(ExitCodes.NOT_FOUND, (openOnly ? "no open incident " : "no incident ") + incidentId);
      }
      throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while querying " + incidentId, e);
    } finally {
      call.cancel(true); // answered, or abandoned: nothing left in flight
    }
  }

  /** A worker polled lately (or the server cannot say) and did not answer within --timeout. */
  private CliFailure unanswered(String incidentId, String taskQueue, List<TemporalDiagnostics.Poller> pollers) {
    return new CliFailure(ExitCodes.ERROR, pollers == null
        ? "no worker answered the status query of " + incidentId + " within " + timeoutSeconds
            + " s: is a worker polling task queue " + taskQueue + "?"
        : noAnswer(incidentId, taskQueue, pollers, Instant.now()));
  }

  private static IncidentStatus answer(java.util.Optional<IncidentStatus> status, String incidentId) {
    return status.orElseThrow(() -> new CliFailure(ExitCodes.NOT_FOUND, "no open incident " + incidentId));
  }

  /** How often {@link #awaitReconnectingWorker} asks again; what it leaves of --timeout for the query itself. */
  static final Duration RECONNECT_POLL = Duration.ofMillis(250);
  static final Duration KEPT_FOR_QUERY = Duration.ofSeconds(2);

  /**
   * No poller at all on the task queue (a stopped worker would stay listed for minutes): Temporal has not seen one
   * since it (re)started — just after a restart the worker is reconnecting. Says so on stderr, in one line, and asks
   * again until one polls, within --timeout less {@link #KEPT_FOR_QUERY}; returns the last answer.
   */
  private List<TemporalDiagnostics.Poller> awaitReconnectingWorker(TemporalDiagnostics diagnostics, String taskQueue) {
    Duration budget = remaining().minus(KEPT_FOR_QUERY);
    if (budget.isNegative() || budget.isZero()) {
      return List.of();
    }
    output.err().println("worker reconnecting: no worker has polled task queue " + taskQueue + " since Temporal"
        + " (re)started; waiting up to " + Math.max(1, budget.toSeconds()) + " s for one (--timeout " + timeoutSeconds
        + " s)");
    output.err().flush();
    long deadline = System.nanoTime() + budget.toNanos();
    List<TemporalDiagnostics.Poller> pollers = List.of();
    while (pollers.isEmpty() && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(RECONNECT_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      // Each ask gets what --timeout leaves beyond the query's share (at least 0.5 s, at most 3 s), never the sliver
      // left of the wait: a describe cut at its deadline would read as "Temporal is not reachable".
      long askMillis = Math.max(500, Math.min(3000, remaining().minus(KEPT_FOR_QUERY).toMillis()));
      try {
        pollers = diagnostics.workflowPollers(taskQueue, Duration.ofMillis(askMillis));
      } catch (RuntimeException e) {
        if (TemporalDiagnostics.grpcStatus(e).orElse(null) != Status.Code.DEADLINE_EXCEEDED) {
          throw e;
        }
        break; // Temporal answered the first ask; a slow one now leaves the answer at "no poller"
      }
    }
    return pollers;
  }

  private static List<TemporalDiagnostics.Poller> recent(List<TemporalDiagnostics.Poller> pollers, Instant now) {
    return pollers.stream()
        .filter(p -> p.lastAccess() == null || p.lastAccess().isAfter(now.minus(POLLER_GONE_AFTER)))
        .toList();
  }

  /** What {@link #queryStatus} says when no worker answered the query in time (public for tests). */
  public String noAnswer(String incidentId, String taskQueue, List<TemporalDiagnostics.Poller> pollers, Instant now) {
    List<TemporalDiagnostics.Poller> recent = recent(pollers, now);
    if (recent.isEmpty()) {
      return "no worker is polling task queue " + taskQueue + ": nobody can answer the status query of "
          + incidentId + " (Temporal itself answers" + (pollers.isEmpty() ? "" : "; the last poll was "
          + pollers.stream().map(TemporalDiagnostics.Poller::lastAccess).filter(java.util.Objects::nonNull)
              .max(Instant::compareTo).map(t -> Duration.between(t, now).toSeconds() + " s ago").orElse("long ago"))
          + "). Start one: remediator worker -c FILE";
    }
    return "no worker answered the status query of " + incidentId + " within " + timeoutSeconds + " s, though "
        + recent.size() + " polled task queue " + taskQueue + " lately (" + recent.stream()
            .map(p -> p.identity() + (p.lastAccess() == null ? "" : ", "
                + Duration.between(p.lastAccess(), now).toSeconds() + " s ago"))
            .collect(java.util.stream.Collectors.joining("; "))
        + "): stopped since, or busy; try again or raise --timeout";
  }

  /** Fails with exit 4 unless the incident has a running run; returns its task queue. */
  static String requireOpen(IncidentControl incidents, String incidentId) {
    try {
      var d = incidents.describe(incidentId);
      if (d.getStatus() == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        return d.getTaskQueue();
      }
    } catch (WorkflowNotFoundException e) {
      // below
    }
    throw new CliFailure(ExitCodes.NOT_FOUND, "no open incident " + incidentId);
  }
}
