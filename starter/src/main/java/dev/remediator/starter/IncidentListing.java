package dev.remediator.starter;

import com.google.protobuf.ByteString;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentSearchAttributes;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.runbook.Runbook;
import dev.remediator.registry.Runbooks;
import io.grpc.Status;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The open incidents, newest first, from the visibility store (or what the server offers instead). */
public final class IncidentListing {
  /** Open incidents as the visibility store sees them (needs the search attributes registered). */
  public static final String OPEN_INCIDENTS_QUERY =
      "ExecutionStatus=\"Running\" AND " + IncidentSearchAttributes.SERVICE.getName() + " IS NOT NULL";

  /**
   * The pending plan's ID as a search attribute (incidents started before the workflow published it show "yes"
   * without the plan ID).
   */
  public static final SearchAttributeKey<String> PENDING_PLAN = IncidentSearchAttributes.PENDING_PLAN;

  private final IncidentStubs temporal;
  /** Where the server cannot list: each row's status query, each configured target's incident described. */
  private final IncidentControl incidents;

  public IncidentListing(IncidentStubs temporal) {
    this.temporal = temporal;
    this.incidents = new IncidentControl(temporal);
  }

  /**
   * One open incident in a listing.
   *
   * @param build the Worker Versioning build it runs on (pinned to), null when unversioned or unknown
   * @param waitingForBuild the build it waits for ({@link PinnedBuilds#waitingFor}): pinned to it, and none of its
   *     workers polls while others do; null otherwise
   */
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
      String pendingPlanId,
      String build,
      String waitingForBuild) {

    public OpenIncident(String incidentId, String runId, Instant startTime, String namespace, String service,
        String database, String severity, String phase, boolean awaitingApproval, String pendingPlanId) {
      this(incidentId, runId, startTime, namespace, service, database, severity, phase, awaitingApproval,
          pendingPlanId, null, null);
    }
  }

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
      if (!TemporalDiagnostics.unimplemented(e)) {
        throw e;
      }
      try {
        rows = listOpenByType(deadline);
        source = ListingSource.OPEN_EXECUTIONS;
      } catch (RuntimeException e2) {
        if (!TemporalDiagnostics.unimplemented(e2)) {
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
    var futures = temporal.future(remaining(deadline));
    String namespace = temporal.namespace();
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
    } catch (ExecutionException e) {
      if (TemporalDiagnostics.grpcStatus(e.getCause()).filter(c -> c == Status.Code.UNIMPLEMENTED || c == Status.Code.INVALID_ARGUMENT)
          .isPresent()) {
        // A visibility store that lists but cannot count (or not with this query): the rows, totals unknown.
        return new Listing(ListingSource.VISIBILITY_QUERY, rows, Listing.UNKNOWN, Listing.UNKNOWN);
      }
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw Status.DEADLINE_EXCEEDED.withDescription("counting open incidents").asRuntimeException();
    }
  }

  /**
   * The newest {@code limit} open incidents by the visibility query, page by page (1,000 a page at most), each page
   * within what is left of the deadline.
   */
  private List<OpenIncident> newestOpen(long deadline, int limit) {
    List<WorkflowExecutionInfo> infos = new ArrayList<>();
    ByteString page = ByteString.EMPTY;
    do {
      ListWorkflowExecutionsResponse response =
          temporal.blocking(remaining(deadline))
              .listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(temporal.namespace())
                  .setQuery(OPEN_INCIDENTS_QUERY)
                  .setPageSize(Math.min(1000, limit - infos.size()))
                  .setNextPageToken(page)
                  .build());
      for (WorkflowExecutionInfo info : response.getExecutionsList()) {
        if (infos.size() < limit) {
          infos.add(info);
        }
      }
      page = response.getNextPageToken();
    } while (!page.isEmpty() && infos.size() < limit);
    Map<String, PinnedBuilds> pollersByQueue = pollersOfPinned(infos, deadline);
    List<OpenIncident> rows = new ArrayList<>();
    for (WorkflowExecutionInfo info : infos) {
      PinnedBuilds pollers = pollersByQueue.get(info.getTaskQueue());
      var versioning = PinnedBuilds.versioning(info);
      rows.add(fromMetadata(new WorkflowExecutionMetadata(info, temporal.dataConverter()),
          PinnedBuilds.build(versioning), pollers == null ? null : pollers.waitingFor(versioning)));
    }
    return rows;
  }

  /**
   * The pollers of each task queue that has a pinned incident among {@code infos}: one {@code DescribeTaskQueue} per
   * such task queue (one in practice), not one call per incident. A task queue Temporal cannot describe is left out
   * (its incidents are listed without "waiting for build").
   */
  private Map<String, PinnedBuilds> pollersOfPinned(List<WorkflowExecutionInfo> infos, long deadline) {
    Map<String, PinnedBuilds> byQueue = new TreeMap<>();
    Set<String> asked = new HashSet<>();
    for (WorkflowExecutionInfo info : infos) {
      if (PinnedBuilds.pinned(PinnedBuilds.versioning(info)) && asked.add(info.getTaskQueue())) {
        try {
          byQueue.put(info.getTaskQueue(), PinnedBuilds.ofTaskQueue(temporal, info.getTaskQueue(),
              Duration.ofMillis(Math.min(3000, remainingMillis(deadline)))));
        } catch (RuntimeException e) {
          // the listing stands without it
        }
      }
    }
    return byQueue;
  }

  private static long remainingMillis(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }

  private static Duration remaining(long deadline) {
    return Duration.ofMillis(remainingMillis(deadline));
  }

  private OpenIncident fromMetadata(WorkflowExecutionMetadata m, String build, String waitingForBuild) {
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
        awaiting ? pendingPlan(sa) : null,
        build,
        waitingForBuild);
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
    ByteString page = ByteString.EMPTY;
    do {
      ListOpenWorkflowExecutionsResponse response =
          temporal
              .blocking(remaining(deadline))
              .listOpenWorkflowExecutions(
                  ListOpenWorkflowExecutionsRequest.newBuilder()
                      .setNamespace(temporal.namespace())
                      .setTypeFilter(WorkflowTypeFilter.newBuilder().setName(IncidentStubs.WORKFLOW_TYPE))
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
    Set<String> seen = new HashSet<>();
    for (TargetConfig t : targets.targets()) {
      for (Runbook r : Runbooks.all()) {
        String id = r.incidentId(t.target());
        if (!seen.add(id)) {
          continue;
        }
        try {
          WorkflowExecutionDescription d = incidents.describe(id);
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
      IncidentStatus s = incidents.status(row.incidentId(), remaining(deadline));
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
          pending ? s.plan().planId() : null,
          row.build(),
          row.waitingForBuild());
    } catch (RuntimeException e) {
      return row;
    }
  }
}
