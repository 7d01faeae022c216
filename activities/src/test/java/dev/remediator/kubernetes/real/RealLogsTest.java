package dev.remediator.kubernetes.real;

import static dev.remediator.kubernetes.real.RealApi.CONFIG;
import static dev.remediator.kubernetes.real.RealApi.GOOD;
import static dev.remediator.kubernetes.real.RealApi.NAME;
import static dev.remediator.kubernetes.real.RealApi.TARGET;
import static dev.remediator.kubernetes.real.RealApi.createHealthy;
import static dev.remediator.kubernetes.real.RealApi.deployment;
import static dev.remediator.kubernetes.real.RealApi.kubernetesActivities;
import static dev.remediator.kubernetes.real.RealApi.remove;
import static dev.remediator.kubernetes.real.RealApi.targets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.kubeplane.ControlPlaneExtension;
import dev.remediator.kubernetes.KubeCalls;
import dev.remediator.runbook.KubernetesActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pool runbook's error-log read ({@code errorLogs}) on the real API server, whose nodes (KWOK's) have no kubelet:
 * the API server answers every pod-log read with HTTP 500 "no preferred addresses found". That is not an outage of
 * the API: the activity fails at once, not retryable, saying the logs are unavailable — it used to fail as
 * "Kubernetes API unavailable", retryable, and the runbook spent ~9 s of retries on it at every diagnosis.
 */
@ExtendWith(ControlPlaneExtension.class)
class RealLogsTest {
  final TargetDirectory targets = targets(CONFIG);
  final TestActivityEnvironment env = TestActivityEnvironment.newInstance();
  KubernetesActivities activity;

  @BeforeEach
  void fresh() {
    env.registerActivitiesImplementations(kubernetesActivities(targets));
    // The runbook's own retry policy would retry a retryable failure: the test lets it, with a fast back-off.
    activity = env.newActivityStub(KubernetesActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(4)
            .setInitialInterval(Duration.ofMillis(100)).setBackoffCoefficient(1).build())
        .build());
    remove(NAME);
  }

  @AfterEach
  void close() {
    env.close();
    remove(NAME);
  }

  @Test
  void podLogsThatNoKubeletServesAreReportedUnavailableNotRetried() {
    createHealthy(deployment(NAME, GOOD).build());

    ActivityFailure failure = catchThrowableOfType(ActivityFailure.class,
        () -> activity.errorLogs(TARGET, Duration.ofMinutes(30)));

    assertThat(failure).as("errorLogs must fail: no pod's log can be read").isNotNull();
    ApplicationFailure cause = (ApplicationFailure) failure.getCause();
    assertThat(cause.getType()).isEqualTo(KubeCalls.LOGS_UNAVAILABLE);
    assertThat(cause.isNonRetryable()).isTrue();
    assertThat(cause.getOriginalMessage()).startsWith("logs unavailable: the API server cannot reach pod " + NAME)
        .contains("no preferred addresses found");
    assertThat(failure.getRetryState()).isEqualTo(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
  }
}
