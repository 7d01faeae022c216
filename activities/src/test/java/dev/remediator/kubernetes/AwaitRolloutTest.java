package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.KubeFixture.TARGET;
import static dev.remediator.kubernetes.KubeFixture.deployment;
import static dev.remediator.kubernetes.KubeFixture.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.remediator.incident.RolloutStatus;
import dev.remediator.runbook.KubernetesActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code awaitRollout} as Temporal runs it (heartbeats, heartbeat details, cancellation), with the test as the
 * deployment controller: after a restart it completes, stalls or fails the rollout by writing status.
 */
class AwaitRolloutTest {
  final KubeFixture k8s = new KubeFixture();
  final TestActivityEnvironment env = TestActivityEnvironment.newInstance();
  final List<Long> heartbeats = new CopyOnWriteArrayList<>();
  KubernetesActivities activities;
  long generation;

  @BeforeEach
  void restarted() {
    env.registerActivitiesImplementations(k8s.activities());
    env.setActivityHeartbeatListener(Long.class, heartbeats::add);
    activities = env.newActivityStub(KubernetesActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setHeartbeatTimeout(Duration.ofSeconds(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
    k8s.create(deployment(env("DATABASE_POOL_SIZE", "20")).build());
    assertThat(k8s.activities().rollingRestart(TARGET, "req-1", Duration.ZERO).restarted()).isTrue();
    generation = k8s.get().getMetadata().getGeneration();
  }

  @AfterEach
  void close() {
    env.close();
    k8s.close();
  }

  /** Waits until the activity has looked at the deployment {@code n} more times. */
  void awaitPolls(int n) {
    long start = polls();
    await().until(() -> polls() >= start + n);
  }

  long polls() {
    return k8s.sent.stream()
        .filter(r -> r.method().equals("GET") && r.path().endsWith("/deployments/auth-service"))
        .count();
  }

  CompletableFuture<RolloutStatus> start(Duration timeout) {
    return CompletableFuture.supplyAsync(() -> activities.awaitRollout(TARGET, timeout));
  }

  @Test
  void returnsCompleteOnceTheControllerReportsEveryReplicaUpdatedAndAvailable() throws Exception {
    CompletableFuture<RolloutStatus> result = start(Duration.ofSeconds(20));

    await().until(() -> !heartbeats.isEmpty()); // waiting: spec update not yet observed
    k8s.status(generation, 4, 1, 3);
    awaitPolls(2);
    assertThat(result).isNotDone();
    k8s.status(generation, 4, 3, 3); // one old replica pending termination
    awaitPolls(2);
    assertThat(result).isNotDone();
    k8s.status(generation, 3, 3, 3);

    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(
        new RolloutStatus(true, false, 3, 3, 3, "deployment \"auth-service\" successfully rolled out"));
  }

  @Test
  void returnsFailedWhenTheProgressDeadlineIsExceeded() throws Exception {
    CompletableFuture<RolloutStatus> result = start(Duration.ofSeconds(20));

    await().until(() -> !heartbeats.isEmpty());
    k8s.status(generation, 4, 1, 3, KubeFixture.progressDeadlineExceeded());

    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(
        new RolloutStatus(false, true, 3, 1, 3, "deployment \"auth-service\" exceeded its progress deadline"));
  }

  @Test
  void aStalledRolloutTimesOutWithTheLastState() throws Exception {
    k8s.status(generation, 4, 1, 3);

    RolloutStatus status = start(Duration.ofMillis(300)).get(10, TimeUnit.SECONDS);

    assertThat(status).isEqualTo(new RolloutStatus(false, false, 3, 1, 3,
        "timed out after 300ms: Waiting for deployment \"auth-service\" rollout to finish: 1 out of 3 new replicas"
            + " have been updated..."));
    assertThat(heartbeats).isNotEmpty().allSatisfy(deadline -> assertThat(deadline).isEqualTo(heartbeats.get(0)));
  }

  @Test
  void aResumedAttemptKeepsTheFirstAttemptsDeadline() throws Exception {
    k8s.status(generation, 4, 1, 3);
    env.setHeartbeatDetails(System.currentTimeMillis() - 1); // the first attempt's deadline has passed

    RolloutStatus status = start(Duration.ofMinutes(10)).get(10, TimeUnit.SECONDS);

    assertThat(status.complete()).isFalse();
    assertThat(status.message()).startsWith("timed out after 10m: ");
    assertThat(heartbeats).isEmpty();
  }

  @Test
  void cancellationReachesTheWaitThroughItsHeartbeat() {
    CompletableFuture<RolloutStatus> result = start(Duration.ofSeconds(20));
    await().until(() -> !heartbeats.isEmpty());

    env.requestCancelActivity();

    Throwable thrown = catchThrowable(() -> result.get(10, TimeUnit.SECONDS));
    assertThat(thrown).isInstanceOf(ExecutionException.class).cause().isInstanceOf(CanceledFailure.class);
    int polls = k8s.requests().size();
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> k8s.sent.size() == 0);
    assertThat(polls).isPositive();
  }
}
