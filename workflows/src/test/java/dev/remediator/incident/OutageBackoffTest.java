package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.registry.Runbooks;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an incident whose database does not answer costs over two hours of outage: the activities it schedules and
 * the timers it starts. The watch waits a quarter of the outage's age between samples (20 s → 15 min), starting from
 * the outage's start the worker reports, so the samples grow with the logarithm of the outage, not with its length.
 */
class OutageBackoffTest {
  @RegisterExtension
  static final TestWorkflowExtension testWorkflow = RunbookWorkflows.extension();

  static final Target TARGET = IncidentWorkflowTest.TARGET;
  static final Duration OUTAGE = Duration.ofHours(2);

  @BeforeAll
  static void warmUp() {
    Warmup.dataConverter();
  }

  /**
   * The counts over the outage, from the run's history (no continue-as-new in 2 hours: asserted); the watch's share
   * ({@link Watching}) from the first timer that fired on.
   */
  record Cost(int samples, int activities, int timers, int workflowTasks, Watching watching) {}

  /**
   * From the first timer that fired (the watch's first wait) to the resolution: snapshots taken (as activities or as
   * local activities), activity tasks scheduled for samples (snapshots and probes) and for anything else (the
   * escalation's notifications and their details), workflow tasks completed.
   */
  record Watching(int snapshots, int sampleActivityTasks, int otherActivityTasks, int workflowTasks) {}

