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

/**
 * The Service Down runbook's check for similar issues in other services: the Deployment of every other configured
 * target (one per Deployment, not the incident's own), read with a get and a list of its ReplicaSets, matched on the
 * failing revision's images and on a newest revision within the window of the incident's change. Bounded by {@link
 * BoundedScan}; Forbidden, not found or no answer in time is {@link Finding#UNCHECKED} with the reason. Read-only.
 */
final class SimilarWorkloadScan {
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
      ReplicaSet newest = deployments.replicaSets(w, d).stream()
          .max(Comparator.comparingLong(rs -> revision(rs.getMetadata().getAnnotations()))).orElse(null);
      List<String> matched = new ArrayList<>();
      images.stream().filter(change.images()::contains).forEach(i -> matched.add("runs the same image " + i));
      Instant changedAt = change.changedAt() == null ? null : parseTime(change.changedAt());
      Instant newestAt = newest == null ? null : WorkloadActivitiesImpl.becameNewest(newest);
      long revision = newest == null ? 0 : revision(newest.getMetadata().getAnnotations());
      if (changedAt != null && newestAt != null
          && Duration.between(changedAt, newestAt).abs().compareTo(change.window()) <= 0) {
        matched.add("new revision " + revision + " at " + newestAt + ", within " + Reports.duration(change.window())
            + " of this incident's");
      }
      if (matched.isEmpty()) {
        return new Elsewhere(target, Finding.CLEAN, "runs " + String.join(", ", images)
            + (newestAt == null ? "" : "; newest revision " + revision + " at " + newestAt));
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
}
