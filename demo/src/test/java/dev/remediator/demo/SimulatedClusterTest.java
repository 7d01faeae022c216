package dev.remediator.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.LogSummary;
import dev.remediator.runbook.dbpool.PoolSettings;
import dev.remediator.runbook.dbpool.PoolSettings.EnvValue;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.incident.RolloutStatus;
import dev.remediator.incident.Target;
import dev.remediator.kubernetes.KubernetesActivitiesImpl;
import dev.remediator.kubernetes.dbpool.PoolSizeActivitiesImpl;
import dev.remediator.runbook.KubernetesActivities;
import dev.remediator.runbook.dbpool.PoolSizeActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The demo's simulated cluster driven by the real Kubernetes activities, as the worker would drive it. */
class SimulatedClusterTest {
  static final Target TARGET = new Target("prod", "auth-service", "authdb");
  static final Duration WINDOW = Duration.ofMinutes(30);

  SimulatedCluster cluster;
  TestActivityEnvironment env;
  KubernetesActivities activities;
  PoolSizeActivities poolSize;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.start();
    TargetDirectory targets = new TargetDirectory(ConfigLoader.parse("""
        targets:
          - service: auth-service
            namespace: prod
            database: authdb
            postgres: {url: "jdbc:postgresql://db/authdb", user: remediator}
            %s
        """.formatted(SimulatedCluster.TARGET_YAML), "test"));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new KubernetesActivitiesImpl(targets, cluster::client, Duration.ofMillis(100)),
        new PoolSizeActivitiesImpl(targets, cluster::client));
    ActivityOptions options = ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setHeartbeatTimeout(Duration.ofSeconds(5))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build();
    activities = env.newActivityStub(KubernetesActivities.class, options);
    poolSize = env.newActivityStub(PoolSizeActivities.class, options);
  }

  @AfterEach
  void stop() {
    env.close();
    cluster.close();
  }

  @Test
  void holdsAuthServiceWithItsPoolSettingsHistoryAndErroringPods() {
    assertThat(poolSize.poolSettings(TARGET)).isEqualTo(new PoolSettings(3, List.of(
        new EnvValue("DATABASE_POOL_SIZE", "20"), new EnvValue("DATABASE_MAX_OVERFLOW", "10"))));
    assertThat(activities.recentChanges(TARGET, 5)).extracting(RolloutRevision::revision, RolloutRevision::replicas)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, 3), org.assertj.core.groups.Tuple.tuple(1L, 0));

    LogSummary logs = activities.errorLogs(TARGET, WINDOW);

    assertThat(logs.pods()).isEqualTo(3);
    assertThat(logs.linesScanned()).isEqualTo(3 * 75);
    assertThat(logs.counts()).containsExactly(
        Map.entry("Connection pool exhausted", 3 * 7),
        Map.entry("Connection timeout", 3 * 8),
        Map.entry("Too many connections", 3),
        Map.entry("connection|pool|timeout|database", 3 * (7 + 8 + 8 + 7 + 1)));
    assertThat(String.join("\n", logs.samples())).contains("postgresql://auth_service:***@")
        .doesNotContain("demo-s3cret");
    // Nothing rolls out by itself.
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2))
        .until(() -> cluster.completedRollouts() == 0);
    assertThat(activities.recentChanges(TARGET, 5)).hasSize(2);
  }

  @Test
  void aRestartRollsOutANewRevisionOfHealthyPods() {
    assertThat(activities.rollingRestart(TARGET, "demo-restart-1", Duration.ofMinutes(10)).restarted()).isTrue();

    RolloutStatus status = activities.awaitRollout(TARGET, Duration.ofSeconds(20));

    assertThat(status).isEqualTo(
        new RolloutStatus(true, false, 3, 3, 3, "deployment \"auth-service\" successfully rolled out"));
    assertThat(cluster.completedRollouts()).isEqualTo(1);
    assertThat(activities.recentChanges(TARGET, 5)).extracting(RolloutRevision::revision)
        .containsExactly(3L, 2L, 1L);
    LogSummary logs = activities.errorLogs(TARGET, WINDOW);
    assertThat(logs.pods()).isEqualTo(3);
    assertThat(logs.counts()).containsEntry("Connection pool exhausted", 0);
    assertThat(activities.rollingRestart(TARGET, "demo-restart-2", Duration.ofMinutes(10)).refusal())
        .contains("the cooldown is 10m");
  }

  @Test
  void aPoolIncreaseRollsOutAndItsRevertRestoresTheOriginalEnv() {
    Map<String, String> original = cluster.env();

    PoolSettings previous = poolSize.setPoolSettings(TARGET, List.of(
        new EnvValue("DATABASE_POOL_SIZE", "40"), new EnvValue("DATABASE_MAX_OVERFLOW", "60")));
    assertThat(activities.awaitRollout(TARGET, Duration.ofSeconds(20)).complete()).isTrue();

    assertThat(cluster.env()).containsEntry("DATABASE_POOL_SIZE", "40").containsEntry("DATABASE_MAX_OVERFLOW", "60");
    assertThat(activities.errorLogs(TARGET, WINDOW).samples())
        .anySatisfy(s -> assertThat(s).contains("database pool ready (size=40, overflow=60)"));

    poolSize.restorePoolSettings(TARGET, previous);
    assertThat(activities.awaitRollout(TARGET, Duration.ofSeconds(20)).complete()).isTrue();

    assertThat(cluster.env()).isEqualTo(original);
    assertThat(cluster.completedRollouts()).isEqualTo(2);
  }
}
