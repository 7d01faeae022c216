package dev.remediator.runbook.servicedown;

import static dev.remediator.runbook.servicedown.ServiceDownCause.BAD_ROLLOUT;
import static dev.remediator.runbook.servicedown.ServiceDownCause.CRASH_LOOP;
import static dev.remediator.runbook.servicedown.ServiceDownCause.DEPENDENCY_DOWN;
import static dev.remediator.runbook.servicedown.ServiceDownCause.IMAGE_OR_CONFIG;
import static dev.remediator.runbook.servicedown.ServiceDownCause.OUT_OF_MEMORY;
import static dev.remediator.runbook.servicedown.ServiceDownCause.UNKNOWN;
import static dev.remediator.runbook.servicedown.ServiceDownCause.UNSCHEDULABLE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runbook's "Decide the Cause" table, row by row, and the rows' precedence. */
class ServiceDownDiagnosisTest {
  static final Duration AGE = Duration.ofHours(2);
  static final CrashLogs NO_LOGS = new CrashLogs(0, 0, Map.of(), List.of());

  static ServiceDownDiagnosis.Finding diagnose(Workloads w, CrashLogs logs) {
    return ServiceDownDiagnosis.diagnose(w.build(), logs, null, AGE);
  }

  static CrashLogs logs(String pattern, int count, String sample) {
    return new CrashLogs(2, 40, Map.of(pattern, count), List.of(sample));
  }

  @Test
  void aYoungRevisionWhoseOwnPodsCrashWhileThePreviousServesIsABadRollout() {
    Workloads w = Workloads.twoRevisions(600).crashing("a", 2, "Error", 1).crashing("b", 2, "Error", 1)
        .healthy("c", 1);

    ServiceDownDiagnosis.Finding f = diagnose(w, NO_LOGS);

    assertThat(f.cause()).isEqualTo(BAD_ROLLOUT);
    assertThat(f.badRevision()).isEqualTo(2);
    assertThat(f.evidence()).startsWith(
        "failures began with revision 2, rolled out 10 min ago: image auth-service: " + Workloads.GOOD + " -> "
            + Workloads.BAD,
        "previous revision 1 healthy: no failing pod, 1 ready pod(s) still serving");
    assertThat(f.evidence().get(2)).isEqualTo("a/auth-service: CrashLoopBackOff, 5 restart(s), last exit Error/1");
  }

  /** Revision 3 (a restart of the BAD template, 30 s old) over {@link Workloads#twoRevisions}. */
  static Workloads restartedBadRollout() {
    Workloads w = Workloads.twoRevisions(600);
    w.history.add(0, new WorkloadStatus.Revision(3, "auth-service-6c5b4a3f2", "2026-11-29T20:09:30Z", 30, null,
        List.of(Workloads.BAD), 3, 0, List.of("rollout restart (kubectl.kubernetes.io/restartedAt"
            + " 2026-11-29T20:09:30Z)"), true));
    w.currentRevision = 3;
    return w;
  }

  @Test
  void aRestartOfTheBadRolloutDoesNotMakeItLookHealthy() {
    // The controller scaled revision 2's ReplicaSet to 0 for the restart: its template is still the bad change.
    Workloads w = restartedBadRollout().crashing("a", 3, "Error", 1).crashing("b", 3, "Error", 1).healthy("c", 1);

    ServiceDownDiagnosis.Finding f = diagnose(w, NO_LOGS);

    assertThat(f.cause()).isEqualTo(BAD_ROLLOUT);
    assertThat(f.badRevision()).isEqualTo(3); // the rollback's identity check: the Deployment is at 3
    assertThat(f.evidence()).startsWith(
        "failures began with revision 2, rolled out 10 min ago: image auth-service: " + Workloads.GOOD + " -> "
            + Workloads.BAD,
        "revision(s) 3 (rollout restart (kubectl.kubernetes.io/restartedAt 2026-11-29T20:09:30Z)) since: the same"
            + " template restarted or resized, still failing",
        "previous revision 1 healthy: no failing pod, 1 ready pod(s) still serving");
    assertThat(f.evidence()).noneMatch(e -> e.contains("previous revision 2"));

    // Restarts all the way down to the oldest revision: no change to blame, a crash loop.
    Workloads restartsOnly = restartedBadRollout().crashing("a", 3, "Error", 1);
    WorkloadStatus.Revision two = restartsOnly.history.get(1);
    restartsOnly.history.set(1, new WorkloadStatus.Revision(two.revision(), two.replicaSet(), two.createdAt(),
        two.ageSeconds(), null, two.images(), two.replicas(), two.readyReplicas(), two.changes(), true));
    assertThat(diagnose(restartsOnly, NO_LOGS).cause()).isEqualTo(CRASH_LOOP);
  }

