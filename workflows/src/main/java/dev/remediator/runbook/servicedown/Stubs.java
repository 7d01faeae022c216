package dev.remediator.runbook.servicedown;

import static dev.remediator.incident.ActivityStubs.options;

import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * The Service Down runbook's own activity stubs ({@link WorkloadActivities}, {@link IncidentLookupActivities}),
 * made with the one options factory {@link dev.remediator.incident.ActivityStubs} (its retry schedule); the shared
 * contracts' stubs (restart, rollout status, probes) are {@code runbook.SharedStubs}'. Workflow code only.
 */
final class Stubs {
  /**
   * Reads (inspect, previous logs, pod owner: a few gets and lists each) and the rollback (one read-decide-patch,
   * idempotent by request ID, so a retry after a crash is harmless): a minute covers a slow API server, three
   * attempts a blip of it.
   */
  static final Duration WORKLOAD_TIMEOUT = Duration.ofSeconds(60);

  static final int WORKLOAD_ATTEMPTS = 3;

  /** The look-up of the pool incident: one DescribeWorkflowExecution, bounded like a Kubernetes read. */
  static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(60);

  static final int LOOKUP_ATTEMPTS = 3;

  /** The check for similar issues at close: best effort, 2 attempts of the policy's budget plus this margin. */
  static final Duration SIMILAR_SCAN_MARGIN = Duration.ofSeconds(10);

  static final int SIMILAR_SCAN_ATTEMPTS = 2;

  private Stubs() {}

  static WorkloadActivities scanner(String summary, ServiceDownPolicy own) {
    return Workflow.newActivityStub(WorkloadActivities.class,
        options(summary, own.similarScanBudget().plus(SIMILAR_SCAN_MARGIN), SIMILAR_SCAN_ATTEMPTS));
  }

  static WorkloadActivities workload(String summary) {
    return Workflow.newActivityStub(WorkloadActivities.class, options(summary, WORKLOAD_TIMEOUT, WORKLOAD_ATTEMPTS));
  }

  static WorkloadActivities rollback(String summary) {
    return workload(summary);
  }

  static IncidentLookupActivities incidents(String summary) {
    return Workflow.newActivityStub(
        IncidentLookupActivities.class, options(summary, LOOKUP_TIMEOUT, LOOKUP_ATTEMPTS));
  }
}
