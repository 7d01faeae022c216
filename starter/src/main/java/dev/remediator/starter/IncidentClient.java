package dev.remediator.starter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Alert;
import dev.remediator.incident.AlertBatch;
import dev.remediator.incident.ApprovalDecision;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.DecisionResult;
import dev.remediator.incident.IncidentInput;
import dev.remediator.runbook.Runbook;
import dev.remediator.registry.Runbooks;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentSearchAttributes;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.IncidentWorkflow;
import dev.remediator.incident.RefusedDecision;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.sdk.v1.UserMetadata;
import io.temporal.common.converter.DataConverter;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsResponse;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The client side of incidents: delivers alerts, sends decisions, reads status, lists and reports. */
public final class IncidentClient {
  /** The workflow type name of {@link IncidentWorkflow} (the interface's simple name). */
  public static final String WORKFLOW_TYPE = "IncidentWorkflow";

  /** Open incidents as the visibility store sees them (needs the search attributes registered). */
  public static final String OPEN_INCIDENTS_QUERY =
      "ExecutionStatus=\"Running\" AND " + IncidentSearchAttributes.SERVICE.getName() + " IS NOT NULL";

  /**
   * The pending plan's ID as a search attribute (incidents started before the workflow published it show "yes"
   * without the plan ID).
   */
  public static final SearchAttributeKey<String> PENDING_PLAN = IncidentSearchAttributes.PENDING_PLAN;

  private final WorkflowClient client;
  private final RemediatorConfig config;
  /** Last run ID seen per incident ID, to tell a started run from a signalled one. Bounded by configured targets. */
  private final Map<String, String> knownRuns = new ConcurrentHashMap<>();

  public IncidentClient(WorkflowClient client, RemediatorConfig config) {
    this.client = client;
    this.config = config;
  }

  public WorkflowClient workflowClient() {
    return client;
  }

  /** What became of one delivered alert. */
  public enum Delivery {
    /** Signal-with-start started a new incident run. */
    STARTED,
    /** The alert was signalled to the running incident. */
    SIGNALLED,
    /** A resolved alert for a target with no open incident: nothing to do. */
    NO_OPEN_INCIDENT,
    /** Temporal had already accepted exactly these alerts for the incident's run: answered without a call. */
    DUPLICATE
  }

  /** What became of one delivery's alerts for one incident, and the run that accepted them (null if none). */
  public record DeliveryResult(Delivery outcome, String runId) {}

  /**
   * One alert: as {@link #deliver(TargetConfig, List)} with a batch of one.
   */
  public Delivery deliver(TargetConfig target, Alert alert) {
    return deliver(target, List.of(alert)).outcome();
  }

  /**
   * The alerts of one delivery for one incident, as ONE Temporal call: with a firing alert among them, signal-with-start
   * the target's incident with the {@code alerts} signal (USE_EXISTING: a repeat lands in the running one); resolved
   * only: the {@code alerts} signal, which never starts an incident. Returns only after Temporal accepted it.
   *
   * <p>The first firing delivery for an incident in this process is a start (USE_EXISTING) carrying the delivery in
   * its input: ONE call for a new incident, and Temporal says whether it started a run. Only if a run was open
   * already does the delivery follow as signal-with-start. After that, whether a firing delivery started a run is told
   * by comparing run IDs with the run seen before: exact within one receiver, approximate across replicas that race.
   */
  public DeliveryResult deliver(TargetConfig target, List<Alert> alerts) {
    return deliver(target, alerts, Instant.now());
  }

