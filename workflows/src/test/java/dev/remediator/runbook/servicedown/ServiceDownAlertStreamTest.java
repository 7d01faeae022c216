package dev.remediator.runbook.servicedown;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.Alert;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.IncidentWorkflow;
import dev.remediator.incident.TimerCollisions;
import dev.remediator.incident.TrackedAlert;
import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.runbook.servicedown.ServiceDownWorld.Scenario;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generated alert streams for one Deployment's Service Down incident: ServiceDown and KubePodCrashLooping firing,
 * repeating (group interval, HA copies), resolving in any order and firing again, at random workflow times, over
 * every scenario of the cause table, on a worker whose cache of one forces replays. After each stream: at most one
 * rollback and one restart, nothing acted on for a cause the runbook only escalates, the incident closed only once
 * every alert it saw was resolved, samples paced by the verify interval, and its history replays. {@code -Dremediator.servicedown.seeds=N} runs more.
 */
class ServiceDownAlertStreamTest {
  static final Alert DOWN = ServiceDownWorkflowTest.DOWN;
  static final Alert CRASH = ServiceDownWorkflowTest.CRASH_LOOPING;

  static List<Long> seeds() {
    int n = Integer.getInteger("remediator.servicedown.seeds", 6);
    List<Long> seeds = new ArrayList<>();
    for (long s = 1; s <= n; s++) {
      seeds.add(s);
    }
    return seeds;
  }

  static Alert resolved(Alert a) {
    return new Alert(a.alertName(), a.severity(), "resolved", a.fingerprint(), a.startsAt(), null);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void invariantsHoldForAnyStream(long seed) throws Exception {
    Random random = new Random(seed);
    Scenario scenario = Scenario.values()[random.nextInt(Scenario.values().length)];
    ServiceDownWorld world = new ServiceDownWorld(scenario);
    world.fixHelps = random.nextInt(4) != 0;
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(
        io.temporal.testing.TestEnvironmentOptions.newBuilder()
            .setWorkerFactoryOptions(io.temporal.worker.WorkerFactoryOptions.newBuilder()
                .setWorkflowCacheSize(1).build())
            .build())) {
      RunbookWorkflows.searchAttributes(env);
      Worker worker = env.newWorker("incidents");
      RunbookWorkflows.start(env, worker, world);
      WorkflowClient client = env.getWorkflowClient();
      IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId(ServiceDownWorkflowTest.ID).setTaskQueue("incidents").build());
      Alert opening = random.nextBoolean() ? DOWN : CRASH;
      WorkflowClient.start(incident::run, new IncidentInput(ServiceDownWorkflowTest.TARGET,
          ConfigLoader.parsePolicy(ServiceDownWorkflowTest.LADDER
              + "rollback: auto\nrollingRestart: auto\nquietPeriod: 2m\nverifyInterval: 30s"), opening));

      List<String> steps = new ArrayList<>(List.of("open " + opening.alertName()));
      for (int i = 0; i < 10 && running(client); i++) {
        env.sleep(Duration.ofSeconds(1 + random.nextInt(90)));
        TimerCollisions.stepOver(env, client, ServiceDownWorkflowTest.ID);
        if (!running(client)) {
          break;
        }
        Alert a = random.nextBoolean() ? DOWN : CRASH;
        boolean firing = random.nextInt(3) != 0;
        int copies = 1 + random.nextInt(2); // an HA pair sends it twice
        for (int c = 0; c < copies; c++) {
          try {
            incident.alert(firing ? a : resolved(a));
          } catch (io.temporal.client.WorkflowNotFoundException closedByTheFirstCopy) {
            // The first copy's resolution closed it: the receiver answers the HA copy "no open incident".
            assertThat(c).as("only a copy after the first finds the incident closed").isPositive();
            assertThat(running(client)).isFalse();
          }
        }
        steps.add((firing ? "fire " : "resolve ") + a.alertName() + " x" + copies);
      }
      TimerCollisions.stepOver(env, client, ServiceDownWorkflowTest.ID);
      if (running(client)) {
        incident.alert(resolved(DOWN));
        incident.alert(resolved(CRASH));
        steps.add("resolve both");
        env.sleep(Duration.ofMinutes(3));
      }
      String why = "seed " + seed + " " + scenario + " fixHelps=" + world.fixHelps + ": " + steps;
      IncidentReport report = client.newUntypedWorkflowStub(ServiceDownWorkflowTest.ID)
          .getResult(IncidentReport.class);

      assertThat(world.rollbackRequests).as(why).hasSizeLessThanOrEqualTo(1);
      // Samples pause between them (verifyInterval 30 s over at most ~20 min): never a loop without a timer.
      assertThat(world.calls.stream().filter("inspect"::equals).count()).as(why).isLessThan(100);
      assertThat(world.calls.stream().filter("rollingRestart"::equals).count()).as(why).isLessThanOrEqualTo(1);
      if (scenario != Scenario.BAD_ROLLOUT && scenario != Scenario.CRASH_LOOP) {
        assertThat(report.actions()).as(why).isEmpty();
      }
      assertThat(report.actions()).as(why)
          .allSatisfy(a -> assertThat(a.type()).isIn(ActionType.ROLLBACK, ActionType.ROLLING_RESTART));
      assertThat(report.alerts()).as(why).extracting(TrackedAlert::firing).containsOnly(false);
      assertThat(report.alerts()).as(why).extracting(TrackedAlert::alertName).contains(opening.alertName());
      assertThat(report.actions().stream().filter(a -> a.result() == ActionResult.EXECUTED).count()).as(why)
          .isLessThanOrEqualTo(2);
      RunbookWorkflows.replay(client.fetchHistory(ServiceDownWorkflowTest.ID));
    }
  }

  private static boolean running(WorkflowClient client) {
    return client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                    .setWorkflowId(ServiceDownWorkflowTest.ID))
                .build())
        .getWorkflowExecutionInfo().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }
}
