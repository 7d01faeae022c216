package dev.remediator.kubernetes.real;

import static dev.remediator.kubernetes.real.RealApi.BAD;
import static dev.remediator.kubernetes.real.RealApi.CONFIG;
import static dev.remediator.kubernetes.real.RealApi.GOOD;
import static dev.remediator.kubernetes.real.RealApi.NAME;
import static dev.remediator.kubernetes.real.RealApi.NS;
import static dev.remediator.kubernetes.real.RealApi.ROLLOUT;
import static dev.remediator.kubernetes.real.RealApi.TARGET;
import static dev.remediator.kubernetes.real.RealApi.admin;
import static dev.remediator.kubernetes.real.RealApi.createHealthy;
import static dev.remediator.kubernetes.real.RealApi.deployment;
import static dev.remediator.kubernetes.real.RealApi.get;
import static dev.remediator.kubernetes.real.RealApi.kubernetesActivities;
import static dev.remediator.kubernetes.real.RealApi.pods;
import static dev.remediator.kubernetes.real.RealApi.remove;
import static dev.remediator.kubernetes.real.RealApi.rolloutStub;
import static dev.remediator.kubernetes.real.RealApi.setImage;
import static dev.remediator.kubernetes.real.RealApi.targets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.kubeplane.ControlPlaneExtension;
import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import dev.remediator.kubernetes.dbpool.PoolSizeActivitiesImpl;
import dev.remediator.runbook.KubernetesActivities;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.PoolSettings.EnvValue;
import dev.remediator.runbook.dbpool.PoolSizeActivities;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pool runbook's temporary pool-size increase and its revert on a real control plane (issue 28): {@link
 * PoolSizeActivitiesImpl} with the {@code remediator-worker} ServiceAccount's token against the real API server and
 * deployment controller, on the Deployment deploy/'s Role names ({@code prod/auth-service}, as {@link
 * RealApi}; each test recreates it and removes it again). Each test failed on the code before its fix.
 */
@ExtendWith(ControlPlaneExtension.class)
class RealPoolSizeTest {
  static final String POOL = "DATABASE_POOL_SIZE";

  final TargetDirectory targets = targets(CONFIG);
  final TestActivityEnvironment env = TestActivityEnvironment.newInstance();
  KubernetesActivitiesImpl kube;
  PoolSizeActivitiesImpl poolSize;
  KubernetesActivities activity;

  @BeforeEach
  void fresh() {
    kube = kubernetesActivities(targets);
    poolSize = new PoolSizeActivitiesImpl(targets, RealApi::worker);
    activity = rolloutStub(env, kube);
    remove(NAME);
  }

  @AfterEach
  void close() {
    env.close();
    remove(NAME);
  }

  @Test
  void aPoolChangeIsRefusedWhileAnotherRolloutIsInProgress() {
    createHealthy(withPool(GOOD, "5"));
    // A release is rolling out and stuck (its image crash-loops): the rollout stays in progress.
    setImage(BAD);
    await().atMost(ROLLOUT).until(() -> {
      Deployment d = get(NAME);
      return d.getStatus() != null && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
          && d.getStatus().getUpdatedReplicas() != null && d.getStatus().getUpdatedReplicas() >= 1;
    });
    Deployment before = get(NAME);

    ApplicationFailure refused = catchThrowableOfType(
        () -> poolSize.setPoolSettings(TARGET, List.of(new EnvValue(POOL, "8"))), ApplicationFailure.class);

    assertThat(refused).as("the pool patch must not merge into the release's rollout").isNotNull();
    assertThat(refused.getType()).isEqualTo(PoolSizeActivities.ROLLOUT_IN_PROGRESS);
    assertThat(refused.isNonRetryable()).isTrue();
    assertThat(refused.getOriginalMessage())
        .startsWith("a rollout of deployment prod/auth-service is in progress: ")
        .endsWith("; the pool-size change would merge into it — try again once it has finished");
    Deployment after = get(NAME);
    assertThat(after.getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration());
    assertThat(poolOf(after)).isEqualTo("5");
    assertThat(after.getMetadata().getAnnotations())
        .doesNotContainKeys(PoolSizeActivitiesImpl.POOL_PREVIOUS, PoolSizeActivitiesImpl.POOL_SET);

    // Once the release is rolled back and its rollout finished, the same change goes through and rolls out alone.
    setImage(GOOD);
    assertThat(activity.awaitRollout(TARGET, ROLLOUT).complete()).isTrue();
    PoolSettings previous = poolSize.setPoolSettings(TARGET, List.of(new EnvValue(POOL, "8")));
    assertThat(previous.values()).contains(new EnvValue(POOL, "5"));
    assertThat(activity.awaitRollout(TARGET, ROLLOUT).complete()).isTrue();
    awaitPodsWithPool("8");
  }

