package dev.remediator.kubernetes.servicedown;

import static dev.remediator.activities.BoundedScan.clip;
import static dev.remediator.activities.BoundedScan.unchecked;
import static dev.remediator.kubernetes.Deployments.parseTime;
import static dev.remediator.kubernetes.Deployments.revision;

import dev.remediator.activities.BoundedScan;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.Reports;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.SimilarIssues.Elsewhere;
import dev.remediator.incident.SimilarIssues.Finding;
import dev.remediator.incident.Target;
import dev.remediator.kubernetes.Deployments;
import dev.remediator.kubernetes.KubeCalls;
import dev.remediator.runbook.servicedown.SameChange;
import dev.remediator.runbook.servicedown.ServiceDownPolicy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Service Down runbook's check for similar issues in other services: the Deployment of every other configured
 * target (one per Deployment, not the incident's own), read with a get and a list of its ReplicaSets, matched on the
 * failing revision's images and on a newest change within the window of the incident's change: its newest revision
 * that is not a rollout restart or pool-size change (the controller makes a revision of those too, and one
 * after a change would hide it). Bounded by {@link
 * BoundedScan}; Forbidden, not found or no answer in time is {@link Finding#UNCHECKED} with the reason. Read-only.
 */
final class SimilarWorkloadScan {
  static final String ROUTINE = "rollout restart or pool-size change";
  static final String ROUTINES = "rollout restarts or pool-size changes";

  private SimilarWorkloadScan() {}

  /**
   * The other targets Service Down applies to (a Deployment and a probe), each Deployment once (its first target
   * stands for it), not the incident's Deployment.
   */
  static List<TargetConfig> others(RemediatorConfig config, Deployments deployments, Target incident) {
    Deployments.Managed own = deployments.workload(incident);
    Set<String> seen = new HashSet<>();
    seen.add(own.name());
    List<TargetConfig> others = new ArrayList<>();
    for (TargetConfig t : config.targets()) {
      TargetConfig.Kubernetes k = t.kubernetes();
      if (k == null || k.deployment() == null || k.deployment().isBlank() || t.namespace() == null
          || t.endpoints() == null || (t.endpoints().health() == null && t.endpoints().ready() == null)) {
        continue;
      }
      if (seen.add(t.namespace() + "/" + k.deployment())) {
        others.add(t);
      }
    }
    return others;
  }

  static SimilarIssues run(
      RemediatorConfig config, Deployments deployments, Target incident, RunbookPolicy policy, SameChange change) {
    long started = System.nanoTime();
    ServiceDownPolicy own = ServiceDownPolicy.of(policy);
    List<TargetConfig> others = others(config, deployments, incident);
    List<Elsewhere> found = BoundedScan.run(others, TargetConfig::target, own.similarScanConcurrency(),
        own.similarScanBudget(), t -> check(deployments, t.target(), change));
    return new SimilarIssues(change.describe(), found, (System.nanoTime() - started) / 1_000_000, null);
  }

  static Elsewhere check(Deployments deployments, Target target, SameChange change) {
    try {
      Deployments.Managed w = deployments.workload(target);
      Deployment d = deployments.get(w);
      List<String> images = d.getSpec() == null || d.getSpec().getTemplate() == null
          || d.getSpec().getTemplate().getSpec() == null ? List.of()
          : d.getSpec().getTemplate().getSpec().getContainers().stream().map(Container::getImage).toList();
      List<ReplicaSet> history = deployments.replicaSets(w, d).stream()
          .sorted(Comparator.comparingLong(rs -> revision(rs.getMetadata().getAnnotations()))).toList();
      int changed = lastChange(history, w.poolEnv());
      ReplicaSet newest = history.isEmpty() ? null : history.get(history.size() - 1);
      ReplicaSet lastChange = changed < 0 ? null : history.get(changed);
      List<Long> routine = history.subList(changed + 1, history.size()).stream()
          .map(rs -> revision(rs.getMetadata().getAnnotations())).toList();
      List<String> matched = new ArrayList<>();
      images.stream().filter(change.images()::contains).forEach(i -> matched.add("runs the same image " + i));
      Instant changedAt = change.changedAt() == null ? null : parseTime(change.changedAt());
      Instant lastChangeAt = lastChange == null ? null : WorkloadActivitiesImpl.becameNewest(lastChange);
      if (changedAt != null && lastChangeAt != null
          && Duration.between(changedAt, lastChangeAt).abs().compareTo(change.window()) <= 0) {
        matched.add("new revision " + revision(lastChange.getMetadata().getAnnotations()) + " at " + lastChangeAt
            + ", within " + Reports.duration(change.window()) + " of this incident's" + since(routine));
      }
      if (matched.isEmpty()) {
        Instant newestAt = newest == null ? null : WorkloadActivitiesImpl.becameNewest(newest);
        return new Elsewhere(target, Finding.CLEAN, "runs " + String.join(", ", images)
            + (newestAt == null ? "" : "; newest revision " + revision(newest.getMetadata().getAnnotations())
                + " at " + newestAt)
            + (routine.isEmpty() || lastChange == null ? "" : " (a " + ROUTINE + "); its last change revision "
                + revision(lastChange.getMetadata().getAnnotations()) + " at " + lastChangeAt));
      }
      return new Elsewhere(target, Finding.SAME_PATTERN, String.join(", ", matched));
    } catch (ApplicationFailure e) {
      // KubeCalls' messages already say forbidden / not found and what to grant or check
      boolean unanswered = KubeCalls.UNAVAILABLE.equals(e.getType());
      return unchecked(target, (unanswered ? "did not answer: " : "") + clip(e.getOriginalMessage()));
    } catch (KubernetesClientException e) {
      return unchecked(target, "did not answer: " + clip(e.getMessage()));
    }
  }

  /** " (revision 3 since: a rollout restart or pool-size change)"; "" for none. */
  private static String since(List<Long> routine) {
    if (routine.isEmpty()) {
      return "";
    }
    return routine.size() == 1 ? " (revision " + routine.get(0) + " since: a " + ROUTINE + ")"
        : " (revisions " + routine.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " since: "
            + ROUTINES + ")";
  }

  /**
   * The index of the newest revision that changed what runs: walking back past the ones that differ from their
   * predecessor only by a rollout restart or pool-size env values ({@link TemplateDiff#routine}), which the real
   * controller makes a revision of too. -1 for no ReplicaSet.
   */
  static int lastChange(List<ReplicaSet> byRevision, List<String> poolEnv) {
    int i = byRevision.size() - 1;
    while (i > 0 && TemplateDiff.routine(byRevision.get(i - 1).getSpec().getTemplate(),
        byRevision.get(i).getSpec().getTemplate(), poolEnv)) {
      i--;
    }
    return i;
  }
}