  static Watching watching(List<HistoryEvent> events) {
    int from = 0;
    while (from < events.size() && events.get(from).getEventType() != EventType.EVENT_TYPE_TIMER_FIRED) {
      from++;
    }
    int snapshots = 0;
    int sampleTasks = 0;
    int otherTasks = 0;
    int workflowTasks = 0;
    for (HistoryEvent e : events.subList(from, events.size())) {
      switch (e.getEventType()) {
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
          String type = e.getActivityTaskScheduledEventAttributes().getActivityType().getName();
          snapshots += type.equals("Snapshot") ? 1 : 0;
          sampleTasks += type.equals("Snapshot") || type.equals("Probe") ? 1 : 0;
          otherTasks += type.equals("Snapshot") || type.equals("Probe") ? 0 : 1;
        }
        case EVENT_TYPE_MARKER_RECORDED -> {
          var details = e.getMarkerRecordedEventAttributes().getDetailsMap().get("type");
          if (details != null && details.getPayloads(0).getData().toStringUtf8().contains("Snapshot")) {
            snapshots++;
          }
        }
        case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> workflowTasks++;
        default -> { }
      }
    }
    return new Watching(snapshots, sampleTasks, otherTasks, workflowTasks);
  }

  private Cost watchDeadDatabase(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client, Duration outageAgeAtOpen) throws Exception {
    return watchDeadDatabase(env, worker, client, outageAgeAtOpen, 0);
  }

  private Cost watchDeadDatabase(TestWorkflowEnvironment env, Worker worker, WorkflowClient client,
      Duration outageAgeAtOpen, int waitingOnEndpoint) throws Exception {
    SimulatedTarget world = SimulatedTarget.leaking(25);
    world.databaseDownSinceMillis = env.currentTimeMillis() - outageAgeAtOpen.toMillis();
    world.waitingOnEndpoint = waitingOnEndpoint;
    RunbookWorkflows.start(env, worker, world);
    IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(Runbooks.fallback().incidentId(TARGET))
            .setTaskQueue(worker.getTaskQueue()).build());
    WorkflowClient.start(incident::run, new IncidentInput(TARGET,
        ConfigLoader.parsePolicy(IncidentWorkflowTest.LADDER), IncidentWorkflowTest.CRITICAL));
    env.sleep(OUTAGE);
    int samples = world.snapshotCalls.get();
    String id = Runbooks.fallback().incidentId(TARGET);
    List<HistoryEvent> events = client.fetchHistory(id).getEvents();
    Cost cost = new Cost(samples,
        count(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        count(events, EventType.EVENT_TYPE_TIMER_STARTED),
        count(events, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), watching(events));
    assertThat(events.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId()).isEmpty();
    System.out.println("OutageBackoffTest: " + Duration.ofMillis(outageAgeAtOpen.toMillis()) + " into the outage, "
        + OUTAGE + " watched: " + cost + ", probes " + world.probeCalls.get());

    // The alert's resolution still wakes the incident at once, however long the wait between samples.
    long resolvedAt = env.currentTimeMillis();
    incident.alert(IncidentWorkflowTest.RESOLVED);
    IncidentReport report = client.newUntypedWorkflowStub(id).getResult(IncidentReport.class);
    assertThat(report.timeline()).anyMatch(e -> e.event().startsWith("Database check failed"));
    List<HistoryEvent> after = client.fetchHistory(id).getEvents();
    assertThat(after.get(after.size() - 1).getEventTime().getSeconds() * 1000 - resolvedAt)
        .as("closed soon after the resolution (the quiet period aside)")
        .isLessThan(ConfigLoader.parsePolicy(IncidentWorkflowTest.LADDER).quietPeriod().toMillis() + 60_000);
    RunbookWorkflows.replay(client.fetchHistory(id));
    return cost;
  }

  private static int count(List<HistoryEvent> events, EventType type) {
    return (int) events.stream().filter(e -> e.getEventType() == type).count();
  }

  @Test
  void anOutageThatBeginsWithTheIncidentIsSampledLessAndLessOften(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) throws Exception {
    Cost cost = watchDeadDatabase(env, worker, client, Duration.ZERO);
    // 20 s until the outage is 80 s old, then a quarter of its age: about 25 samples in 2 hours (a minute apart
    // after the first few, the doubling back-off took 120 or more).
    assertThat(cost.samples()).isBetween(8, 30);
    assertThat(cost.timers()).isLessThan(45);
  }

  /**
   * A sample of a database that did not answer at the last one runs its probes and snapshot in the workflow task its
   * timer woke (local activities): one workflow task per sample, no activity task (before: three tasks, two activity
   * tasks, and their timeout timers on the server).
   */
  @Test
  void aSampleOfTheDeadDatabaseIsOneWorkflowTaskAndNoActivityTask(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) throws Exception {
    Watching w = watchDeadDatabase(env, worker, client, Duration.ZERO).watching();
    assertThat(w.snapshots()).as("samples while watching").isGreaterThanOrEqualTo(8);
    assertThat(w.sampleActivityTasks()).as("activity tasks for the samples while watching").isZero();
    // One task per sample (its timer's), one per other activity (the escalation's), a few for the resolution and
    // the close. Before: three per sample.
    assertThat(w.workflowTasks()).as("workflow tasks while watching")
        .isLessThanOrEqualTo(w.snapshots() + w.otherActivityTasks() + 6);
  }

  /**
   * 1,000 incidents wait on the one dead database (the worker counts them in the failure's details): the endpoint's
   * samples are shared, a second apart in all, so each incident waits 7.5–15 minutes from its first sample on (a
   * quarter of the outage's age alone: 20 s at first), drawn at random in that range so the 1,000 spread out.
   */
  @Test
  void anIncidentAmongAThousandOnOneDeadDatabaseSharesItsSamples(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) throws Exception {
    Cost cost = watchDeadDatabase(env, worker, client, Duration.ZERO, 1000);
    // The assessment's and the diagnosis's, then one per 7.5–15 min over 2 hours: 8 to 16 more.
    assertThat(cost.samples()).isBetween(2 + 7, 2 + 17);
    List<HistoryEvent> events = client.fetchHistory(Runbooks.fallback().incidentId(TARGET)).getEvents();
    List<Long> waits = events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED)
        .filter(e -> e.getUserMetadata().getSummary().getData().toStringUtf8().contains("Watch: next sample"))
        .map(e -> e.getTimerStartedEventAttributes().getStartToFireTimeout().getSeconds()).toList();
    assertThat(waits).as("the watch's waits").hasSizeGreaterThanOrEqualTo(7)
        .allSatisfy(w -> assertThat(w).isBetween(450L, 900L)); // every one, the first included
    assertThat(waits.stream().distinct().count()).as("spread, not one period for all").isGreaterThan(3);
  }

  @Test
  void anIncidentOpenedAnHourIntoTheOutageWaitsLongAtOnce(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) throws Exception {
    Cost cost = watchDeadDatabase(env, worker, client, Duration.ofHours(1));
    // 15 min apart from the first sample on: the assessment's, the diagnosis's, and about 8 more in 2 hours.
    assertThat(cost.samples()).isBetween(5, 14);
    assertThat(cost.timers()).isLessThan(25);
  }
}