  @Test
  void theRevertLeavesAnOperatorsOwnChangeAloneAndSaysSo() {
    createHealthy(withPool(GOOD, "5"));
    PoolSettings previous = poolSize.setPoolSettings(TARGET, List.of(new EnvValue(POOL, "8")));
    assertThat(activity.awaitRollout(TARGET, ROLLOUT).complete()).isTrue();
    // The operator raises it further by hand (kubectl set env), after our change.
    admin().apps().deployments().inNamespace(NS).withName(NAME).patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"" + NAME + "\",\"env\":[{\"name\":\"" + POOL
            + "\",\"value\":\"9\"}]}]}}}}");
    assertThat(activity.awaitRollout(TARGET, ROLLOUT).complete()).isTrue();
    Deployment before = get(NAME);

    PoolSettings restored = poolSize.restorePoolSettings(TARGET, previous);

    assertThat(restored.notRestored()).isEqualTo("left DATABASE_POOL_SIZE=9: changed by someone else since we set 8");
    assertThat(restored.values()).contains(new EnvValue(POOL, "9"));
    Deployment after = get(NAME);
    assertThat(poolOf(after)).isEqualTo("9");
    assertThat(after.getSpec().getTemplate()).isEqualTo(before.getSpec().getTemplate());
    assertThat(after.getMetadata().getAnnotations())
        .doesNotContainKeys(PoolSizeActivitiesImpl.POOL_PREVIOUS, PoolSizeActivitiesImpl.POOL_SET);

    // A retried revert (its first answer lost) has no record of ours left: it still leaves the operator's value.
    PoolSettings retried = poolSize.restorePoolSettings(TARGET, previous);
    assertThat(retried.notRestored()).startsWith("left DATABASE_POOL_SIZE=9: no change of ours is outstanding");
    assertThat(get(NAME).getMetadata().getGeneration()).isEqualTo(after.getMetadata().getGeneration());
    assertThat(poolOf(get(NAME))).isEqualTo("9");
  }

  @Test
  void theRevertRestoresOurOwnValueAndItsRolloutCompletes() {
    createHealthy(withPool(GOOD, "5"));
    PoolSettings previous = poolSize.setPoolSettings(TARGET, List.of(new EnvValue(POOL, "8")));
    assertThat(activity.awaitRollout(TARGET, ROLLOUT).complete()).isTrue();
    awaitPodsWithPool("8");

    PoolSettings restored = poolSize.restorePoolSettings(TARGET, previous);
    RolloutStatus rollout = activity.awaitRollout(TARGET, ROLLOUT);

    assertThat(restored.notRestored()).isNull();
    assertThat(restored.values()).contains(new EnvValue(POOL, "5"));
    assertThat(rollout.complete()).as(rollout.message()).isTrue();
    assertThat(poolOf(get(NAME))).isEqualTo("5");
    awaitPodsWithPool("5");
    assertThat(get(NAME).getMetadata().getAnnotations())
        .doesNotContainKeys(PoolSizeActivitiesImpl.POOL_PREVIOUS, PoolSizeActivitiesImpl.POOL_SET);
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------

  static Deployment withPool(String image, String pool) {
    return deployment(NAME, image)
        .editSpec().editTemplate().editSpec().editFirstContainer()
        .withEnv(new EnvVar(POOL, pool, null))
        .endContainer().endSpec().endTemplate().endSpec()
        .build();
  }

  static String poolOf(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(v -> POOL.equals(v.getName())).map(EnvVar::getValue).findFirst().orElse(null);
  }

  /** Every live pod (none terminating) of the Deployment runs with the pool size. */
  static void awaitPodsWithPool(String pool) {
    await().atMost(ROLLOUT).untilAsserted(() -> {
      List<Pod> live = pods(NAME).stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
      assertThat(live).hasSize(3).allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getEnv())
          .contains(new EnvVar(POOL, pool, null)));
    });
  }
}