  @Test
  void failedPodsCountAsFailing() {
    // An evicted pod: phase Failed, its container terminated, nothing waiting to restart.
    Workloads w = Workloads.twoRevisions(600).pod("e", 2, "Failed",
        new WorkloadStatus.ContainerState("auth-service", false, 0, null, null, "Error", 137)).healthy("c", 1);
    w.ready = 1;

    ServiceDownDiagnosis.Finding f = diagnose(w, NO_LOGS);

    assertThat(f.cause()).isEqualTo(BAD_ROLLOUT);
    assertThat(f.evidence()).contains("e: pod Failed, 0 restart(s)");
  }

  @Test
  void anOldRevisionOrOneWithoutPredecessorOrFailingOldPodsIsACrashLoop() {
    assertThat(diagnose(Workloads.twoRevisions(3 * 3600).crashing("a", 2, "Error", 1), NO_LOGS).cause())
        .isEqualTo(CRASH_LOOP);
    Workloads single = Workloads.twoRevisions(60).crashing("a", 2, "Error", 1);
    single.history.remove(1);
    ServiceDownDiagnosis.Finding f = diagnose(single, NO_LOGS);
    assertThat(f.cause()).isEqualTo(CRASH_LOOP);
    assertThat(f.evidence()).contains("not a bad rollout: newest revision 2 is 1 min old, no previous revision");
    assertThat(diagnose(Workloads.twoRevisions(60).crashing("a", 2, "Error", 1).crashing("b", 1, "Error", 1),
        NO_LOGS).cause()).isEqualTo(CRASH_LOOP);
    // The Deployment moved on to a revision the history does not show as newest (a rollback made by hand).
    Workloads moved = Workloads.twoRevisions(60).crashing("a", 2, "Error", 1);
    moved.currentRevision = 3;
    assertThat(diagnose(moved, NO_LOGS).cause()).isEqualTo(CRASH_LOOP);
  }

  @Test
  void imageAndConfigurationErrorsWinOverARecentRollout() {
    ServiceDownDiagnosis.Finding f =
        diagnose(Workloads.twoRevisions(60).waiting("a", 2, "ImagePullBackOff").healthy("c", 1), NO_LOGS);
    assertThat(f.cause()).isEqualTo(IMAGE_OR_CONFIG);
    assertThat(f.cause().actionable()).isFalse();
    assertThat(f.evidence()).containsExactly("a/auth-service waiting: ImagePullBackOff (details)");
    assertThat(diagnose(Workloads.twoRevisions(60).waiting("a", 2, "CreateContainerConfigError"), NO_LOGS).cause())
        .isEqualTo(IMAGE_OR_CONFIG);
  }

