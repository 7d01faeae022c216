package dev.remediator.runbook.servicedown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.Alert;
import dev.remediator.incident.DecisionAction;
import dev.remediator.incident.DecisionRequest;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentOutcome;
import dev.remediator.incident.IncidentPhase;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.IncidentWorkflow;
import dev.remediator.incident.ReportDiagrams;
import dev.remediator.incident.ReportDiagrams.Stage;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.Target;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.registry.RunbookWorkflows;
import dev.remediator.runbook.servicedown.ServiceDownWorld.Scenario;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every branch of the Service Down runbook through the incident shell (the one {@code IncidentWorkflow} type,
 * chosen by the {@code servicedown:} ID prefix), in Temporal's time-skipping environment against a scripted
 * Deployment ({@link ServiceDownWorld}). Every test also replays its own history.
 */
class ServiceDownWorkflowTest {

  @RegisterExtension
  static final TestWorkflowExtension testWorkflow = RunbookWorkflows.extension();


  static final Target TARGET = new Target("prod", "auth-service", "authdb");
  static final String ID = ServiceDownRunbook.DEFINITION.incidentId(TARGET);
  static final String LADDER = """
      approvers: [alice, bob]
      escalation:
        - {name: platform, channels: [platform-pager], ackTimeout: 15m}
        - {name: development, channels: [development-slack], ackTimeout: 15m}
      """;
  static final Alert DOWN = new Alert(ServiceDownRunbook.SERVICE_DOWN, "critical", "firing", "5e1c0d0a9b8f7e6d",
      "2026-11-29T20:05:00Z", "Service prod/auth-service is down");
  static final Alert DOWN_RESOLVED = new Alert(ServiceDownRunbook.SERVICE_DOWN, "critical", "resolved",
      "5e1c0d0a9b8f7e6d", "2026-11-29T20:05:00Z", null);
  static final Alert CRASH_LOOPING = new Alert(ServiceDownRunbook.CRASH_LOOPING, "warning", "firing",
      "c0ffee0123456789", "2026-11-29T20:06:00Z", "Pod is crash looping.");

  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  @AfterEach
  void replaysItsOwnHistory() throws Exception {
    if (client != null) {
      RunbookWorkflows.replay(client.fetchHistory(ID));
    }
  }

  private IncidentWorkflow start(TestWorkflowEnvironment env, Worker worker, WorkflowClient client,
      ServiceDownWorld world, String policy, Alert alert) {
    this.env = env;
    this.client = client;
    RunbookWorkflows.start(env, worker, world);
    IncidentWorkflow incident = client.newWorkflowStub(IncidentWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(ID).setTaskQueue(worker.getTaskQueue()).build());
    WorkflowClient.start(incident::run, new IncidentInput(TARGET, ConfigLoader.parsePolicy(LADDER + policy), alert));
    return incident;
  }

