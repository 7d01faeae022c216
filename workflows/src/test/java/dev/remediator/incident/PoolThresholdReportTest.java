package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.registry.Runbooks;
import dev.remediator.runbook.dbpool.DbPoolRunbook;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 26 §3, the runbook's "Review and update alert thresholds if needed": the pool report states how much warning
 * High gave before Critical (or none), the sampled utilization peak and when, and whether the policy's thresholds
 * are those of the shipped alert rules. Time-skipping test environment, scripted target; each test's history replays.
 */
class PoolThresholdReportTest {

  @RegisterExtension
  static final TestWorkflowExtension testWorkflow = RunbookWorkflows.extension();

  static final Target TARGET = new Target("prod", "auth-service", "authdb");
  static final String NO_ACTIONS = "rollingRestart: off\npoolIncrease: off\nterminateSessions: off\n";
  static final Alert HIGH = new Alert(DbPoolRunbook.HIGH, "warning", "firing", "843184d4e142c5bf",
      "2026-11-26T17:27:07.08Z", "pool 72.97%");
  static final Alert HIGH_RESOLVED = new Alert(DbPoolRunbook.HIGH, "warning", "resolved", "843184d4e142c5bf",
      "2026-11-26T17:27:07.08Z", null);
  /** Four minutes after High started. */
  static final Alert CRITICAL = new Alert(DbPoolRunbook.CRITICAL, "critical", "firing", "98606b87143f2dc9",
      "2026-11-26T17:31:07.08Z", "pool 94.59%");
  static final Alert CRITICAL_RESOLVED = new Alert(DbPoolRunbook.CRITICAL, "critical", "resolved",
      "98606b87143f2dc9", "2026-11-26T17:31:07.08Z", null);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  @BeforeAll
  static void warmUp() {
    Warmup.dataConverter();
  }

  @AfterEach
  void replaysItsOwnHistory() throws Exception {
    if (client != null) {
      RunbookWorkflows.replay(client.fetchHistory(Runbooks.fallback().incidentId(TARGET)));
    }
  }

  @Test
  void highFourMinutesBeforeCriticalGaveFourMinutesOfWarningAndThePeakIsReportedWithItsTime(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 22; // 27 of 37 = 73 %: High
    IncidentWorkflow incident = start(env, worker, client, world, NO_ACTIONS, HIGH);
    skipUntil(incident, s -> world.snapshots.get() >= 2);

    world.load = 30; // 35 of 37 = 94.6 %: Critical, the episode's peak
    incident.alert(CRITICAL);
    int atCritical = world.snapshots.get();
    skipUntil(incident, s -> world.snapshots.get() >= atCritical + 2);
    world.load = 0; // 5 of 37 = 13.5 %
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alerts(new AlertBatch(List.of(CRITICAL_RESOLVED, HIGH_RESOLVED)));
    IncidentReport report = result();

    assertThat(fact(report, "Warning before Critical")).isEqualTo("High gave 4 min of warning (from the alerts' startsAt)");
    Measurement highest = report.samples().stream().max(Comparator.comparingDouble(Measurement::value)).orElseThrow();
    assertThat(highest.value()).isEqualTo(35 / 37.0);
    assertThat(report.samples().get(0).value()).as("the peak came after the first sample").isLessThan(0.75);
    assertThat(fact(report, "Utilization peak (sampled)")).isEqualTo("94.6% at " + highest.at());
    assertThat(fact(report, "Alert thresholds")).isEqualTo("policy thresholds 70 %/90 % match the shipped alert rules");
    assertThat(report.markdown())
        .contains("| Warning before Critical | High gave 4 min of warning (from the alerts' startsAt) |")
        .contains("| Utilization peak (sampled) | 94.6% at " + highest.at() + " |")
        .contains("| Alert thresholds | policy thresholds 70 %/90 % match the shipped alert rules |")
        .doesNotContain("Critical fired with no High before it")
        .doesNotContain("Align the policy's thresholds");
  }

  @Test
  void criticalAloneGaveNoWarningByWhenItWasReceivedWhenItCarriesNoStart(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 30; // 94.6 %
    world.recoversAfterSnapshots = 3;
    Alert critical = new Alert(DbPoolRunbook.CRITICAL, "critical", "firing", "98606b87143f2dc9", null, "pool");
    IncidentWorkflow incident = start(env, worker, client, world, NO_ACTIONS, critical);
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(new Alert(DbPoolRunbook.CRITICAL, "critical", "resolved", "98606b87143f2dc9", null, null));
    IncidentReport report = result();

    assertThat(fact(report, "Warning before Critical")).isEqualTo(
        "no warning: Critical fired with no High before it (as the workflow received them: an alert carried no"
            + " startsAt)");
    assertThat(report.recommendations()).anyMatch(r -> r.startsWith("Critical fired with no High before it: lower"
        + " the warning threshold (now 70 %)"));
  }

  @Test
  void aPolicyThatWarnsEarlierThanTheShippedRuleSaysSoAndCriticalNeverFired(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    SimulatedTarget world = new SimulatedTarget();
    world.load = 22; // 73 %
    world.recoversAfterSnapshots = 4;
    IncidentWorkflow incident = start(env, worker, client, world, NO_ACTIONS + "warningUtilization: 0.6\n", HIGH);
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(HIGH_RESOLVED);
    IncidentReport report = result();

    String differ = "differ: policy warns at 60 %, the shipped rule (DatabaseConnectionPoolHigh) fires at 70 %";
    assertThat(fact(report, "Alert thresholds")).isEqualTo(differ);
    assertThat(fact(report, "Warning before Critical")).isEqualTo("Critical never fired");
    assertThat(report.recommendations()).contains(
        "Align the policy's thresholds with the alert rules (deploy/prometheus/rules.yaml): " + differ);
  }

  private IncidentWorkflow start(TestWorkflowEnvironment env, Worker worker, WorkflowClient client,
      SimulatedTarget world, String policy, Alert alert) {
    this.env = env;
    this.client = client;
    RunbookWorkflows.start(env, worker, world);
    IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(Runbooks.fallback().incidentId(TARGET)).setTaskQueue(worker.getTaskQueue()).build());
    WorkflowClient.start(incident::run,
        new IncidentInput(TARGET, ConfigLoader.parsePolicy("approvers: [alice, bob]\n" + policy), alert));
    return incident;
  }

  /** Lets workflow time pass (verify and watch intervals) until the status matches. */
  private IncidentStatus skipUntil(IncidentWorkflow incident, Predicate<IncidentStatus> condition) {
    for (int i = 0; i < 200; i++) {
      IncidentStatus s = incident.status();
      if (condition.test(s)) {
        return s;
      }
      env.sleep(Duration.ofSeconds(10));
    }
    throw new AssertionError("condition not reached: " + incident.status().phase());
  }

  private IncidentReport result() {
    return client.newUntypedWorkflowStub(Runbooks.fallback().incidentId(TARGET)).getResult(IncidentReport.class);
  }

  private static String fact(IncidentReport report, String name) {
    return report.facts().stream().filter(f -> f.name().equals(name)).map(RunbookReport.Fact::value).findFirst()
        .orElseThrow(() -> new AssertionError("no fact " + name + " in " + report.facts()));
  }
}
