package dev.remediator.runbook.servicedown;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The runbook's "Decide the Cause" table as a pure function of what the activities saw: the Deployment
 * ({@link WorkloadStatus}), the crashed containers' previous logs ({@link CrashLogs}) and whether the target's
 * connection-pool incident is open. Deterministic; no I/O, so workflow code may call it.
 */
public final class ServiceDownDiagnosis {
  /** Waiting reasons that mean the image or the pod's configuration cannot start. */
  static final Set<String> IMAGE_OR_CONFIG_REASONS = Set.of(
      "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError",
      "CreateContainerError", "RunContainerError");

  private ServiceDownDiagnosis() {}

  /**
   * @param cause the most likely cause
   * @param evidence facts that support it, human-readable
   * @param badRevision for BAD_ROLLOUT: the revision to roll back from; else 0
   */
  public record Finding(ServiceDownCause cause, List<String> evidence, long badRevision) {
    public Finding {
      evidence = List.copyOf(evidence);
    }
  }

  /**
   * @param poolIncident the target's connection-pool incident, or null when not looked up
   * @param badRolloutAge a newest revision younger than this can be a bad rollout
   */
  public static Finding diagnose(
      WorkloadStatus s, CrashLogs logs, RelatedIncident poolIncident, Duration badRolloutAge) {
    if (poolIncident != null && poolIncident.open()) {
      return new Finding(ServiceDownCause.DEPENDENCY_DOWN, List.of(
          "connection-pool incident " + poolIncident.incidentId() + " is open: the database is the problem;"
              + " linked, acting on nothing here"), 0);
    }
    List<String> imageOrConfig = new ArrayList<>();
    List<String> oom = new ArrayList<>();
    List<String> crashing = new ArrayList<>();
    Set<Long> failingRevisions = new LinkedHashSet<>();
    for (WorkloadStatus.PodState p : s.pods()) {
      for (WorkloadStatus.ContainerState c : p.containers()) {
        String where = p.name() + "/" + c.name();
        if (c.waitingReason() != null && IMAGE_OR_CONFIG_REASONS.contains(c.waitingReason())) {
          imageOrConfig.add(where + " waiting: " + c.waitingReason()
              + (c.waitingMessage() == null ? "" : " (" + c.waitingMessage() + ")"));
          failingRevisions.add(p.revision());
        }
        if ("OOMKilled".equals(c.lastTerminationReason())) {
          oom.add(where + " last terminated OOMKilled (exit code " + c.lastExitCode() + "), " + c.restarts()
              + " restart(s)");
          failingRevisions.add(p.revision());
        }
        if ("CrashLoopBackOff".equals(c.waitingReason()) || (c.restarts() > 0 && !c.ready())) {
          crashing.add(where + ": " + (c.waitingReason() == null ? "not ready" : c.waitingReason()) + ", "
              + c.restarts() + " restart(s), last exit " + lastExit(c));
          failingRevisions.add(p.revision());
        }
      }
      if ("Failed".equals(p.phase()) && crashing.stream().noneMatch(line -> line.startsWith(p.name() + "/"))) {
        // Evicted, or every container exited for good: failing although no container waits to restart.
        crashing.add(p.name() + ": pod Failed, " + p.containers().stream().mapToInt(c -> c.restarts()).sum()
            + " restart(s)");
        failingRevisions.add(p.revision());
      }
    }
    if (!imageOrConfig.isEmpty()) {
      return new Finding(ServiceDownCause.IMAGE_OR_CONFIG, first(imageOrConfig), 0);
    }
    List<String> unschedulable = new ArrayList<>();
    for (WorkloadStatus.Event e : s.events()) {
      if ("FailedScheduling".equals(e.reason()) && pending(s, e.object())) {
        unschedulable.add(e.object() + " FailedScheduling ×" + e.count() + ": " + e.message());
      }
    }
    if (!unschedulable.isEmpty() && crashing.isEmpty()) {
      return new Finding(ServiceDownCause.UNSCHEDULABLE, first(unschedulable), 0);
    }
    int oomLines = logs == null ? 0 : logs.count(CrashLogs.OUT_OF_MEMORY);
    if (!oom.isEmpty() || oomLines > 0) {
      List<String> evidence = new ArrayList<>(first(oom));
      if (oomLines > 0) {
        evidence.add(oomLines + " out-of-memory line(s) in the previous logs" + sample(logs));
      }
      return new Finding(ServiceDownCause.OUT_OF_MEMORY, evidence, 0);
    }
    int dbLines = logs == null ? 0 : logs.count(CrashLogs.DATABASE);
    if (dbLines > 0) {
      List<String> evidence = new ArrayList<>();
      evidence.add(dbLines + " database connection error(s) in the crashed containers' previous logs" + sample(logs));
      evidence.addAll(first(crashing));
      return new Finding(ServiceDownCause.DEPENDENCY_DOWN, evidence, 0);
    }
    if (crashing.isEmpty()) {
      List<String> evidence = new ArrayList<>();
      evidence.add(s.ready() + " of " + s.desired() + " replicas ready, " + s.available() + " available; no"
          + " container crashing: check the Service, its endpoints, ingress and network");
      return new Finding(ServiceDownCause.UNKNOWN, evidence, 0);
    }
    Finding rollout = badRollout(s, failingRevisions, badRolloutAge);
    if (rollout != null) {
      List<String> evidence = new ArrayList<>(rollout.evidence());
      evidence.addAll(first(crashing));
      return new Finding(ServiceDownCause.BAD_ROLLOUT, evidence, rollout.badRevision());
    }
    List<String> evidence = new ArrayList<>(first(crashing));
    if (logs != null && logs.count(CrashLogs.CRASH) > 0) {
      evidence.add(logs.count(CrashLogs.CRASH) + " exception/fatal line(s) in the previous logs" + sample(logs));
    }
    WorkloadStatus.Revision newest = s.history().isEmpty() ? null : s.history().get(0);
    if (newest != null) {
      evidence.add("not a bad rollout: newest revision " + newest.revision() + " is " + age(newest.ageSeconds())
          + " old" + (s.history().size() < 2 ? ", no previous revision" : ""));
    }
    return new Finding(ServiceDownCause.CRASH_LOOP, evidence, 0);
  }

