package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.KubeFixture.NAME;
import static dev.remediator.kubernetes.KubeFixture.TARGET;
import static dev.remediator.kubernetes.KubeFixture.deployment;
import static dev.remediator.kubernetes.KubeFixture.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.remediator.incident.LogSummary;
import io.fabric8.kubernetes.api.model.Status;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** errorLogs through the mock server's expectations (in CRUD mode the log subresource has no stored object). */
class LogsTest {
  final KubeFixture k8s = new KubeFixture();
  final KubernetesActivitiesImpl activities = k8s.activities();

  /** The request fabric8 sends for the activity's bounded, windowed read of one pod's container log. */
  static String logPath(String pod) {
    return "/api/v1/namespaces/prod/pods/" + pod + "/log?pretty=false&container=auth-service&sinceSeconds=1800"
        + "&tailLines=" + KubernetesActivitiesImpl.MAX_LOG_LINES_PER_POD
        + "&limitBytes=" + KubernetesActivitiesImpl.MAX_LOG_BYTES_PER_POD;
  }

  @BeforeEach
  void deploymentAndPods() {
    k8s.create(deployment(env("DATABASE_POOL_SIZE", "20")).build());
    k8s.pod("auth-service-7d9f-a", Map.of("app", NAME));
    k8s.pod("auth-service-7d9f-b", Map.of("app", NAME));
    k8s.pod("billing-5c4d-a", Map.of("app", "billing"));
  }

  @AfterEach
  void close() {
    k8s.close();
  }

  @Test
  void countsTheRunbooksPatternsAcrossTheSelectedPodsWithRedactedSamples() {
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-a")).andReturn(200, """
        2026-11-26T17:01:02Z INFO request served path=/login status=200
        2026-11-26T17:01:03Z ERROR Connection pool exhausted: 30/30 in use (size=20 overflow=10)
        2026-11-26T17:01:04Z ERROR connection timeout after 30s acquiring a connection
        2026-11-26T17:01:05Z ERROR Connection pool exhausted: 30/30 in use (size=20 overflow=10)
        2026-11-26T17:01:06Z WARN database connection lost, reconnecting to postgresql://auth_service:hunter2@authdb.prod.svc:5432/authdb
        """).always();
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-b")).andReturn(200, """
        2026-11-26T17:02:00Z ERROR OperationalError: Too many connections for role auth_service password=s3cret
        2026-11-26T17:02:01Z INFO database migration check ok
        2026-11-26T17:02:02Z INFO request served path=/token status=200 user=alice@example.com
        """).always();

    LogSummary logs = activities.errorLogs(TARGET, Duration.ofMinutes(30));

    assertThat(logs.pods()).isEqualTo(2);
    assertThat(logs.linesScanned()).isEqualTo(8);
    assertThat(logs.counts()).containsExactly(
        Map.entry("Connection pool exhausted", 2),
        Map.entry("Connection timeout", 1),
        Map.entry("Too many connections", 1),
        Map.entry("connection|pool|timeout|database", 6));
    assertThat(logs.samples()).containsExactly(
        "auth-service-7d9f-a: 2026-11-26T17:01:05Z ERROR Connection pool exhausted: 30/30 in use (size=20"
            + " overflow=10)",
        "auth-service-7d9f-a: 2026-11-26T17:01:04Z ERROR connection timeout after 30s acquiring a connection",
        "auth-service-7d9f-b: 2026-11-26T17:02:00Z ERROR OperationalError: Too many connections for role"
            + " auth_service password=***",
        "auth-service-7d9f-b: 2026-11-26T17:02:01Z INFO database migration check ok",
        "auth-service-7d9f-a: 2026-11-26T17:01:06Z WARN database connection lost, reconnecting to"
            + " postgresql://auth_service:***@authdb.prod.svc:5432/authdb");
    assertThat(String.join("\n", logs.samples())).doesNotContain("hunter2", "s3cret");
  }

  @Test
  void readsAtMostTheByteCapPerPodAndDropsTheCutLine() {
    String line = "2026-11-26T17:01:03Z ERROR Connection pool exhausted: 30/30 in use password=abcdefgh\n";
    int lines = KubernetesActivitiesImpl.MAX_LOG_BYTES_PER_POD / line.length() + 100;
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-a")).andReturn(200, line.repeat(lines)).always();
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-b")).andReturn(200, "").always();

    LogSummary logs = activities.errorLogs(TARGET, Duration.ofMinutes(30));

    long fit = KubernetesActivitiesImpl.MAX_LOG_BYTES_PER_POD / line.length();
    assertThat(logs.linesScanned()).isEqualTo(fit);
    assertThat(logs.counts()).containsEntry("Connection pool exhausted", (int) fit);
    assertThat(logs.samples()).allSatisfy(s -> assertThat(s).doesNotContain("abcdefgh"));
  }

  @Test
  void aPodWhoseContainerHasNotStartedIsSkipped() {
    k8s.pod("auth-service-8e0a-c", Map.of("app", NAME), "Pending");
    k8s.server.expect().get().withPath(logPath("auth-service-8e0a-c"))
        .andReturn(400, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(400).withReason("BadRequest")
            .withMessage("container \"auth-service\" in pod \"auth-service-8e0a-c\" is waiting to start:"
                + " ContainerCreating").build())
        .always();
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-a"))
        .andReturn(200, "x ERROR Connection timeout\n").always();
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-b"))
        .andReturn(200, "x ERROR Connection timeout\n").always();

    LogSummary logs = activities.errorLogs(TARGET, Duration.ofMinutes(30));

    assertThat(logs.pods()).isEqualTo(2);
    assertThat(logs.counts()).containsEntry("Connection timeout", 2);
  }

  @Test
  void aPodThatWentAwayIsSkipped() {
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-a"))
        .andReturn(404, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(404).withReason("NotFound")
            .withMessage("pods \"auth-service-7d9f-a\" not found").build())
        .always();
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-b"))
        .andReturn(200, "x ERROR Connection timeout\n").always();

    LogSummary logs = activities.errorLogs(TARGET, Duration.ofMinutes(30));

    assertThat(logs.pods()).isEqualTo(1);
    assertThat(logs.counts()).containsEntry("Connection timeout", 1);
  }

  @Test
  void aPodWhoseKubeletCannotBeReachedIsSkippedAndAllOfThemFailWithoutRetry() {
    Status noKubelet = new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(500)
        .withReason("InternalError").withMessage("no preferred addresses found; known addresses: []").build();
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-a")).andReturn(500, noKubelet).always();
    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-b"))
        .andReturn(200, "x ERROR Connection timeout\n").once();

    LogSummary logs = activities.errorLogs(TARGET, Duration.ofMinutes(30));

    assertThat(logs.pods()).isEqualTo(1);
    assertThat(logs.counts()).containsEntry("Connection timeout", 1);

    k8s.server.expect().get().withPath(logPath("auth-service-7d9f-b")).andReturn(500, noKubelet).always();
    ApplicationFailure none = catchThrowableOfType(ApplicationFailure.class,
        () -> activities.errorLogs(TARGET, Duration.ofMinutes(30)));
    assertThat(none.getType()).isEqualTo(KubeCalls.LOGS_UNAVAILABLE);
    assertThat(none.isNonRetryable()).isTrue();
    assertThat(none.getOriginalMessage()).startsWith("logs unavailable: the API server cannot reach pod auth-service-7d9f-")
        .contains("no preferred addresses found");
  }
}