  @Test
  void pendingPodsWithFailedSchedulingAreUnschedulable() {
    Workloads w = Workloads.twoRevisions(60).pod("p", 2, "Pending",
            new dev.remediator.runbook.servicedown.WorkloadStatus.ContainerState("auth-service", false, 0, null, null,
                null, null))
        .event("FailedScheduling", "Pod/p", "0/3 nodes are available: 3 Insufficient memory.");
    ServiceDownDiagnosis.Finding f = diagnose(w, NO_LOGS);
    assertThat(f.cause()).isEqualTo(UNSCHEDULABLE);
    assertThat(f.evidence()).containsExactly(
        "Pod/p FailedScheduling ×3: 0/3 nodes are available: 3 Insufficient memory.");
    // A FailedScheduling event of a pod that has been scheduled since is history, not the cause.
    Workloads scheduled = Workloads.twoRevisions(60).healthy("p", 2)
        .event("FailedScheduling", "Pod/p", "0/3 nodes are available");
    assertThat(diagnose(scheduled, NO_LOGS).cause()).isEqualTo(UNKNOWN);
  }

  @Test
  void oomKilledOrOutOfMemoryLogsAreOutOfMemoryEvenInAYoungRevision() {
    ServiceDownDiagnosis.Finding f =
        diagnose(Workloads.twoRevisions(60).crashing("a", 2, "OOMKilled", 137).healthy("c", 1), NO_LOGS);
    assertThat(f.cause()).isEqualTo(OUT_OF_MEMORY);
    assertThat(f.evidence()).containsExactly("a/auth-service last terminated OOMKilled (exit code 137), 5 restart(s)");
    assertThat(diagnose(Workloads.twoRevisions(9000).crashing("a", 2, "Error", 1),
        logs(CrashLogs.OUT_OF_MEMORY, 2, "a/auth-service: java.lang.OutOfMemoryError: Java heap space")).cause())
        .isEqualTo(OUT_OF_MEMORY);
  }

  @Test
  void databaseErrorsInThePreviousLogsOrAnOpenPoolIncidentAreADependencyDown() {
    ServiceDownDiagnosis.Finding f = diagnose(Workloads.twoRevisions(60).crashing("a", 2, "Error", 1),
        logs(CrashLogs.DATABASE, 4, "a/auth-service: FATAL could not connect to server: Connection refused"));
    assertThat(f.cause()).isEqualTo(DEPENDENCY_DOWN);
    assertThat(f.evidence().get(0)).isEqualTo("4 database connection error(s) in the crashed containers' previous"
        + " logs, e.g. a/auth-service: FATAL could not connect to server: Connection refused");

    ServiceDownDiagnosis.Finding linked = ServiceDownDiagnosis.diagnose(
        Workloads.twoRevisions(60).crashing("a", 2, "OOMKilled", 137).build(), NO_LOGS,
        new RelatedIncident("dbpool:prod:auth-service:authdb", true, "RUNNING"), AGE);
    assertThat(linked.cause()).isEqualTo(DEPENDENCY_DOWN);
    assertThat(linked.evidence()).containsExactly("connection-pool incident dbpool:prod:auth-service:authdb is open:"
        + " the database is the problem; linked, acting on nothing here");
    assertThat(ServiceDownDiagnosis.diagnose(Workloads.twoRevisions(60).crashing("a", 2, "Error", 1).build(),
        NO_LOGS, new RelatedIncident("dbpool:prod:auth-service:authdb", false, "COMPLETED"), AGE).cause())
        .isEqualTo(BAD_ROLLOUT);
  }

  @Test
  void aDeploymentWithoutFailingContainersIsUnknownAndNamesWhereToLook() {
    ServiceDownDiagnosis.Finding f = diagnose(Workloads.twoRevisions(60).healthy("a", 2), NO_LOGS);
    assertThat(f.cause()).isEqualTo(UNKNOWN);
    assertThat(f.evidence()).containsExactly("3 of 3 replicas ready, 3 available; no container crashing: check the"
        + " Service, its endpoints, ingress and network");
  }

  @Test
  void onlyBadRolloutAndCrashLoopAreActedOn() {
    assertThat(List.of(ServiceDownCause.values())).filteredOn(ServiceDownCause::actionable)
        .containsExactly(BAD_ROLLOUT, CRASH_LOOP);
  }
}
