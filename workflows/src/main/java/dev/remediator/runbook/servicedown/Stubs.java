package dev.remediator.runbook.servicedown;

import dev.remediator.incident.KubernetesActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * The Service Down runbook's activity stubs, in one place to audit: explicit timeouts, bounded retries, a summary
 * for the Temporal UI. Workflow code only.
 */
final class Stubs {
  private Stubs() {}

  /** Reads (inspect, previous logs, related incident): a few lists and gets each, retried a few times. */
  static WorkloadActivities workload(String summary) {
    return Workflow.newActivityStub(WorkloadActivities.class, options(summary, Duration.ofSeconds(60), 3));
  }

  /** The rollback: one read-decide-patch, idempotent by request ID, so a retry after a crash is harmless. */
  static WorkloadActivities rollback(String summary) {
    return Workflow.newActivityStub(WorkloadActivities.class, options(summary, Duration.ofSeconds(60), 3));
  }

  static KubernetesActivities kubernetes(String summary) {
    return Workflow.newActivityStub(KubernetesActivities.class, options(summary, Duration.ofSeconds(60), 3));
  }

  private static ActivityOptions options(String summary, Duration startToClose, int attempts) {
    return ActivityOptions.newBuilder()
        .setSummary(summary)
        .setStartToCloseTimeout(startToClose)
        .setScheduleToCloseTimeout(startToClose.multipliedBy(attempts + 1L))
        .setRetryOptions(retries(attempts))
        .build();
  }

  private static RetryOptions retries(int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(1))
        .setBackoffCoefficient(2)
        .setMaximumInterval(Duration.ofSeconds(20))
        .setMaximumAttempts(attempts)
        .build();
  }
}
