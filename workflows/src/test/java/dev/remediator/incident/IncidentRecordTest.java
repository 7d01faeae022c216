package dev.remediator.incident;

import dev.remediator.runbook.dbpool.PoolFindings;
import dev.remediator.runbook.dbpool.PoolReportSection;
import dev.remediator.runbook.dbpool.PoolReport;
import static dev.remediator.incident.IncidentWorkflowTest.CRITICAL;
import static dev.remediator.incident.IncidentWorkflowTest.HIGH;
import static dev.remediator.incident.IncidentWorkflowTest.HIGH_RESOLVED;
import static dev.remediator.incident.IncidentWorkflowTest.LADDER;
import static dev.remediator.incident.IncidentWorkflowTest.RESOLVED;
import static dev.remediator.incident.IncidentWorkflowTest.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.registry.Runbooks;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The incident's record (issue 27, items 3 and 5): one timeline line per change of state, not per sample; the
 * report's peak (as alerted or sampled), its "after" sampled at close, its "opened" time the receiver's, "not probed"
 * without a probe, and an action's outcome before the alert changes that arrived while it ran.
 */
class IncidentRecordTest {

  @RegisterExtension
  static final TestWorkflowExtension testWorkflow = RunbookWorkflows.extension();

  /** The captured critical alert with the rule's {@code value} annotation: 94.6 % as alerted. */
  static final Alert CRITICAL_946 = new Alert(CRITICAL.alertName(), CRITICAL.severity(), CRITICAL.status(),
      CRITICAL.fingerprint(), CRITICAL.startsAt(), "pool 94.6%", null, Map.of(), 0.946);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  @BeforeAll
  static void warmUp() {
    Warmup.dataConverter();
  }

  /** Every test's own history replays against today's code. */
  @AfterEach
  void replaysItsOwnHistory() throws Exception {
    if (client != null) {
      RunbookWorkflows.replay(client.fetchHistory(Runbooks.fallback().incidentId(TARGET)));
    }
  }

  private IncidentWorkflow stub(Worker worker) {
    return client.newWorkflowStub(IncidentWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(Runbooks.fallback().incidentId(TARGET)).setTaskQueue(worker.getTaskQueue()).build());
  }

  private IncidentWorkflow start(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client, SimulatedTarget world, Alert alert) {
    this.env = env;
    this.client = client;
    RunbookWorkflows.start(env, worker, world);
    IncidentWorkflow incident = stub(worker);
    WorkflowClient.start(incident::run, new IncidentInput(TARGET, ConfigLoader.parsePolicy(LADDER), alert));
    return incident;
  }

  private static IncidentStatus awaitStatus(IncidentWorkflow incident, Predicate<IncidentStatus> condition) {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
        .until(incident::status, condition);
  }

  private IncidentReport result() {
    return client.newUntypedWorkflowStub(Runbooks.fallback().incidentId(TARGET)).getResult(IncidentReport.class);
  }

  private static List<String> events(IncidentReport r) {
    return r.timeline().stream().map(TimelineEntry::event).toList();
  }

  private static long count(IncidentReport r, String prefix) {
    return events(r).stream().filter(e -> e.startsWith(prefix)).count();
  }

  @Test
  void watchingAddsSamplesToTheSeriesNotLinesToTheTimeline(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 22; // 73 %: a warning, watched
    world.databaseRefuses = true; // the diagnosis cannot read the pool; the watch's samples can
    world.probesFail = true;
    IncidentWorkflow incident = start(env, worker, client, world, HIGH);
    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING);
    world.databaseRefuses = false;
    for (int i = 0; i < 100 && world.snapshots.get() < 12; i++) {
      env.sleep(Duration.ofSeconds(10));
    }
    assertThat(world.snapshots.get()).isGreaterThanOrEqualTo(12);
    incident.alert(HIGH_RESOLVED);
    IncidentReport report = result();

