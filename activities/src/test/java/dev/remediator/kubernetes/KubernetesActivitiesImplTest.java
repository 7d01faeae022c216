package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.KubeFixture.NAME;
import static dev.remediator.kubernetes.KubeFixture.NS;
import static dev.remediator.kubernetes.KubeFixture.TARGET;
import static dev.remediator.kubernetes.KubeFixture.deployment;
import static dev.remediator.kubernetes.KubeFixture.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.kubernetes.dbpool.PoolSizeActivitiesImpl;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.PoolSettings.EnvValue;
import dev.remediator.incident.RestartResult;
import dev.remediator.incident.RolloutRevision;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KubernetesActivitiesImplTest {
  static final Duration COOLDOWN = Duration.ofMinutes(10);
  static final String DEPLOYMENT_PATH = "/apis/apps/v1/namespaces/prod/deployments/auth-service";

  final KubeFixture k8s = new KubeFixture();
  final KubernetesActivitiesImpl activities = k8s.activities();
  final PoolSizeActivitiesImpl poolSize = k8s.poolSize();

  @AfterEach
  void close() {
    k8s.close();
  }

  Deployment standard() {
    return k8s.create(deployment(env("LOG_LEVEL", "info", "DATABASE_POOL_SIZE", "20", "DATABASE_MAX_OVERFLOW", "10"))
        .build());
  }

  // ---- restart ------------------------------------------------------------------------------------------------

  @Test
  void restartSetsKubectlsAnnotationWithAJsonPatchAndTouchesNothingElse() {
    Deployment before = standard();
    Deployment other = k8s.client.apps().deployments().inNamespace("staging")
        .resource(deployment(env()).editMetadata().withNamespace("staging").endMetadata().build()).create();
    k8s.requests();
    Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    RestartResult result = activities.rollingRestart(TARGET, "req-1", COOLDOWN);

    assertThat(result.restarted()).isTrue();
    assertThat(result.refusal()).isNull();
    assertThat(result.restartedAt()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(Instant.parse(result.restartedAt())).isBetween(start, Instant.now());
    Deployment after = k8s.get();
    assertThat(after.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsExactly(Map.entry(KubernetesActivitiesImpl.RESTARTED_AT, result.restartedAt()));
    assertThat(after.getMetadata().getAnnotations())
        .containsEntry(KubernetesActivitiesImpl.RESTART_REQUEST, "req-1")
        .containsEntry(KubernetesActivitiesImpl.RESTART_REQUESTED_AT, result.restartedAt());
    assertThat(after.getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration() + 1);
    // Containers, their order and env are exactly as before: only the annotation changed in the template.
    assertThat(after.getSpec().getTemplate().getSpec())
        .isEqualTo(before.getSpec().getTemplate().getSpec());
    List<KubeFixture.Sent> patches = k8s.patches();
    assertThat(patches).hasSize(1);
    assertThat(patches.get(0).path()).isEqualTo(DEPLOYMENT_PATH);
    assertThat(patches.get(0).contentType()).startsWith("application/json-patch+json");
    assertThat(patches.get(0).body()).isEqualTo("[{\"op\":\"replace\",\"path\":\"/metadata/resourceVersion\","
        + "\"value\":\"" + before.getMetadata().getResourceVersion() + "\"},"
        + "{\"op\":\"add\",\"path\":\"/spec/template/metadata/annotations\","
        + "\"value\":{\"kubectl.kubernetes.io/restartedAt\":\"" + result.restartedAt() + "\"}},"
        + "{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"remediator.dev/restart-request\":\"req-1\","
        + "\"remediator.dev/restart-requested-at\":\"" + result.restartedAt() + "\"}}]");
    assertThat(k8s.client.apps().deployments().inNamespace("staging").withName(NAME).get().getMetadata()
        .getResourceVersion()).isEqualTo(other.getMetadata().getResourceVersion());
  }

  @Test
  void aRetriedRestartRequestDoesNotRestartTwice() {
    standard();
    RestartResult first = activities.rollingRestart(TARGET, "req-1", COOLDOWN);
    String version = k8s.get().getMetadata().getResourceVersion();
    k8s.requests();

    // The retry arrives while the first restart is still rolling out (and within the cooldown): it is the same
    // restart, reported as done, not refused and not repeated.
    RestartResult retry = activities.rollingRestart(TARGET, "req-1", COOLDOWN);

    assertThat(retry).isEqualTo(first);
    assertThat(k8s.patches()).isEmpty();
    assertThat(k8s.get().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void aFinishedRolloutWhosePodsCrashSinceIsNotInProgress() {
    standard();
    long generation = k8s.get().getMetadata().getGeneration();
    // The controller is still handing over (what the real one reports while new pods are not yet available).
    k8s.status(generation, 3, 3, 1, progressing("ReplicaSetUpdated"));
    assertThat(activities.rollingRestart(TARGET, "req-1", Duration.ZERO).refusal())
        .isEqualTo("a rollout of deployment prod/auth-service is in progress: Waiting for deployment \"auth-service\""
            + " rollout to finish: 1 of 3 updated replicas are available...");

    // The rollout finished (NewReplicaSetAvailable stays), then the pods started crash-looping: restart them.
    k8s.status(generation, 3, 3, 0, progressing("NewReplicaSetAvailable"));
    RestartResult restart = activities.rollingRestart(TARGET, "req-1", Duration.ZERO);
    assertThat(restart.refusal()).isNull();
    assertThat(restart.restarted()).isTrue();
  }

  static io.fabric8.kubernetes.api.model.apps.DeploymentCondition progressing(String reason) {
    return new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
        .withType("Progressing").withStatus("True").withReason(reason).build();
  }

  @Test
  void restartIsRefusedWhileARolloutIsInProgress() {
    standard();
    activities.rollingRestart(TARGET, "req-1", Duration.ZERO);

    RestartResult unobserved = activities.rollingRestart(TARGET, "req-2", Duration.ZERO);
    assertThat(unobserved.restarted()).isFalse();
    assertThat(unobserved.refusal())
        .isEqualTo("a rollout of deployment prod/auth-service is in progress: "
            + "Waiting for deployment spec update to be observed...");

    k8s.status(k8s.get().getMetadata().getGeneration(), 4, 1, 3);
    assertThat(activities.rollingRestart(TARGET, "req-2", Duration.ZERO).refusal())
        .endsWith("Waiting for deployment \"auth-service\" rollout to finish: 1 out of 3 new replicas have been"
            + " updated...");

    k8s.status(k8s.get().getMetadata().getGeneration(), 4, 3, 3);
    assertThat(activities.rollingRestart(TARGET, "req-2", Duration.ZERO).refusal())
        .endsWith("1 old replicas are pending termination...");

    k8s.rolledOut();
    assertThat(activities.rollingRestart(TARGET, "req-2", Duration.ZERO).restarted()).isTrue();
  }

  @Test
  void restartIsRefusedWithinTheCooldownOfTheLastRestartWhoeverMadeIt() {
    // kubectl writes time.Now().Format(time.RFC3339): local time with its offset.
    String fiveMinutesAgo = OffsetDateTime.now(ZoneOffset.ofHours(2)).minusMinutes(5)
        .truncatedTo(ChronoUnit.SECONDS).toString();
    k8s.create(deployment(env()).editSpec().editTemplate().editMetadata()
        .addToAnnotations(KubernetesActivitiesImpl.RESTARTED_AT, fiveMinutesAgo)
        .endMetadata().endTemplate().endSpec().build());
    String version = k8s.get().getMetadata().getResourceVersion();

    RestartResult refused = activities.rollingRestart(TARGET, "req-1", COOLDOWN);

    assertThat(refused.restarted()).isFalse();
    assertThat(refused.refusal())
        .matches("deployment prod/auth-service was restarted at \\Q" + fiveMinutesAgo + "\\E, 5m[0-9]s ago; the cooldown"
            + " is 10m, next restart allowed after \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(k8s.get().getMetadata().getResourceVersion()).isEqualTo(version);

    RestartResult shorter = activities.rollingRestart(TARGET, "req-1", Duration.ofMinutes(4));
    assertThat(shorter.restarted()).isTrue();
  }

  @Test
  void restartIsRefusedForAPausedDeploymentOrAFailedRollout() {
    standard();
    k8s.status(k8s.get().getMetadata().getGeneration(), 3, 1, 1, KubeFixture.progressDeadlineExceeded());
    assertThat(activities.rollingRestart(TARGET, "req-1", COOLDOWN).refusal())
        .isEqualTo("the last rollout of deployment prod/auth-service failed (deployment \"auth-service\" exceeded"
            + " its progress deadline); a restart would not help — escalate");

    k8s.client.apps().deployments().inNamespace(NS).withName(NAME).edit(d -> {
      d.getSpec().setPaused(true);
      return d;
    });
    k8s.rolledOut();
    assertThat(activities.rollingRestart(TARGET, "req-1", COOLDOWN).refusal())
        .startsWith("deployment prod/auth-service is paused");
    assertThat(k8s.get().getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void targetsOutsideTheConfigurationAreRefusedBeforeAnyCall() {
    standard();
    k8s.requests();

    ApplicationFailure unknown = catchThrowableOfType(ApplicationFailure.class,
        () -> activities.rollingRestart(KubeFixture.UNCONFIGURED, "req-1", COOLDOWN));
    ApplicationFailure noKubernetes = catchThrowableOfType(ApplicationFailure.class,
        () -> poolSize.setPoolSettings(KubeFixture.WITHOUT_KUBERNETES,
            List.of(new EnvValue("DATABASE_POOL_SIZE", "100"))));

    assertThat(unknown.getType()).isEqualTo(TargetDirectory.UNKNOWN_TARGET);
    assertThat(unknown.isNonRetryable()).isTrue();
    assertThat(noKubernetes.getType()).isEqualTo(Deployments.NOT_CONFIGURED);
    assertThat(noKubernetes.getOriginalMessage())
        .isEqualTo("target prod/billing/billingdb has no kubernetes.deployment configured; refusing to act on the"
            + " cluster");
    assertThat(k8s.requests()).isEmpty();
  }

  // ---- pool settings ------------------------------------------------------------------------------------------

  @Test
  void poolIncreaseAndRevertRoundTripRestoresTheContainerExactly() {
    Deployment before = standard();

    assertThat(poolSize.poolSettings(TARGET)).isEqualTo(new PoolSettings(3, List.of(
        new EnvValue("DATABASE_POOL_SIZE", "20"), new EnvValue("DATABASE_MAX_OVERFLOW", "10"))));

    PoolSettings previous = poolSize.setPoolSettings(TARGET, List.of(
        new EnvValue("DATABASE_POOL_SIZE", "100"), new EnvValue("DATABASE_MAX_OVERFLOW", "150")));

    assertThat(previous).isEqualTo(new PoolSettings(3, List.of(
        new EnvValue("DATABASE_POOL_SIZE", "20"), new EnvValue("DATABASE_MAX_OVERFLOW", "10"))));
    assertThat(envOf(k8s.get())).containsExactly(
        new EnvVar("LOG_LEVEL", "info", null),
        new EnvVar("DATABASE_POOL_SIZE", "100", null),
        new EnvVar("DATABASE_MAX_OVERFLOW", "150", null));
    assertThat(k8s.get().getSpec().getTemplate().getSpec().getContainers()).extracting("name")
        .containsExactly("istio-proxy", NAME);
    assertThat(k8s.get().getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration() + 1);

    PoolSettings restored = poolSize.restorePoolSettings(TARGET, previous);

    assertThat(restored).isEqualTo(previous);
    Deployment after = k8s.get();
    assertThat(after.getSpec().getTemplate()).isEqualTo(before.getSpec().getTemplate());
    assertThat(after.getMetadata().getAnnotations()).doesNotContainKey(PoolSizeActivitiesImpl.POOL_PREVIOUS);

    // Idempotent: restoring again changes nothing and sends no patch.
    String version = after.getMetadata().getResourceVersion();
    k8s.requests();
    assertThat(poolSize.restorePoolSettings(TARGET, previous)).isEqualTo(previous);
    assertThat(k8s.patches()).isEmpty();
    assertThat(k8s.get().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void aVarThatWasAbsentIsRemovedAgainOnRevert() {
    Deployment before = k8s.create(deployment(env("DATABASE_POOL_SIZE", "20", "LOG_LEVEL", "info")).build());

    PoolSettings previous = poolSize.setPoolSettings(TARGET, List.of(
        new EnvValue("DATABASE_MAX_OVERFLOW", "40"), new EnvValue("DATABASE_POOL_SIZE", "30")));

    assertThat(previous.values()).containsExactly(
        new EnvValue("DATABASE_MAX_OVERFLOW", null), new EnvValue("DATABASE_POOL_SIZE", "20"));
    assertThat(envOf(k8s.get())).containsExactly(
        new EnvVar("DATABASE_POOL_SIZE", "30", null),
        new EnvVar("LOG_LEVEL", "info", null),
        new EnvVar("DATABASE_MAX_OVERFLOW", "40", null));

    poolSize.restorePoolSettings(TARGET, previous);

    assertThat(envOf(k8s.get())).isEqualTo(envOf(before));
    assertThat(poolSize.poolSettings(TARGET).values()).containsExactly(
        new EnvValue("DATABASE_POOL_SIZE", "20"), new EnvValue("DATABASE_MAX_OVERFLOW", null));
  }

  @Test
  void aContainerWithoutEnvGetsOneAndLosesItOnRevert() {
    k8s.create(deployment(null).build());

    PoolSettings previous = poolSize.setPoolSettings(TARGET, List.of(new EnvValue("DATABASE_POOL_SIZE", "50")));

    assertThat(previous.values()).containsExactly(new EnvValue("DATABASE_POOL_SIZE", null));
    assertThat(envOf(k8s.get())).containsExactly(new EnvVar("DATABASE_POOL_SIZE", "50", null));
    poolSize.restorePoolSettings(TARGET, previous);
    assertThat(envOf(k8s.get())).isEmpty();
  }

  @Test
  void repeatedOrRetriedIncreasesStillRevertToTheOriginalValues() {
    Deployment before = standard();
    List<EnvValue> increase = List.of(new EnvValue("DATABASE_POOL_SIZE", "100"));

    PoolSettings first = poolSize.setPoolSettings(TARGET, increase);
    PoolSettings retried = poolSize.setPoolSettings(TARGET, increase); // during its own rollout: no change
    k8s.rolledOut(); // a further increase waits until the first one has rolled out
    PoolSettings further = poolSize.setPoolSettings(TARGET, List.of(new EnvValue("DATABASE_POOL_SIZE", "120")));

    assertThat(first.values()).containsExactly(new EnvValue("DATABASE_POOL_SIZE", "20"));
    assertThat(retried).isEqualTo(first);
    assertThat(further).isEqualTo(first);
    assertThat(envOf(k8s.get())).contains(new EnvVar("DATABASE_POOL_SIZE", "120", null));

    poolSize.restorePoolSettings(TARGET, retried);

    assertThat(k8s.get().getSpec().getTemplate()).isEqualTo(before.getSpec().getTemplate());
  }

  @Test
  void badPoolChangesAreRefusedAndChangeNothing() {
    k8s.create(deployment(List.of(
        new EnvVar("DATABASE_POOL_SIZE", "20", null),
        new EnvVarBuilder().withName("DATABASE_MAX_OVERFLOW")
            .withNewValueFrom().withNewConfigMapKeyRef("overflow", "pool", false).endValueFrom().build()))
        .build());
    k8s.requests();

    assertThatThrownBy(() -> poolSize.setPoolSettings(TARGET, List.of(new EnvValue("PATH", "/tmp"))))
        .extracting(t -> ((ApplicationFailure) t).getOriginalMessage())
        .isEqualTo("only the configured pool env vars [DATABASE_POOL_SIZE, DATABASE_MAX_OVERFLOW] may be changed,"
            + " not PATH");
    assertThatThrownBy(() -> poolSize.setPoolSettings(TARGET, List.of(new EnvValue("DATABASE_POOL_SIZE", "-5"))))
        .extracting(t -> ((ApplicationFailure) t).getOriginalMessage())
        .isEqualTo("DATABASE_POOL_SIZE must be a positive integer (at most 6 digits), got '-5'");
    assertThatThrownBy(() -> poolSize.setPoolSettings(TARGET, List.of(
            new EnvValue("DATABASE_POOL_SIZE", "40"), new EnvValue("DATABASE_MAX_OVERFLOW", "60"))))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("DATABASE_MAX_OVERFLOW on container auth-service of deployment prod/auth-service"
            + " comes from a ConfigMap or Secret (valueFrom)");
    assertThat(k8s.patches()).isEmpty();
  }

  // ---- history ------------------------------------------------------------------------------------------------

  @Test
  void recentChangesAreTheDeploymentsOwnReplicaSetsNewestFirst() {
    Deployment d = standard();
    replicaSet("auth-service-5f7c", d, 1, "registry.example/auth-service:2.3.0", null, 0);
    replicaSet("auth-service-6b8d", d, 3, "registry.example/auth-service:2.4.1",
        "upgrade SQLAlchemy to 2.0 (#1234)", 3);
    replicaSet("auth-service-79aa", d, 2, "registry.example/auth-service:2.4.0", "add session cache", 0);
    Deployment stranger = new Deployment();
    stranger.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName("auth-service-canary").withUid("other-uid").build());
    replicaSet("auth-service-canary-1", stranger, 9, "registry.example/auth-service:3.0.0", "canary", 1);

    List<RolloutRevision> changes = activities.recentChanges(TARGET, 2);

    assertThat(changes).extracting(RolloutRevision::revision).containsExactly(3L, 2L);
    RolloutRevision newest = changes.get(0);
    assertThat(newest.changeCause()).isEqualTo("upgrade SQLAlchemy to 2.0 (#1234)");
    assertThat(newest.images()).containsExactly("istio/proxyv2:1.22", "registry.example/auth-service:2.4.1");
    assertThat(newest.replicas()).isEqualTo(3);
    assertThat(newest.createdAt()).isNotBlank();
    assertThat(activities.recentChanges(TARGET, 10)).hasSize(3);
  }

  void replicaSet(String name, Deployment owner, long revision, String image, String cause, int replicas) {
    var meta = new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(name).withNamespace(NS).addToLabels("app", NAME)
        .addToAnnotations(Deployments.REVISION, Long.toString(revision))
        .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment")
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true)
        .endOwnerReference();
    if (cause != null) {
      meta.addToAnnotations(Deployments.CHANGE_CAUSE, cause);
    }
    k8s.client.apps().replicaSets().inNamespace(NS).resource(new ReplicaSetBuilder()
        .withMetadata(meta.build())
        .withNewSpec().withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", NAME).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", NAME).endMetadata()
        .withNewSpec()
        .addNewContainer().withName("istio-proxy").withImage("istio/proxyv2:1.22").endContainer()
        .addNewContainer().withName(NAME).withImage(image).endContainer()
        .endSpec().endTemplate().endSpec()
        .build()).create();
  }

  // ---- API errors ---------------------------------------------------------------------------------------------

  @Test
  void forbiddenNamesTheMissingRbacVerbAndIsNotRetried() {
    standard();
    k8s.server.expect().patch().withPath(DEPLOYMENT_PATH).andReturn(403, forbidden("patch", "deployments", "apps"))
        .always();

    ApplicationFailure f = catchThrowableOfType(ApplicationFailure.class,
        () -> activities.rollingRestart(TARGET, "req-1", COOLDOWN));

    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getType()).isEqualTo(KubeCalls.FORBIDDEN);
    assertThat(f.getOriginalMessage())
        .startsWith("forbidden: cannot patch deployments.apps in namespace prod — grant verb patch on"
            + " deployments.apps in namespace prod to Remediator's service account")
        .contains("User \"system:serviceaccount:remediator:remediator\" cannot patch resource \"deployments\"");
    assertThat(k8s.get().getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void forbiddenLogsAndPodListsNameTheirVerbToo() {
    standard();
    k8s.pod("auth-service-a", Map.of("app", NAME));
    k8s.server.expect().get().withPath(LogsTest.logPath("auth-service-a"))
        .andReturn(403, forbidden("get", "pods/log", "")).always();
    assertThat(catchThrowableOfType(ApplicationFailure.class,
        () -> activities.errorLogs(TARGET, Duration.ofMinutes(30))).getOriginalMessage())
        .startsWith("forbidden: cannot get pods/log in namespace prod — grant verb get");

    k8s.server.expect().get().withPath("/api/v1/namespaces/prod/pods?labelSelector=app%3Dauth-service")
        .andReturn(403, forbidden("list", "pods", "")).always();
    assertThat(catchThrowableOfType(ApplicationFailure.class,
        () -> activities.errorLogs(TARGET, Duration.ofMinutes(30))).getOriginalMessage())
        .startsWith("forbidden: cannot list pods in namespace prod — grant verb list");
  }

  @Test
  void unauthorizedAndMissingDeploymentsAreNotRetried() {
    ApplicationFailure missing = catchThrowableOfType(ApplicationFailure.class,
        () -> poolSize.poolSettings(TARGET));
    assertThat(missing.isNonRetryable()).isTrue();
    assertThat(missing.getType()).isEqualTo(KubeCalls.NOT_FOUND);
    assertThat(missing.getOriginalMessage())
        .isEqualTo("not found: deployments.apps auth-service in namespace prod (404); check targets[].kubernetes in"
            + " the configuration");

    k8s.server.expect().get().withPath(DEPLOYMENT_PATH)
        .andReturn(401, new StatusBuilder().withCode(401).withReason("Unauthorized").withMessage("Unauthorized")
            .build())
        .always();
    ApplicationFailure unauthorized = catchThrowableOfType(ApplicationFailure.class,
        () -> poolSize.poolSettings(TARGET));
    assertThat(unauthorized.isNonRetryable()).isTrue();
    assertThat(unauthorized.getOriginalMessage()).startsWith(
        "unauthorized: the Kubernetes API rejected Remediator's credentials (401) when trying to get"
            + " deployments.apps auth-service in namespace prod");
  }

  @Test
  void serverErrorsAreRetryable() {
    k8s.server.expect().get().withPath(DEPLOYMENT_PATH).andReturn(503, "etcd leader changed").always();

    ApplicationFailure f = catchThrowableOfType(ApplicationFailure.class,
        () -> activities.rollingRestart(TARGET, "req-1", COOLDOWN));

    assertThat(f.isNonRetryable()).isFalse();
    assertThat(f.getType()).isEqualTo(KubeCalls.UNAVAILABLE);
    assertThat(f.getOriginalMessage())
        .startsWith("Kubernetes API unavailable when trying to get deployments.apps auth-service in namespace prod"
            + " (HTTP 503)");
  }

  @Test
  void anUnreachableApiServerIsRetryable() {
    int port = k8s.server.getPort();
    k8s.close();
    var client = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
            .withMasterUrl("http://127.0.0.1:" + port).withRequestRetryBackoffLimit(0)
            .withConnectionTimeout(1000).withRequestTimeout(1000).build())
        .build();
    try {
      var offline = new PoolSizeActivitiesImpl(k8s.targets, () -> client);
      ApplicationFailure f = catchThrowableOfType(ApplicationFailure.class, () -> offline.poolSettings(TARGET));
      assertThat(f.isNonRetryable()).as(f.toString()).isFalse();
      assertThat(f.getType()).isEqualTo(KubeCalls.UNAVAILABLE);
    } finally {
      client.close();
    }
  }

  static io.fabric8.kubernetes.api.model.Status forbidden(String verb, String resource, String group) {
    String message = "User \"system:serviceaccount:remediator:remediator\" cannot " + verb + " resource \""
        + resource + "\" in API group \"" + group + "\" in the namespace \"prod\"";
    return new StatusBuilder().withKind("Status").withApiVersion("v1").withStatus("Failure").withCode(403)
        .withReason("Forbidden").withMessage(message).build();
  }

  static List<EnvVar> envOf(Deployment d) {
    List<EnvVar> env = d.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(NAME)).findFirst().orElseThrow().getEnv();
    return env == null ? List.of() : new ArrayList<>(env);
  }

  static List<String> list(String... s) {
    return Arrays.asList(s);
  }
}
