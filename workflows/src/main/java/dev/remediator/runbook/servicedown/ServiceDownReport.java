package dev.remediator.runbook.servicedown;

import dev.remediator.incident.DiagnosisSummary;
import dev.remediator.incident.RunbookReport;
import dev.remediator.incident.Target;
import java.util.ArrayList;
import java.util.List;

/** The Service Down runbook's part of the post-incident draft and of the shell's diagnosis. */
final class ServiceDownReport {
  /** The runbook's "Post-Incident Actions", immediate and follow-up. */
  static final List<String> FOLLOW_UPS = List.of(
      "Document the incident in a post-mortem",
      "If rolled back: block the bad revision from being redeployed until fixed",
      "Check other services deployed from the same change",
      "Conduct root cause analysis",
      "Add a test or a CI check that would have caught the change",
      "Review probes, memory limits and resource requests",
      "Update monitoring and alerting",
      "Update runbooks based on learnings");

  private ServiceDownReport() {}

  /** The shell's diagnosis: the runbook's own cause, its words leading the evidence. */
  static DiagnosisSummary diagnosis(ServiceDownFindings f) {
    List<String> evidence = new ArrayList<>();
    evidence.add("cause: " + f.cause.words());
    evidence.addAll(f.evidence);
    return new DiagnosisSummary(f.cause.name(), evidence);
  }

  static RunbookReport report(Target target, ServiceDownFindings f, String measurement) {
    String deployment = f.last != null ? f.last.deployment() : f.first != null ? f.first.deployment() : target.service();
    List<RunbookReport.Fact> facts = new ArrayList<>();
    facts.add(new RunbookReport.Fact("Cause", f.cause.words()));
    if (f.first != null) {
      facts.add(new RunbookReport.Fact("Before", "ready " + f.first.ready() + "/" + f.first.desired() + ", revision "
          + f.first.currentRevision()));
    }
    if (!measurement.isEmpty()) {
      facts.add(new RunbookReport.Fact("After", measurement + (f.last == null ? "" : ", revision "
          + f.last.currentRevision())));
    }
    if (f.rollback != null) {
      facts.add(new RunbookReport.Fact("Rolled back", f.rollback.revisions() + (f.rollback.changes().isEmpty() ? ""
          : " (" + String.join("; ", f.rollback.changes()) + ")")));
    }
    if (f.restarts > 0) {
      facts.add(new RunbookReport.Fact("Rolling restarts", Integer.toString(f.restarts)));
    }
    if (f.poolIncident != null && f.poolIncident.open()) {
      facts.add(new RunbookReport.Fact("Linked incident", f.poolIncident.incidentId()));
    }
    List<String> findings = new ArrayList<>();
    if (f.crashLogs != null && !f.crashLogs.samples().isEmpty()) {
      findings.add("previous logs: " + String.join(" | ", f.crashLogs.samples()));
    }
    return new RunbookReport("service down: " + target.namespace() + "/" + deployment, facts, findings,
        recommendations(f), FOLLOW_UPS);
  }

  static List<String> recommendations(ServiceDownFindings f) {
    List<String> r = new ArrayList<>();
    switch (f.cause) {
      case BAD_ROLLOUT -> {
        r.add("Fix the change of revision " + f.badRevision + " before deploying it again; the rollback left the"
            + " Deployment on the previous template");
        r.add("Gate rollouts on readiness (progressive delivery, automated rollback on failed probes)");
      }
      case CRASH_LOOP -> r.add("Find why the containers exit (previous logs, exit codes); a restart only buys time");
      case OUT_OF_MEMORY -> r.add("Size the memory limit from measured use with headroom, or fix the memory growth");
      case IMAGE_OR_CONFIG -> r.add("Fix the image reference or the missing Secret/ConfigMap; validate config in CI"
          + " and pin images by digest");
      case UNSCHEDULABLE -> r.add("Free or add capacity for the pods' requests, or fix taints and affinity");
      case DEPENDENCY_DOWN -> r.add("Restore the dependency (the connection-pool runbook for the database); make"
          + " readiness reflect dependencies and liveness not");
      default -> r.add("No cause stood out in the Deployment: check the Service, its endpoints, ingress and network");
    }
    return r;
  }
}