  /**
   * Failures only in the bad template's revisions, the change younger than the limit, with a revision before it
   * that was healthy. The bad change is the newest revision that is more than a restart or a pool-size change of
   * the one before ({@link WorkloadStatus.Revision#routine()}): a `rollout restart` of a bad rollout repeats its
   * template, and the controller scales the bad change's own ReplicaSet to 0, which proves nothing about it.
   */
  private static Finding badRollout(WorkloadStatus s, Set<Long> failingRevisions, Duration maxAge) {
    if (s.history().size() < 2 || s.currentRevision() < 1) {
      return null;
    }
    WorkloadStatus.Revision newest = s.history().get(0);
    if (newest.revision() != s.currentRevision()) {
      return null;
    }
    int changed = 0;
    while (changed + 1 < s.history().size() && s.history().get(changed).routine()) {
      changed++;
    }
    if (changed + 1 >= s.history().size()) {
      return null; // restarts and pool changes all the way down: no change to blame
    }
    WorkloadStatus.Revision change = s.history().get(changed);
    WorkloadStatus.Revision previous = s.history().get(changed + 1);
    if (change.ageSeconds() < 0 || change.ageSeconds() > maxAge.getSeconds()) {
      return null;
    }
    Set<Long> badTemplate = new LinkedHashSet<>();
    for (int i = 0; i <= changed; i++) {
      badTemplate.add(s.history().get(i).revision());
    }
    if (!badTemplate.containsAll(failingRevisions)) {
      return null; // the previous revision's pods fail too: not the rollout
    }
    List<String> evidence = new ArrayList<>();
    evidence.add("failures began with revision " + change.revision() + ", rolled out " + age(change.ageSeconds())
        + " ago" + (change.changes().isEmpty() ? "" : ": " + String.join("; ", change.changes())));
    if (changed > 0) {
      List<String> since = new ArrayList<>();
      for (int i = changed - 1; i >= 0; i--) {
        WorkloadStatus.Revision r = s.history().get(i);
        since.add(r.revision() + (r.changes().isEmpty() ? "" : " (" + String.join("; ", r.changes()) + ")"));
      }
      evidence.add("revision(s) " + String.join(", ", since) + " since: the same template restarted or resized,"
          + " still failing");
    }
    long previousReady = s.pods().stream().filter(p -> p.revision() == previous.revision() && p.ready()).count();
    evidence.add("previous revision " + previous.revision() + " healthy: no failing pod"
        + (previousReady > 0 ? ", " + previousReady + " ready pod(s) still serving" : ""));
    return new Finding(ServiceDownCause.BAD_ROLLOUT, evidence, newest.revision());
  }

  private static boolean pending(WorkloadStatus s, String object) {
    return s.pods().stream().anyMatch(p -> ("Pod/" + p.name()).equals(object) && "Pending".equals(p.phase()));
  }

  private static String lastExit(WorkloadStatus.ContainerState c) {
    if (c.lastTerminationReason() == null && c.lastExitCode() == null) {
      return "unknown";
    }
    return c.lastTerminationReason() + "/" + c.lastExitCode();
  }

  private static String sample(CrashLogs logs) {
    return logs.samples().isEmpty() ? "" : ", e.g. " + logs.samples().get(0);
  }

  private static List<String> first(List<String> lines) {
    if (lines.size() <= 3) {
      return lines;
    }
    List<String> out = new ArrayList<>(lines.subList(0, 3));
    out.add("… and " + (lines.size() - 3) + " more");
    return out;
  }

  /** {@code 45 s}, {@code 12 min}, {@code 3 h 5 min}. */
  static String age(long seconds) {
    if (seconds < 60) {
      return seconds + " s";
    }
    if (seconds < 3600) {
      return seconds / 60 + " min";
    }
    return String.format(Locale.ROOT, "%d h %d min", seconds / 3600, seconds % 3600 / 60);
  }
}
