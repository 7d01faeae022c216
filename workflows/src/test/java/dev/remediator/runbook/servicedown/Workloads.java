package dev.remediator.runbook.servicedown;

import dev.remediator.incident.RolloutStatus;
import java.util.ArrayList;
import java.util.List;

/** Builds {@link WorkloadStatus} values as the activity returns them, for diagnosis and workflow tests. */
final class Workloads {
  static final String GOOD = "registry.example/auth-service:2.4.1";
  static final String BAD = "registry.example/auth-service:2.5.0";

  final List<WorkloadStatus.PodState> pods = new ArrayList<>();
  final List<WorkloadStatus.Event> events = new ArrayList<>();
  final List<WorkloadStatus.Revision> history = new ArrayList<>();
  int desired = 3;
  int ready = 3;
  long currentRevision = 2;

  /** Revision 2 (BAD image, {@code ageSeconds} old) over revision 1 (GOOD image, 3 days old). */
  static Workloads twoRevisions(long ageSeconds) {
    Workloads w = new Workloads();
    w.history.add(new WorkloadStatus.Revision(2, "auth-service-7d9f8c6b5", "2026-11-29T20:00:00Z", ageSeconds, null,
        List.of(BAD), 3, 0, List.of("image auth-service: " + GOOD + " -> " + BAD)));
    w.history.add(new WorkloadStatus.Revision(1, "auth-service-5d8f7b9c4", "2026-11-26T20:00:00Z", 259_200, null,
        List.of(GOOD), 1, 1, List.of()));
    return w;
  }

  Workloads pod(String name, long revision, String phase, WorkloadStatus.ContainerState c) {
    pods.add(new WorkloadStatus.PodState(name, phase, c.ready(), revision, "2026-11-29T20:00:00Z", List.of(c)));
    return this;
  }

  Workloads crashing(String name, long revision, String lastReason, int exitCode) {
    ready = Math.max(0, ready - 1);
    return pod(name, revision, "Running",
        new WorkloadStatus.ContainerState("auth-service", false, 5, "CrashLoopBackOff", "back-off 5m0s", lastReason,
            exitCode));
  }

  Workloads healthy(String name, long revision) {
    return pod(name, revision, "Running",
        new WorkloadStatus.ContainerState("auth-service", true, 0, null, null, null, null));
  }

  Workloads waiting(String name, long revision, String reason) {
    ready = Math.max(0, ready - 1);
    return pod(name, revision, "Pending",
        new WorkloadStatus.ContainerState("auth-service", false, 0, reason, "details", null, null));
  }

  Workloads event(String reason, String object, String message) {
    events.add(new WorkloadStatus.Event("Warning", reason, object, message, 3, "2026-11-29T20:05:00Z"));
    return this;
  }

  WorkloadStatus build() {
    boolean ok = ready == desired;
    return new WorkloadStatus("auth-service", desired, desired, ready, ready, false, currentRevision,
        new RolloutStatus(ok, false, desired, desired, ready, ok ? "deployment \"auth-service\" successfully rolled out"
            : "Waiting for deployment \"auth-service\" rollout to finish: " + ready + " of " + desired
                + " updated replicas are available..."),
        List.of(), pods, events, history, "2026-11-29T20:10:00Z");
  }
}