  /**
   * As {@link #deliver(TargetConfig, List)}, for a delivery the receiver got at {@code receivedAt}: a new incident
   * carries it in its input as its "opened" time (a worker may run it minutes later).
   */
  public DeliveryResult deliver(TargetConfig target, List<Alert> alerts, Instant receivedAt) {
    String received = Instant.ofEpochMilli(receivedAt.toEpochMilli()).toString(); // the report's precision
    if (alerts.isEmpty()) {
      throw new IllegalArgumentException("no alerts to deliver");
    }
    Runbook runbook = runbookOf(alerts);
    String incidentId = runbook.incidentId(target.target());
    AlertBatch batch = new AlertBatch(alerts);
    Alert opening = opening(alerts);
    if (opening == null) {
      try {
        client.newUntypedWorkflowStub(incidentId).signal("alerts", batch);
        return new DeliveryResult(Delivery.SIGNALLED, knownRuns.get(incidentId));
      } catch (WorkflowNotFoundException e) {
        knownRuns.remove(incidentId);
        return new DeliveryResult(Delivery.NO_OPEN_INCIDENT, null);
      }
    }
    String before = knownRuns.get(incidentId);
    if (before == null) {
      try {
        StartWorkflowExecutionResponse start = start(runbook, target, opening, batch, received);
        knownRuns.put(incidentId, start.getRunId());
        if (start.getStarted()) {
          return new DeliveryResult(Delivery.STARTED, start.getRunId());
        }
        before = start.getRunId(); // open already: its input is not this delivery, so the alerts follow as a signal
      } catch (RuntimeException e) {
        return afterRace(e, runbook, target, opening, batch, received);
      }
    }
    WorkflowExecution execution;
    try {
      execution = signalWithStart(runbook, target, opening, batch, received);
    } catch (RuntimeException e) {
      return afterRace(e, runbook, target, opening, batch, received);
    }
    knownRuns.put(incidentId, execution.getRunId());
    return new DeliveryResult(
        execution.getRunId().equals(before) ? Delivery.SIGNALLED : Delivery.STARTED, execution.getRunId());
  }

  /** The alert a new run opens with: the last critical firing alert, else the last firing one; null if none fires. */
  static Alert opening(List<Alert> alerts) {
    Alert last = null;
    Alert critical = null;
    for (Alert a : alerts) {
      if (a.firing()) {
        last = a;
        if (a.critical(Runbooks.criticalAlerts())) {
          critical = a;
        }
      }
    }
    return critical != null ? critical : last;
  }

  /** The runbook a delivery's alerts belong to (one incident's alerts share it); the registry's default otherwise. */
  static Runbook runbookOf(List<Alert> alerts) {
    return Runbooks.forAlert(alerts.get(0).alertName()).orElse(Runbooks.fallback());
  }

  /**
   * A start or signal-with-start failed: if with ALREADY_EXISTS, another receiver (an HA peer) started the incident in
   * the same instant and the embedded server reported the race instead of using the run; the incident exists now, so
   * signal-with-start signals it. Any other failure is rethrown, and the run seen before is forgotten.
   */
  private DeliveryResult afterRace(
      RuntimeException e, Runbook runbook, TargetConfig target, Alert opening, AlertBatch batch, String receivedAt) {
    String incidentId = runbook.incidentId(target.target());
    if (grpcStatus(e).orElse(null) != Status.Code.ALREADY_EXISTS) {
      knownRuns.remove(incidentId);
      throw e;
    }
    WorkflowExecution execution = signalWithStart(runbook, target, opening, batch, receivedAt);
    knownRuns.put(incidentId, execution.getRunId());
    return new DeliveryResult(Delivery.SIGNALLED, execution.getRunId());
  }

