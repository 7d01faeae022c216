package dev.remediator.runbook.servicedown;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.remediator.incident.RunbookFindings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Service Down runbook's own state, carried in {@code IncidentState.findings} across continue-as-new: what the
 * Deployment looked like first and last, the previous logs, the linked pool incident, the diagnosis, and what was
 * done (a rollback at most once, one restart at most).
 */
@JsonTypeName(ServiceDownFindings.NAME)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ServiceDownFindings implements RunbookFindings {
  /** The findings' logical name in payloads (histories recorded before carry the class name): never changes. */
  public static final String NAME = "servicedown";

  public WorkloadStatus first;
  public WorkloadStatus last;
  public CrashLogs crashLogs;
  public RelatedIncident poolIncident;
  public ServiceDownCause cause = ServiceDownCause.UNKNOWN;
  public List<String> evidence = new ArrayList<>();
  /** The revision the diagnosis found bad (BAD_ROLLOUT), 0 otherwise. */
  public long badRevision;
  /** The revision the last planned rollback starts from: the plan's identity check. */
  public long plannedRollbackFrom;
  public int rollbacks;
  public int restarts;
  /** The last rollback: from → to, and what it changed. */
  public RollbackResult rollback;
  public boolean kubernetesAvailable = true;
  /** Why the alert's pod is not the target Deployment's ({@code resolvePod}); null when it is or none was named. */
  public String foreignPod;

  /** Registers {@link #NAME} for the state's payloads. */
  public static final class Names implements RunbookFindings.Names {
    @Override
    public Map<String, Class<?>> byName() {
      return Map.of(NAME, ServiceDownFindings.class);
    }
  }
}