    assertThat(report.samples()).hasSizeGreaterThanOrEqualTo(12); // the series has every sample
    assertThat(count(report, "Pool utilization")).isEqualTo(1); // the timeline has the first
    assertThat(count(report, "Service probes failed")).isEqualTo(1); // a failure is a change, once
  }

  @Test
  void beforeIsTheEpisodesPeakAsAlertedAndAfterIsSampledAtClose(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25); // 91.9 % sampled
    IncidentWorkflow incident = start(env, worker, client, world, CRITICAL_946);
    awaitStatus(incident, IncidentStatus::awaitingApproval);
    // Every leaked session ends on its own before anyone approves; the alert resolves.
    world.leaked = 0;
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(report.actions()).allMatch(a -> a.result() != ActionResult.EXECUTED);
    assertThat(PoolReportSection.of(report).utilizationBefore()).isEqualTo(0.946);
    assertThat(PoolReportSection.of(report).utilizationAfter()).isEqualTo(world.utilization()); // 9 of 37, not the diagnosis' 91.9 %
    assertThat(report.markdown()).contains("| Utilization (peak → after) | 94.6% as alerted → 24.3% sampled at close |");
  }

  @Test
  void aPeakSampledAboveTheAlertedValueIsTheSampledOne(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = SimulatedTarget.leaking(25); // 91.9 % sampled
    Alert alerted = new Alert(CRITICAL.alertName(), CRITICAL.severity(), CRITICAL.status(), CRITICAL.fingerprint(),
        CRITICAL.startsAt(), "pool 90.5%", null, Map.of(), 0.905);
    IncidentWorkflow incident = start(env, worker, client, world, alerted);
    awaitStatus(incident, IncidentStatus::awaitingApproval);
    incident.alert(RESOLVED);
    IncidentReport report = result();

    assertThat(PoolReportSection.of(report).utilizationBefore()).isEqualTo(34 / 37.0);
    assertThat(report.markdown()).contains("| Utilization (peak → after) | 91.9% sampled → 91.9% sampled at close |");
  }

  @Test
  void openedIsWhenTheReceiverGotTheAlertNotWhenAWorkerFirstRanTheIncident(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    this.env = env;
    this.client = client;
    SimulatedTarget world = new SimulatedTarget();
    world.load = 22;
    RunbookWorkflows.start(env, worker, world);
    // The receiver got the alert 2 min 44 s before a worker first ran the incident (none was up).
    Instant received = Instant.ofEpochMilli(env.currentTimeMillis()).minusSeconds(164);
    IncidentWorkflow incident = stub(worker);
    WorkflowClient.start(incident::run, new IncidentInput(TARGET, ConfigLoader.parsePolicy(LADDER), HIGH,
        "alertmanager", null, null, received.toString()));
    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING);
    incident.alert(HIGH_RESOLVED);
    IncidentReport report = result();

    assertThat(report.openedAt()).isEqualTo(received.toString());
    assertThat(report.markdown()).contains("| Opened / closed | " + received + " / ");
    assertThat(Instant.parse(report.timeline().get(0).at())).isAfter(received); // the worker ran it later
  }

  @Test
  void withoutAProbeTheTimelineSaysNotProbedAsTheReportDoes(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 22;
    world.probesConfigured = false;
    IncidentWorkflow incident = start(env, worker, client, world, HIGH);
    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING);
    incident.alert(HIGH_RESOLVED);
    IncidentReport report = result();

    assertThat(report.markdown()).contains("| Service (last probe) | not probed |");
    assertThat(events(report)).noneMatch(e -> e.startsWith("Service available"));
    assertThat(count(report, "Service not probed: no probes configured")).isEqualTo(1);
  }

  @Test
  void alertsThatResolveWhileTheTerminationRunsAreRecordedAfterItsOutcome(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) throws Exception {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    CountDownLatch release = new CountDownLatch(1);
    world.terminationHeld = release;
    IncidentWorkflow incident = start(env, worker, client, world, CRITICAL);
    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    incident.approve(new ApprovalDecision(pending.plan().planId(), "alice", "leak"));
    assertThat(world.terminationStarted.await(20, TimeUnit.SECONDS)).isTrue();
    // The sessions are gone (as if terminated before Temporal restarted); the resolution lands during the activity.
    incident.alert(RESOLVED);
    awaitStatus(incident, s -> s.alerts().stream().noneMatch(TrackedAlert::firing));
    release.countDown();
    IncidentReport report = result();

    List<String> events = events(report);
    int executed = indexOf(events, "Terminate idle-in-transaction sessions: EXECUTED");
    int resolved = indexOf(events, "Every alert of the incident is resolved");
    assertThat(executed).isNotNegative();
    assertThat(resolved).isGreaterThan(executed);
    assertThat(indexOf(events, "Alert " + CRITICAL.alertName() + " resolved")).isGreaterThan(executed);
    List<TimelineEntry> t = report.timeline();
    for (int i = 1; i < t.size(); i++) {
      assertThat(Instant.parse(t.get(i).at())).isAfterOrEqualTo(Instant.parse(t.get(i - 1).at()));
    }
  }

  @Test
  void theUtilizationFactSaysWhereEachNumberCameFrom() {
    IncidentState state = new IncidentState();
    assertThat(PoolReport.utilization(state)).isEqualTo("unknown → unknown");
    SimulatedTarget world = SimulatedTarget.leaking(25);
    PoolFindings.of(state).firstSnapshot = world.snapshot(TARGET, null); // a run from before the peak and the sample at close
    PoolFindings.of(state).lastSnapshot = PoolFindings.of(state).firstSnapshot;
    assertThat(PoolReport.utilization(state)).isEqualTo("91.9% sampled → 91.9% last sample");
    state.alerted(CRITICAL_946);
    state.alerted(new Alert(CRITICAL.alertName(), CRITICAL.severity(), "resolved", CRITICAL.fingerprint(),
        CRITICAL.startsAt(), null, null, Map.of(), 0.99)); // a resolved alert's value is not the episode's
    world.leaked = 0;
    PoolFindings.of(state).closingSnapshot = world.snapshot(TARGET, null);
    assertThat(PoolReport.utilization(state)).isEqualTo("94.6% as alerted → 24.3% sampled at close");
  }

  private static int indexOf(List<String> events, String prefix) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }
}
