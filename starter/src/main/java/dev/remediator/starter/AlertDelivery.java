package dev.remediator.starter;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Alert;
import dev.remediator.incident.AlertBatch;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentSearchAttributes;
import dev.remediator.incident.IncidentWorkflow;
import dev.remediator.runbook.Runbook;
import dev.remediator.registry.Runbooks;
import io.grpc.Status;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.sdk.v1.UserMetadata;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import io.temporal.common.converter.DataConverter;
import io.temporal.internal.common.SearchAttributesUtil;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers alerts to incidents: starts the target's incident, or signals the running one. */
public final class AlertDelivery {
  private static final Logger log = LoggerFactory.getLogger(AlertDelivery.class);
  /** How long a start may take before the delivery is answered 503 (the SDK's own default RPC timeout). */
  private static final Duration START_DEADLINE = Duration.ofSeconds(10);

  private final IncidentStubs temporal;
  private final WorkflowClient client;
  private final RemediatorConfig config;
  /** Last run ID seen per incident ID, to tell a started run from a signalled one. Bounded by configured targets. */
  private final Map<String, String> knownRuns = new ConcurrentHashMap<>();

  public AlertDelivery(IncidentStubs temporal, RemediatorConfig config) {
    this.temporal = temporal;
    this.client = temporal.workflowClient();
    this.config = config;
  }

  /** The connection this delivers through. */
  public IncidentStubs stubs() {
    return temporal;
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
   * The alerts of one delivery for one incident, as ONE Temporal call: with a firing alert among them,
   * signal-with-start the target's incident with the {@code alerts} signal (USE_EXISTING: a repeat lands in the
   * running one); resolved only: the {@code alerts} signal, which never starts an incident. Returns only after Temporal
   * accepted it.
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
        temporal.untyped(incidentId).signal("alerts", batch);
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
    if (TemporalDiagnostics.grpcStatus(e).orElse(null) != Status.Code.ALREADY_EXISTS) {
      knownRuns.remove(incidentId);
      throw e;
    }
    WorkflowExecution execution = signalWithStart(runbook, target, opening, batch, receivedAt);
    knownRuns.put(incidentId, execution.getRunId());
    return new DeliveryResult(Delivery.SIGNALLED, execution.getRunId());
  }

  /**
   * The options of an incident's start, for signal-with-start and the start alike: with its search attributes
   * ({@link IncidentSearchAttributes#atStart}) unless {@code withAttributes} is false.
   */
  private WorkflowOptions startOptions(Runbook runbook, TargetConfig target, Alert opening, boolean withAttributes) {
    return WorkflowOptions.newBuilder()
        .setTypedSearchAttributes(withAttributes ? startAttributes(target, opening) : null)
        .setWorkflowId(runbook.incidentId(target.target()))
        .setTaskQueue(config.taskQueueOrDefault())
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setStaticSummary(runbook.title() + " incident: " + target.target().id())
        .setStaticDetails(staticDetails(runbook, target, opening))
        .build();
  }

  private static SearchAttributes startAttributes(TargetConfig target, Alert opening) {
    return IncidentSearchAttributes.atStart(target.target(), opening, Runbooks.criticalAlerts());
  }

  /**
   * A start with the incident's search attributes; if Temporal refuses them because they are not registered in the
   * namespace yet (a receiver up before any worker registered them), the same start without them: the workflow sets
   * them at its first task, as it always did.
   */
  private static <T> T withAttributesIfRegistered(java.util.function.Function<Boolean, T> start) {
    try {
      return start.apply(true);
    } catch (RuntimeException e) {
      if (!unregisteredAttributes(e)) {
        throw e;
      }
      log.warn("Search attributes {} are not registered in this namespace: incidents start without them and are"
          + " listed from their first workflow task on (a worker registers them when it starts)",
          IncidentSearchAttributes.ALL.stream().map(k -> k.getName()).toList());
      return start.apply(false);
    }
  }

  /** Temporal's refusal of a start whose search attributes the namespace does not know (INVALID_ARGUMENT). */
  static boolean unregisteredAttributes(Throwable e) {
    if (TemporalDiagnostics.grpcStatus(e).orElse(null) != Status.Code.INVALID_ARGUMENT) {
      return false;
    }
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("search attribute")) {
        return true;
      }
    }
    return false;
  }

  /** One signal-with-start (a stub serves one start, so each call has its own). */
  private WorkflowExecution signalWithStart(
      Runbook runbook, TargetConfig target, Alert opening, AlertBatch batch, String receivedAt) {
    return withAttributesIfRegistered(attributes -> signalWithStart(runbook, target, opening, batch, receivedAt,
        attributes));
  }

  private WorkflowExecution signalWithStart(Runbook runbook, TargetConfig target, Alert opening, AlertBatch batch,
      String receivedAt, boolean withAttributes) {
    IncidentWorkflow incident =
        client.newWorkflowStub(IncidentWorkflow.class, startOptions(runbook, target, opening, withAttributes));
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
    return withAttributesIfRegistered(attributes -> start(runbook, target, opening, batch, receivedAt, attributes));
  }

  private StartWorkflowExecutionResponse start(Runbook runbook, TargetConfig target, Alert opening, AlertBatch batch,
      String receivedAt, boolean withAttributes) {
    DataConverter converter = temporal.dataConverter();
    WorkflowOptions options = startOptions(runbook, target, opening, withAttributes);
    StartWorkflowExecutionRequest.Builder request =
        StartWorkflowExecutionRequest.newBuilder()
            .setNamespace(temporal.namespace())
            .setIdentity(client.getOptions().getIdentity())
            .setRequestId(UUID.randomUUID().toString())
            .setWorkflowId(options.getWorkflowId())
            .setWorkflowType(WorkflowType.newBuilder().setName(IncidentStubs.WORKFLOW_TYPE))
            .setTaskQueue(TaskQueue.newBuilder().setName(options.getTaskQueue()))
            .setInput(converter.toPayloads(
                new IncidentInput(target.target(), target.policy(), opening, "alertmanager", null, batch,
                    receivedAt)).orElseThrow())
            .setWorkflowIdConflictPolicy(options.getWorkflowIdConflictPolicy())
            .setWorkflowIdReusePolicy(options.getWorkflowIdReusePolicy())
            .setUserMetadata(UserMetadata.newBuilder()
                .setSummary(converter.toPayload(options.getStaticSummary()).orElseThrow())
                .setDetails(converter.toPayload(options.getStaticDetails()).orElseThrow()));
    if (options.getTypedSearchAttributes() != null) {
      request.setSearchAttributes(SearchAttributesUtil.encodeTyped(options.getTypedSearchAttributes()));
    }
    return temporal.blocking(START_DEADLINE).startWorkflowExecution(request.build());
  }

  /** The Temporal UI's static details: what this incident is and how to steer it. */
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