  /** The options of an incident's start, for signal-with-start and the start alike. */
  private WorkflowOptions startOptions(Runbook runbook, TargetConfig target, Alert opening) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(runbook.incidentId(target.target()))
        .setTaskQueue(config.taskQueueOrDefault())
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setStaticSummary(runbook.title() + " incident: " + target.target().id())
        .setStaticDetails(staticDetails(runbook, target, opening))
        .build();
  }

  /** One signal-with-start (a stub serves one start, so each call has its own). */
  private WorkflowExecution signalWithStart(
      Runbook runbook, TargetConfig target, Alert opening, AlertBatch batch, String receivedAt) {
    IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class, startOptions(runbook, target, opening));
    BatchRequest request = client.newSignalWithStartRequest();
    request.add(incident::run,
        new IncidentInput(target.target(), target.policy(), opening, "alertmanager", null, null, receivedAt));
    request.add(incident::alerts, batch);
    return client.signalWithStart(request);
  }

  /**
   * Starts the incident with {@code batch} in its input unless a run is open (USE_EXISTING: then the response names
   * that run, {@code started} false). The request the SDK's start builds from {@link #startOptions}, sent as such
   * because the SDK's client does not return {@code started}.
   */
  private StartWorkflowExecutionResponse start(
      Runbook runbook, TargetConfig target, Alert opening, AlertBatch batch, String receivedAt) {
    DataConverter converter = client.getOptions().getDataConverter();
    WorkflowOptions options = startOptions(runbook, target, opening);
    StartWorkflowExecutionRequest request =
        StartWorkflowExecutionRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setIdentity(client.getOptions().getIdentity())
            .setRequestId(UUID.randomUUID().toString())
            .setWorkflowId(options.getWorkflowId())
            .setWorkflowType(WorkflowType.newBuilder().setName(WORKFLOW_TYPE))
            .setTaskQueue(TaskQueue.newBuilder().setName(options.getTaskQueue()))
            .setInput(converter.toPayloads(
                new IncidentInput(target.target(), target.policy(), opening, "alertmanager", null, batch,
                    receivedAt)).orElseThrow())
            .setWorkflowIdConflictPolicy(options.getWorkflowIdConflictPolicy())
            .setWorkflowIdReusePolicy(options.getWorkflowIdReusePolicy())
            .setUserMetadata(UserMetadata.newBuilder()
                .setSummary(converter.toPayload(options.getStaticSummary()).orElseThrow())
                .setDetails(converter.toPayload(options.getStaticDetails()).orElseThrow()))
            .build();
    return client.getWorkflowServiceStubs().blockingStub()
        .withDeadlineAfter(START_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .startWorkflowExecution(request);
  }

  /** How long a start may take before the delivery is answered 503 (the SDK's own default RPC timeout). */
  private static final Duration START_DEADLINE = Duration.ofSeconds(10);

  /**
   * The Temporal calls that brought the incident's current run alerts, from its history: its signals (signal-with-start's
   * included), and its start if the input carried a delivery.
   */
  public long alertCalls(String incidentId) {
    DataConverter converter = client.getOptions().getDataConverter();
    return client.fetchHistory(incidentId).getHistory().getEventsList().stream()
        .filter(e -> e.hasWorkflowExecutionSignaledEventAttributes() || (e.hasWorkflowExecutionStartedEventAttributes()
            && converter.fromPayloads(0, Optional.of(e.getWorkflowExecutionStartedEventAttributes().getInput()),
                IncidentInput.class, IncidentInput.class).alerts() != null))
        .count();
  }

  /** The run ID of the incident's run if one is running. */
  public Optional<String> runningRunId(String incidentId) {
    try {
      WorkflowExecutionDescription d = client.newUntypedWorkflowStub(incidentId).describe();
      return d.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
          ? Optional.of(d.getExecution().getRunId())
          : Optional.empty();
    } catch (WorkflowNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Describes the incident's latest run; throws {@link WorkflowNotFoundException} if there never was one. */
  public WorkflowExecutionDescription describe(String incidentId) {
    return client.newUntypedWorkflowStub(incidentId).describe();
  }

  /**
   * Approve, reject or acknowledge through the workflow's {@code decide} update: returns only after the workflow
   * applied or refused it.
   */
  public DecisionResult decide(String incidentId, DecisionRequest request) {
    return stub(incidentId).decide(request);
  }

  /**
   * The decision was handed to Temporal, but no worker applied it within the wait (no worker running, or all busy):
   * Temporal holds it and the workflow applies or refuses it when a worker picks the incident up.
   */
  public static final class DecisionPendingException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String incidentId;
    private final String action;

    DecisionPendingException(String incidentId, String action, long seconds) {
      super(message(incidentId, action, seconds));
      this.incidentId = incidentId;
      this.action = action;
    }

    /** The same, told as "not confirmed within {@code seconds} s" (e.g. the CLI's whole --timeout). */
    public DecisionPendingException within(long seconds) {
      return new DecisionPendingException(incidentId, action, seconds);
    }

    private static String message(String incidentId, String action, long seconds) {
      return "not confirmed within " + seconds + " s: no worker answered for " + incidentId + ". Temporal holds"
          + " the " + action + " and the incident applies it when a worker runs again (unless the plan"
          + " has changed by then); check with: remediator show " + incidentId;
    }
  }

  /**
   * As {@link #decide(String, DecisionRequest)}, but waits at most {@code wait} for a worker to apply it. An update
   * waits for a worker without a deadline of its own (the SDK polls on), so with no worker running a caller would
   * hang; past {@code wait} this throws {@link DecisionPendingException} instead. The update stays with Temporal and
   * is applied when a worker runs (the call itself goes on in a daemon thread until then or until the client shuts
   * down).
   */
  public DecisionResult decide(String incidentId, DecisionRequest request, Duration wait) {
    java.util.concurrent.CompletableFuture<DecisionResult> result = new java.util.concurrent.CompletableFuture<>();
    Thread call =
        new Thread(
            () -> {
              try {
                result.complete(decide(incidentId, request));
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "decide " + incidentId);
    call.setDaemon(true);
    call.start();
    try {
      return result.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new DecisionPendingException(incidentId, request.action().label(), (wait.toMillis() + 999) / 1000);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + incidentId, e);
    }
  }

  /** Sends the {@code approve} signal (exactly what {@code temporal workflow signal --name approve} sends). */
  public void approve(String incidentId, ApprovalDecision decision) {
    stub(incidentId).approve(decision);
  }

  public void reject(String incidentId, ApprovalDecision decision) {
    stub(incidentId).reject(decision);
  }

  /**
   * Records in the open incident's timeline a decision refused before it reached the workflow (the approval API's
   * 403, 409, 422). False if no incident is open (nothing to record in).
   */
  public boolean recordRefusal(String incidentId, RefusedDecision refusal) {
    try {
      stub(incidentId).refused(refusal);
      return true;
    } catch (WorkflowNotFoundException e) {
      return false;
    }
  }

  public IncidentStatus status(String incidentId) {
    return stub(incidentId).status();
  }

  /**
   * The {@code status} query with a deadline of its own: a query waits for a worker to answer it, so with no worker
   * it fails (DEADLINE_EXCEEDED) after {@code deadline} instead of after the client's query timeout.
   */
  public IncidentStatus status(String incidentId, Duration deadline) {
    io.grpc.Context.CancellableContext context =
        io.grpc.Context.current().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS, DEADLINES);
    try {
      return context.call(() -> status(incidentId));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      context.cancel(null);
    }
  }

  private static final java.util.concurrent.ScheduledExecutorService DEADLINES =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "incident-client-deadlines");
            t.setDaemon(true);
            return t;
          });

  /** A worker polling a task queue, as Temporal saw it lately. */
  public record Poller(String identity, Instant lastAccess) {}

  /** The workflow pollers Temporal has seen on {@code taskQueue} lately (a stopped worker stays listed a while). */
  public List<Poller> workflowPollers(String taskQueue, Duration deadline) {
    DescribeTaskQueueResponse response =
        client
            .getWorkflowServiceStubs()
            .blockingStub()
            .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .describeTaskQueue(
                DescribeTaskQueueRequest.newBuilder()
                    .setNamespace(client.getOptions().getNamespace())
                    .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
                    .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
                    .build());
    List<Poller> pollers = new ArrayList<>();
    for (PollerInfo p : response.getPollersList()) {
      pollers.add(new Poller(p.getIdentity(), p.hasLastAccessTime()
          ? Instant.ofEpochSecond(p.getLastAccessTime().getSeconds(), p.getLastAccessTime().getNanos()) : null));
    }
    return pollers;
  }

  /** Waits for the incident to close and returns its result. */
  public <T> T result(String incidentId, Class<T> type) {
    return client.newUntypedWorkflowStub(incidentId).getResult(type);
  }

  /**
   * The result of a closed incident as JSON (so that components added later, e.g. a markdown draft, are kept).
   * Empty while the incident is still running.
   */
  public Optional<JsonNode> closedReport(String incidentId) {
    return closedReport(incidentId, Duration.ofSeconds(5));
  }

  /** As {@link #closedReport(String)}, reading the result within {@code wait}. */
  public Optional<JsonNode> closedReport(String incidentId, Duration wait) {
    WorkflowExecutionDescription d = describe(incidentId);
    if (d.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          client
              .newUntypedWorkflowStub(incidentId, Optional.of(d.getExecution().getRunId()), Optional.empty())
              .getResult(wait.toMillis(), TimeUnit.MILLISECONDS, JsonNode.class));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out reading the result of " + incidentId, e);
    }
  }

  public WorkflowStub untyped(String incidentId) {
    return client.newUntypedWorkflowStub(incidentId);
  }

  /** Is Temporal reachable? A cheap {@code GetSystemInfo} with a deadline. */
  public boolean temporalReachable(Duration deadline) {
    try {
      client
          .getWorkflowServiceStubs()
          .blockingStub()
          .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** One open incident in a listing. */
  public record OpenIncident(
      String incidentId,
      String runId,
      Instant startTime,
      String namespace,
      String service,
      String database,
      String severity,
      String phase,
      boolean awaitingApproval,
      String pendingPlanId) {}

  /** How the listing was obtained: the visibility query, the open-executions list, or configured targets. */
  public enum ListingSource {
    VISIBILITY_QUERY,
    OPEN_EXECUTIONS,
    CONFIGURED_TARGETS
  }

  /**
   * Open incidents, newest first.
   *
   * @param incidents the rows: every open incident, or the newest {@code limit} of them
   * @param total how many incidents are open (at least {@code incidents.size()}), {@link #UNKNOWN} where the server
   *     cannot count
   * @param awaitingApproval how many of them wait for a decision, or {@link #UNKNOWN}
   */
  public record Listing(ListingSource source, List<OpenIncident> incidents, long total, long awaitingApproval) {
    public static final long UNKNOWN = -1;

    public Listing(ListingSource source, List<OpenIncident> incidents) {
      this(source, incidents, incidents.size(), incidents.stream().filter(OpenIncident::awaitingApproval).count());
    }

    /** True if some open incidents may not be among the rows. */
    public boolean truncated() {
      return total == UNKNOWN || total > incidents.size();
    }
  }

  /** As {@link #openIncidents(RemediatorConfig, Duration)} with a minute's budget. */
  public Listing openIncidents(RemediatorConfig targets) {
    return openIncidents(targets, Duration.ofMinutes(1));
  }

  /** Every open incident: {@link #openIncidents(RemediatorConfig, Duration, int)} without a limit. */
  public Listing openIncidents(RemediatorConfig targets, Duration budget) {
    return openIncidents(targets, budget, 0);
  }

  /**
   * Open incidents, newest first, within {@code budget}. On a Temporal server: one visibility query,
   * {@link #OPEN_INCIDENTS_QUERY}, in pages of 1,000; every column comes from the incidents' search attributes
   * (severity, phase; pending approval is phase {@code AWAITING_APPROVAL}, its plan ID the
   * {@code RemediatorPendingPlan} attribute where the workflow sets it), so no incident is queried and no worker is
   * needed. The embedded (test) server has no List API (UNIMPLEMENTED): then the deprecated open-executions list
   * filtered by workflow type, and if that is unsupported too, a describe of each configured target's incident ID
   * ({@code targets} must be given); there the rows are completed with the {@code status} query while the budget
   * lasts.
   *
   * <p>With a {@code limit} (0: none) only the newest {@code limit} rows are read; on a Temporal server the totals come
   * from two count queries sent beside the list (the server's time grows with each row it returns: ~0.5 ms a row on
   * {@code temporal server start-dev}, while a count is one cheap call).
   */
  public Listing openIncidents(RemediatorConfig targets, Duration budget, int limit) {
    long deadline = System.nanoTime() + budget.toNanos();
    List<OpenIncident> rows;
    ListingSource source;
    try {
      if (limit > 0) {
        return listByVisibilityQuery(deadline, limit);
      }
      rows = newestOpen(deadline, Integer.MAX_VALUE);
      source = ListingSource.VISIBILITY_QUERY;
    } catch (RuntimeException e) {
      if (!unimplemented(e)) {
        throw e;
      }
      try {
        rows = listOpenByType(deadline);
        source = ListingSource.OPEN_EXECUTIONS;
      } catch (RuntimeException e2) {
        if (!unimplemented(e2)) {
          throw e2;
        }
        if (targets == null) {
          throw new UnsupportedOperationException(
              "this Temporal server cannot list workflows; pass --config so that each configured target's"
                  + " incident can be looked up",
              e2);
        }
        rows = fromConfiguredTargets(targets);
        source = ListingSource.CONFIGURED_TARGETS;
      }
      List<OpenIncident> completed = new ArrayList<>();
      for (OpenIncident row : rows) {
        completed.add(withStatus(row, deadline));
      }
      rows = completed;
    }
    rows.sort(Comparator.comparing(OpenIncident::startTime, Comparator.nullsLast(Comparator.reverseOrder())));
    Listing all = new Listing(source, rows);
    return limit > 0 && rows.size() > limit
        ? new Listing(source, List.copyOf(rows.subList(0, limit)), all.total(), all.awaitingApproval())
        : all;
  }

  /**
   * The newest {@code limit} open incidents by the visibility query, and the totals by two count queries sent at the
   * same time (the list is ordered newest first by the server).
   */
  private Listing listByVisibilityQuery(long deadline, int limit) {
    var futures = client.getWorkflowServiceStubs().futureStub()
        .withDeadlineAfter(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    String namespace = client.getOptions().getNamespace();
    var total = futures.countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder()
        .setNamespace(namespace).setQuery(OPEN_INCIDENTS_QUERY).build());
    var awaiting = futures.countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder()
        .setNamespace(namespace)
        .setQuery(OPEN_INCIDENTS_QUERY + " AND " + IncidentSearchAttributes.PHASE.getName() + "=\""
            + IncidentPhase.AWAITING_APPROVAL.name() + "\"")
        .build());
    List<OpenIncident> rows = newestOpen(deadline, limit);
    rows.sort(Comparator.comparing(OpenIncident::startTime, Comparator.nullsLast(Comparator.reverseOrder())));
    if (rows.size() < limit) {
      total.cancel(true);
      awaiting.cancel(true);
      return new Listing(ListingSource.VISIBILITY_QUERY, rows); // every open incident is a row
    }
    try {
      long open = Math.max(rows.size(), total.get(remainingMillis(deadline), TimeUnit.MILLISECONDS).getCount());
      long pending = awaiting.get(remainingMillis(deadline), TimeUnit.MILLISECONDS).getCount();
      return new Listing(ListingSource.VISIBILITY_QUERY, rows, open, pending);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while counting open incidents", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (grpcStatus(e.getCause()).filter(c -> c == Status.Code.UNIMPLEMENTED || c == Status.Code.INVALID_ARGUMENT)
          .isPresent()) {
        // A visibility store that lists but cannot count (or not with this query): the rows, totals unknown.
        return new Listing(ListingSource.VISIBILITY_QUERY, rows, Listing.UNKNOWN, Listing.UNKNOWN);
      }
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw Status.DEADLINE_EXCEEDED.withDescription("counting open incidents").asRuntimeException();
    }
  }

  /**
   * The newest {@code limit} open incidents by the visibility query, page by page (1,000 a page at most), each page
   * within what is left of the deadline.
   */
  private List<OpenIncident> newestOpen(long deadline, int limit) {
    List<OpenIncident> rows = new ArrayList<>();
    com.google.protobuf.ByteString page = com.google.protobuf.ByteString.EMPTY;
    do {
      ListWorkflowExecutionsResponse response =
          client.getWorkflowServiceStubs().blockingStub()
              .withDeadlineAfter(remainingMillis(deadline), TimeUnit.MILLISECONDS)
              .listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(client.getOptions().getNamespace())
                  .setQuery(OPEN_INCIDENTS_QUERY)
                  .setPageSize(Math.min(1000, limit - rows.size()))
                  .setNextPageToken(page)
                  .build());
      for (WorkflowExecutionInfo info : response.getExecutionsList()) {
        if (rows.size() < limit) {
          rows.add(fromMetadata(new WorkflowExecutionMetadata(info, client.getOptions().getDataConverter())));
        }
      }
      page = response.getNextPageToken();
    } while (!page.isEmpty() && rows.size() < limit);
    return rows;
  }

  private static long remainingMillis(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }

  private OpenIncident fromMetadata(WorkflowExecutionMetadata m) {
    SearchAttributes sa = m.getTypedSearchAttributes();
    String phase = emptyToNull(sa.get(IncidentSearchAttributes.PHASE));
    boolean awaiting = IncidentPhase.AWAITING_APPROVAL.name().equals(phase);
    return new OpenIncident(
        m.getExecution().getWorkflowId(),
        m.getExecution().getRunId(),
        m.getStartTime(),
        sa.get(IncidentSearchAttributes.NAMESPACE),
        sa.get(IncidentSearchAttributes.SERVICE),
        sa.get(IncidentSearchAttributes.DATABASE),
        emptyToNull(sa.get(IncidentSearchAttributes.SEVERITY)),
        phase,
        awaiting,
        awaiting ? pendingPlan(sa) : null);
  }

  /** The pending plan's ID, if the workflow publishes it as a search attribute (read defensively: it may not). */
  private static String pendingPlan(SearchAttributes sa) {
    try {
      return emptyToNull(sa.get(PENDING_PLAN));
    } catch (RuntimeException e) {
      return null; // registered with another type: not ours to read
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private List<OpenIncident> listOpenByType(long deadline) {
    List<OpenIncident> rows = new ArrayList<>();
    com.google.protobuf.ByteString page = com.google.protobuf.ByteString.EMPTY;
    do {
      ListOpenWorkflowExecutionsResponse response =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .withDeadlineAfter(remainingMillis(deadline), TimeUnit.MILLISECONDS)
              .listOpenWorkflowExecutions(
                  ListOpenWorkflowExecutionsRequest.newBuilder()
                      .setNamespace(client.getOptions().getNamespace())
                      .setTypeFilter(WorkflowTypeFilter.newBuilder().setName(WORKFLOW_TYPE))
                      .setMaximumPageSize(1000)
                      .setNextPageToken(page)
                      .build());
      for (WorkflowExecutionInfo info : response.getExecutionsList()) {
        rows.add(fromIdOnly(info.getExecution().getWorkflowId(), info.getExecution().getRunId(),
            Instant.ofEpochSecond(info.getStartTime().getSeconds(), info.getStartTime().getNanos())));
      }
      page = response.getNextPageToken();
    } while (!page.isEmpty());
    return rows;
  }

  private List<OpenIncident> fromConfiguredTargets(RemediatorConfig targets) {
    List<OpenIncident> rows = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (TargetConfig t : targets.targets()) {
      for (Runbook r : Runbooks.all()) {
        String id = r.incidentId(t.target());
        if (!seen.add(id)) {
          continue;
        }
        try {
          WorkflowExecutionDescription d = describe(id);
          if (d.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
            rows.add(fromIdOnly(id, d.getExecution().getRunId(), d.getStartTime()));
          }
        } catch (WorkflowNotFoundException e) {
          // no incident of this runbook for this target
        }
      }
    }
    return rows;
  }

  private static OpenIncident fromIdOnly(String id, String runId, Instant started) {
    // <runbook>:<namespace>:<service>[:<database>] (Runbook.incidentId)
    String[] parts = id.split(":", 4);
    boolean ours = parts.length >= 3 && Runbooks.forIncidentId(id).isPresent();
    return new OpenIncident(id, runId, started, ours ? parts[1] : null, ours ? parts[2] : null,
        ours && parts.length == 4 ? parts[3] : null, null, null, false, null);
  }

  /**
   * Fills severity, phase and pending approval from the status query while time is left; keeps the row as is when
   * the deadline has passed or no worker answers.
   */
  private OpenIncident withStatus(OpenIncident row, long deadline) {
    if (deadline - System.nanoTime() <= 0) {
      return row;
    }
    try {
      IncidentStatus s = status(row.incidentId(), Duration.ofMillis(remainingMillis(deadline)));
      boolean pending = s.awaitingApproval() && s.plan() != null;
      return new OpenIncident(
          row.incidentId(),
          row.runId(),
          row.startTime(),
          s.target() != null ? s.target().namespace() : row.namespace(),
          s.target() != null ? s.target().service() : row.service(),
          s.target() != null ? s.target().database() : row.database(),
          s.severity() != null ? s.severity().label() : row.severity(),
          s.phase() != null ? s.phase().name() : row.phase(),
          pending,
          pending ? s.plan().planId() : null);
    } catch (RuntimeException e) {
      return row;
    }
  }

  /** True when the cause chain holds a gRPC UNIMPLEMENTED (the server lacks the API). */
  public static boolean unimplemented(Throwable e) {
    return grpcStatus(e).map(c -> c == Status.Code.UNIMPLEMENTED).orElse(false);
  }

  /** The gRPC status code in the cause chain, if any. */
  public static Optional<Status.Code> grpcStatus(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return Optional.of(s.getStatus().getCode());
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }

  private IncidentWorkflow stub(String incidentId) {
    return client.newWorkflowStub(IncidentWorkflow.class, incidentId);
  }

  /** The Temporal UI's static details: what this incident is and how to steer it. */
  static String staticDetails(TargetConfig target, Alert alert) {
    return staticDetails(Runbooks.forIncident(null, alert.alertName()), target, alert);
  }

  static String staticDetails(Runbook runbook, TargetConfig target, Alert alert) {
    String id = runbook.incidentId(target.target());
    return "**" + alert.alertName() + "** for service `" + target.service() + "` (namespace `" + target.namespace()
        + (target.database() == null ? "`" : "`, database `" + target.database() + "`") + ")\n\n"
        + "Runbook: " + runbook.title()
        + " — assess, diagnose, plan, approve, act, verify, escalate, report.\n\n"
        + "- Status: query `status`, or `./remediator show " + id + "`\n"
        + "- Approve the pending plan: signal `approve` with `{\"planId\":\"...\",\"approver\":\"<you>\","
        + "\"reason\":\"...\"}`, or `./remediator approve " + id + " --by <you>`\n"
        + "- Reject: signal `reject` (same input); acknowledge an escalation: signal `acknowledge` with "
        + "`{\"by\":\"<you>\"}`\n";
  }
}
