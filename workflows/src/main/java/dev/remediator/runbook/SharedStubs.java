package dev.remediator.runbook;

import static dev.remediator.incident.ActivityStubs.heartbeating;
import static dev.remediator.incident.ActivityStubs.localOptions;
import static dev.remediator.incident.ActivityStubs.options;

import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * Stubs of the contracts both runbooks share ({@link KubernetesActivities}, {@link ProbeActivities}), made with the
 * one options factory {@link dev.remediator.incident.ActivityStubs}. Workflow code only.
 */
public final class SharedStubs {
  /**
   * A Kubernetes call (restart, logs, rollout history): a few gets, lists or one patch, each bounded by the API
   * server's own timeouts; a minute covers a slow API server, three attempts a blip of it.
   */
  static final Duration KUBERNETES_TIMEOUT = Duration.ofSeconds(60);

  static final int KUBERNETES_ATTEMPTS = 3;

  /** The probes: two HTTP requests with their own timeouts; a second attempt for a worker that died meanwhile. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

  static final int PROBE_ATTEMPTS = 2;

  /** A rollout wait heartbeats while it polls, so one retry is enough (for a worker that died meanwhile). */
  static final int ROLLOUT_ATTEMPTS = 2;

  /** On top of the policy's rollout timeout: the last look at the deployment and the result's way back. */
  static final Duration ROLLOUT_ALLOWANCE = Duration.ofMinutes(1);

  private SharedStubs() {}

  public static KubernetesActivities kubernetes(String summary) {
    return Workflow.newActivityStub(
        KubernetesActivities.class, options(summary, KUBERNETES_TIMEOUT, KUBERNETES_ATTEMPTS));
  }

  /** Waiting for a rollout: as long as the policy's rollout timeout plus a minute, heartbeating while it polls. */
  public static KubernetesActivities rollout(String summary, Duration rolloutTimeout) {
    Duration timeout = rolloutTimeout.plus(ROLLOUT_ALLOWANCE);
    return Workflow.newActivityStub(
        KubernetesActivities.class,
        heartbeating(summary, timeout, timeout.multipliedBy(ROLLOUT_ATTEMPTS), ROLLOUT_ATTEMPTS));
  }

  public static ProbeActivities probes() {
    return Workflow.newActivityStub(
        ProbeActivities.class, options("Check /health and /ready", PROBE_TIMEOUT, PROBE_ATTEMPTS));
  }

  /** The probes as a local activity: in the workflow task that asks for them (a sample while the target is down). */
  public static ProbeActivities probesLocally() {
    return Workflow.newLocalActivityStub(
        ProbeActivities.class, localOptions("Check /health and /ready", PROBE_TIMEOUT, PROBE_ATTEMPTS));
  }
}