  private static IncidentStatus awaitStatus(IncidentWorkflow incident, Predicate<IncidentStatus> condition) {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
        .until(incident::status, condition);
  }

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
    return client.newUntypedWorkflowStub(ID).getResult(IncidentReport.class);
  }

  private static List<String> events(IncidentReport r) {
    return r.timeline().stream().map(TimelineEntry::event).toList();
  }

  /**
   * Every line carries the kind its writer set and the diagram draws none under "Other": the cause under
   * Diagnosis, the actions (a rollback, a restart) and their outcomes under Action.
   */
  private static void assertDrawnByKind(IncidentReport r) {
    assertThat(r.timeline()).allSatisfy(e -> assertThat(e.kind()).as(e.event()).isNotNull());
    List<Stage> stages = ReportDiagrams.stages(r.timeline());
    assertThat(stages).doesNotContain(Stage.OTHER);
    for (int i = 0; i < stages.size(); i++) {
      String event = r.timeline().get(i).event();
      if (event.startsWith("Cause: ")) {
        assertThat(stages.get(i)).as(event).isEqualTo(Stage.DIAGNOSIS);
      }
      if (event.startsWith("Rolled back ") || event.startsWith("Rollback: ") || event.startsWith("Rolling restart")) {
        assertThat(stages.get(i)).as(event).isEqualTo(Stage.ACTION);
      }
    }
    assertThat(r.markdown()).contains(" · Diagnosis", " · Action").doesNotContain(" · Other");
  }

  private static List<String> results(IncidentReport r, ActionType type) {
    return r.actions().stream().filter(a -> a.type() == type).map(a -> a.result().name()).toList();
  }

  @Test
  void aBadRolloutIsRolledBackOnceApprovedAndVerified(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.BAD_ROLLOUT);
    Target orders = new Target("prod", "orders-service", null);
    world.elsewhere = List.of(new SimilarIssues.Elsewhere(orders, SimilarIssues.Finding.SAME_PATTERN,
        "runs the same image " + Workloads.BAD));
    IncidentWorkflow incident = start(env, worker, client, world, "", DOWN);
    incident.alert(CRASH_LOOPING); // the same Deployment's second alert: the same incident

    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.plan().actions()).singleElement().satisfies(a -> {
      assertThat(a.type()).isEqualTo(ActionType.ROLLBACK);
      assertThat(a.reason()).contains("failures began with revision 2").contains("roll back from revision 2");
    });
    assertThat(world.calls).doesNotContain("rollback 2");
    assertThat(pending.alerts()).hasSize(2);
    incident.decide(new DecisionRequest(DecisionAction.APPROVE, pending.plan().planId(), "alice", "bad image"));

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(DOWN_RESOLVED);
    incident.alert(new Alert(ServiceDownRunbook.CRASH_LOOPING, "warning", "resolved", "c0ffee0123456789",
        "2026-11-29T20:06:00Z", null));
    IncidentReport report = result();

    assertThat(report.incidentId()).isEqualTo("servicedown:prod:auth-service:authdb");
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(results(report, ActionType.ROLLBACK)).containsExactly("EXECUTED");
    assertThat(world.rollbackRequests).containsExactly(pending.plan().planId() + "/rollback");
    assertThat(world.calls).doesNotContain("rollingRestart");
    assertThat(world.calls).contains("relatedIncident dbpool:prod:auth-service:authdb");
    assertThat(report.escalated()).isFalse();
    assertThat(events(report)).anySatisfy(e -> assertThat(e).startsWith("Cause: bad rollout"))
        .anySatisfy(e -> assertThat(e).startsWith("Rolled back from revision 2 to revision 1's template (now revision"
            + " 3): image auth-service: "));
    assertThat(report.markdown()).contains("service down: prod/auth-service")
        .contains("revision 2 → 1's template (now revision 3)");
    assertThat(events(report)).filteredOn(e -> e.startsWith("Cause: ") || e.startsWith("Rollback: ")
        || e.startsWith("Rolled back ")).hasSize(3);
    assertDrawnByKind(report);
    // At close, once: the other Deployments are checked for the failing revision's image and change.
    assertThat(world.similarChecks).singleElement().satisfies(c -> {
      assertThat(c.revision()).isEqualTo(2);
      assertThat(c.images()).containsExactly(Workloads.BAD);
      assertThat(c.changedAt()).isNotNull();
      assertThat(c.window()).isEqualTo(java.time.Duration.ofHours(2));
    });
    assertThat(report.similarElsewhere().with(SimilarIssues.Finding.SAME_PATTERN)).extracting(
        SimilarIssues.Elsewhere::target).containsExactly(orders);
    assertThat(events(report)).contains("Similar issues in other services: 1 other service shows the same pattern:"
        + " orders-service (runs the same image " + Workloads.BAD + ")");
  }

  /**
   * Found on a real control plane: the ServiceDown alert fired while the bad release's pods were still being created.
   * The diagnosis then had no cause, the incident escalated and watched, and it never planned the rollback although
   * every later sample showed the pods crash-looping.
   */
  @Test
  void aCauseThatShowsOnlyAfterTheAlertIsDecidedAgainAndItsRollbackPlanned(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.BAD_ROLLOUT);
    world.podsStarting = true;
    IncidentWorkflow incident = start(env, worker, client, world, "", DOWN);

    IncidentStatus watching = skipUntil(incident, s -> s.phase() == IncidentPhase.WATCHING);
    assertThat(watching.plan()).isNull();
    assertThat(watching.timeline()).extracting(TimelineEntry::event)
        .anySatisfy(e -> assertThat(e).startsWith("Cause: unknown"));

    world.podsStarting = false; // the new pods crash-loop now
    IncidentStatus pending = skipUntil(incident, IncidentStatus::awaitingApproval);
    assertThat(pending.plan().actions()).singleElement().satisfies(a -> {
      assertThat(a.type()).isEqualTo(ActionType.ROLLBACK);
      assertThat(a.reason()).contains("roll back from revision 2");
    });
    assertThat(pending.timeline()).extracting(TimelineEntry::event)
        .anySatisfy(e -> assertThat(e).startsWith("The failure shows now (bad rollout): deciding the cause again"))
        .anySatisfy(e -> assertThat(e).startsWith("Cause: bad rollout"));
    incident.decide(new DecisionRequest(DecisionAction.APPROVE, pending.plan().planId(), "alice", "bad image"));

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(DOWN_RESOLVED);
    IncidentReport report = result();
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(results(report, ActionType.ROLLBACK)).containsExactly("EXECUTED");
    assertThat(world.rollbackRequests).containsExactly(pending.plan().planId() + "/rollback");
    assertThat(events(report)).filteredOn(e -> e.startsWith("The failure shows now")).hasSize(1);
  }

  @Test
  void aRejectedRollbackChangesNothingAndIsOfferedAgainWhileTheProblemPersists(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.BAD_ROLLOUT);
    IncidentWorkflow incident = start(env, worker, client, world, "", DOWN);
    IncidentStatus pending = awaitStatus(incident, IncidentStatus::awaitingApproval);
    incident.decide(new DecisionRequest(DecisionAction.REJECT, pending.plan().planId(), "bob", "deploying a fix"));

    IncidentStatus again = awaitStatus(incident,
        s -> s.awaitingApproval() && !s.plan().planId().equals(pending.plan().planId()));
    assertThat(again.plan().actions()).extracting(a -> a.type()).containsExactly(ActionType.ROLLBACK);
    incident.alert(DOWN_RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RESOLVED);
    assertThat(results(report, ActionType.ROLLBACK)).containsExactly("SKIPPED", "SKIPPED");
    assertThat(world.rollbackRequests).isEmpty();
    assertThat(events(report)).contains("Plan " + pending.plan().planId() + " rejected: deploying a fix");
  }

  @Test
  void aCrashLoopOfUnknownCauseGetsOneRestartThatHelps(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.CRASH_LOOP);
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: auto", DOWN);

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(DOWN_RESOLVED);
    IncidentReport report = result();

    assertThat(report.outcome()).isEqualTo(IncidentOutcome.MITIGATED);
    assertThat(results(report, ActionType.ROLLING_RESTART)).containsExactly("EXECUTED");
    assertThat(world.calls).filteredOn(c -> c.startsWith("rollback")).isEmpty();
    assertThat(events(report)).anySatisfy(e -> assertThat(e).startsWith("Cause: crash loop"));
  }

  @Test
  void aRestartThatDoesNotHelpEscalatesAndIsNotRepeated(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.CRASH_LOOP);
    world.fixHelps = false;
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: auto", DOWN);

    IncidentStatus escalated = skipUntil(incident, s -> s.escalatedTo() != null);
    assertThat(world.notifications).isNotEmpty();
    env.sleep(Duration.ofMinutes(30));
    incident.alert(DOWN_RESOLVED);
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    // A crash loop is the development team's (the runbook's escalation section), not the ladder's first tier.
    assertThat(escalated.escalatedTo()).isEqualTo("development");
    assertThat(world.notifications.get(0).tier()).isEqualTo("development");
    assertThat(report.escalationReason()).contains("action failed");
    assertThat(world.calls).filteredOn("rollingRestart"::equals).hasSize(1);
    assertDrawnByKind(report);
  }

  @Test
  void outOfMemoryEscalatesWithTheEvidenceAndChangesNothing(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.OUT_OF_MEMORY);
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: auto", DOWN);

    IncidentStatus escalated = skipUntil(incident, s -> s.escalatedTo() != null);
    incident.alert(DOWN_RESOLVED);
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    assertThat(escalated.escalatedTo()).isEqualTo("development");
    assertThat(world.notifications.get(0).tier()).isEqualTo("development");
    assertThat(world.notifications.get(0).details().facts()).as("the runbook's own facts, no pool utilization")
        .anySatisfy(f -> assertThat(f).startsWith("Deployment now:"))
        .anySatisfy(f -> assertThat(f).startsWith("Likely cause: out of memory").contains("OOMKilled"))
        .noneSatisfy(f -> assertThat(f).containsIgnoringCase("utilization"));
    assertThat(report.actions()).isEmpty();
    assertThat(world.calls).noneMatch(c -> c.startsWith("rollback") || c.equals("rollingRestart"));
    assertThat(report.escalationReason()).startsWith("out of memory").contains("development team")
        .contains("OOMKilled");
    assertThat(world.notifications.get(0).details().reason()).startsWith("out of memory");
    assertThat(world.notifications.get(0).details().errorLogs().counts()).containsEntry(CrashLogs.OUT_OF_MEMORY, 1);
  }

  @Test
  void imageErrorsAndUnschedulablePodsEscalateAndChangeNothing(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.IMAGE_PULL);
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: auto", DOWN);

    skipUntil(incident, s -> s.escalatedTo() != null);
    incident.alert(DOWN_RESOLVED);
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    assertThat(report.actions()).isEmpty();
    assertThat(report.escalationReason()).startsWith("image or config").contains("ImagePullBackOff");
  }

  @Test
  void aCrashLoopingPodIsConfirmedAsTheDeploymentsBeforeTheRestart(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.CRASH_LOOP);
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: auto", crashLoopingPod());

    skipUntil(incident, s -> s.actions().stream().anyMatch(a -> a.type() == ActionType.ROLLING_RESTART));
    incident.alert(new Alert(ServiceDownRunbook.CRASH_LOOPING, "warning", "resolved", "c0ffee0123456789",
        "2026-11-29T20:06:00Z", null));
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    assertThat(world.calls).contains("resolvePod auth-service-7d9f8c6b5-x2x4q");
    assertThat(world.calls.indexOf("resolvePod auth-service-7d9f8c6b5-x2x4q"))
        .isLessThan(world.calls.indexOf("rollingRestart"));
    assertThat(results(report, ActionType.ROLLING_RESTART)).containsExactly("EXECUTED");
  }

  @Test
  void aPodOfAnotherDeploymentIsNotActedOn(TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.CRASH_LOOP);
    world.podOwner = "auth-service-canary";
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: auto", crashLoopingPod());

    skipUntil(incident, s -> s.escalatedTo() != null);
    incident.alert(new Alert(ServiceDownRunbook.CRASH_LOOPING, "warning", "resolved", "c0ffee0123456789",
        "2026-11-29T20:06:00Z", null));
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    assertThat(report.actions()).isEmpty();
    assertThat(world.calls).doesNotContain("rollingRestart");
    assertThat(report.escalationReason()).startsWith("the alert's pod is not the target's Deployment's")
        .contains("auth-service-canary");
  }

  /** KubePodCrashLooping as the receiver passes it on: with the labels that name the pod. */
  private static Alert crashLoopingPod() {
    return new Alert(ServiceDownRunbook.CRASH_LOOPING, "warning", "firing", "c0ffee0123456789",
        "2026-11-29T20:06:00Z", "Pod is crash looping.", null,
        Map.of("namespace", "prod", "pod", "auth-service-7d9f8c6b5-x2x4q", "container", "auth-service"));
  }

  @Test
  void unschedulablePodsEscalateToThePlatformTeam(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.UNSCHEDULABLE);
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: auto", CRASH_LOOPING);

    IncidentStatus escalated = skipUntil(incident, s -> s.escalatedTo() != null);
    incident.alert(new Alert(ServiceDownRunbook.CRASH_LOOPING, "warning", "resolved", "c0ffee0123456789",
        "2026-11-29T20:06:00Z", null));
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    assertThat(escalated.escalatedTo()).isEqualTo("platform");
    assertThat(report.actions()).isEmpty();
    assertThat(report.escalationReason()).startsWith("unschedulable").contains("platform team")
        .contains("FailedScheduling");
  }

  @Test
  void anOpenPoolIncidentIsLinkedAndNothingIsDone(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.BAD_ROLLOUT);
    world.poolIncidentOpen = true;
    IncidentWorkflow incident = start(env, worker, client, world, "rollback: auto", DOWN);

    IncidentStatus watching = awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING);
    incident.alert(DOWN_RESOLVED);
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    assertThat(watching.diagnosis().evidence()).contains("cause: dependency down");
    assertThat(report.actions()).isEmpty();
    assertThat(report.escalated()).isFalse();
    assertThat(events(report)).contains("Linked: connection-pool incident dbpool:prod:auth-service:authdb is open");
    assertThat(report.markdown()).contains("dbpool:prod:auth-service:authdb");
  }

  @Test
  void databaseErrorsInThePreviousLogsAreADependencyDown(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.DATABASE_DOWN);
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: auto", DOWN);

    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING);
    incident.alert(DOWN_RESOLVED);
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    assertThat(report.actions()).isEmpty();
    assertThat(report.diagnosis().evidence()).anySatisfy(e -> assertThat(e).contains("database connection error"));
  }

  @Test
  void aRefusedRollbackIsRecordedAndChangesNothing(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.BAD_ROLLOUT);
    world.refuseRollback = "a rollout of deployment prod/auth-service is in progress: its latest change is not yet"
        + " observed by the controller";
    IncidentWorkflow incident = start(env, worker, client, world, "rollback: auto", DOWN);

    skipUntil(incident, s -> s.actions().stream().filter(a -> a.result() == ActionResult.REFUSED).count() >= 1);
    incident.alert(DOWN_RESOLVED);
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    assertThat(results(report, ActionType.ROLLBACK)).isNotEmpty().allMatch("REFUSED"::equals);
    assertThat(report.actions().get(0).detail()).contains("in progress");
    assertThat(world.fixed).isFalse();
  }

  @Test
  void aHealthyDeploymentBehindAFailingProbeEscalatesWithoutAction(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.HEALTHY);
    IncidentWorkflow incident = start(env, worker, client, world, "rollingRestart: auto", DOWN);

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(DOWN_RESOLVED);
    IncidentReport report = result();

    assertThat(report.actions()).isEmpty();
    assertThat(report.outcome()).isEqualTo(IncidentOutcome.RECOVERED);
  }

  @Test
  void aRollbackThePolicyForbidsEscalatesWithTheEvidence(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.BAD_ROLLOUT);
    IncidentWorkflow incident = start(env, worker, client, world, "rollback: \"off\"\nrollingRestart: auto", DOWN);

    skipUntil(incident, s -> s.escalatedTo() != null);
    incident.alert(DOWN_RESOLVED);
    env.sleep(Duration.ofMinutes(11));
    IncidentReport report = result();

    assertThat(report.actions()).isEmpty();
    assertThat(world.rollbackRequests).isEmpty();
    assertThat(world.calls).doesNotContain("rollingRestart");
    assertThat(report.escalationReason()).startsWith("bad rollout, but the policy allows no rollback (rollback: OFF)")
        .contains("failures began with revision 2");
  }

  @Test
  void aRevisionOlderThanTheConfiguredBadRolloutAgeGetsTheRestartInstead(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.BAD_ROLLOUT);
    world.newestAgeSeconds = 20 * 60; // 20 min: young for the default 2 h, old for 15 min
    IncidentWorkflow incident =
        start(env, worker, client, world, "badRolloutAge: 15m\nrollback: auto\nrollingRestart: auto", DOWN);

    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(DOWN_RESOLVED);
    IncidentReport report = result();

    assertThat(results(report, ActionType.ROLLING_RESTART)).containsExactly("EXECUTED");
    assertThat(world.rollbackRequests).isEmpty();
    assertThat(events(report)).anySatisfy(e -> assertThat(e).startsWith("Cause: crash loop"));
  }

  @Test
  void onceTheLinkedPoolIncidentClosesTheCauseIsDecidedAgain(
      TestWorkflowEnvironment env, Worker worker, WorkflowClient client) {
    ServiceDownWorld world = new ServiceDownWorld(Scenario.BAD_ROLLOUT);
    world.poolIncidentOpen = true;
    IncidentWorkflow incident = start(env, worker, client, world, "rollback: auto", DOWN);
    awaitStatus(incident, s -> s.phase() == IncidentPhase.WATCHING);
    env.sleep(Duration.ofMinutes(2));
    assertThat(world.rollbackRequests).isEmpty();

    world.poolIncidentOpen = false; // the database was fixed; the service still crash-loops: the rollout is bad
    skipUntil(incident, s -> s.phase() == IncidentPhase.RECOVERED);
    incident.alert(DOWN_RESOLVED);
    IncidentReport report = result();

    assertThat(results(report, ActionType.ROLLBACK)).containsExactly("EXECUTED");
    assertThat(events(report)).contains("Linked connection-pool incident dbpool:prod:auth-service:authdb is"
        + " NOT_FOUND: deciding the cause again");
  }
}
