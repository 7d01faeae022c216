package dev.remediator.postgres;

import dev.remediator.activities.EndpointOutages;
import dev.remediator.activities.TargetDirectory;

/** Test access: the database activities with a registry of the test's own. */
public final class DatabaseActivitiesImplAccess {
  private DatabaseActivitiesImplAccess() {}

  public static DatabaseActivitiesImpl make(TargetDirectory targets, EndpointOutages outages) {
    return new DatabaseActivitiesImpl(targets, new DiagnosisConnections(), outages);
  }
}
