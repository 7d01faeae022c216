package dev.remediator.starter.cli;

import dev.remediator.starter.IncidentListing;
import java.time.Instant;

/** The listing's text as {@code remediator incidents} prints it, for tests of other packages. */
public final class IncidentsCommandAccess {
  private IncidentsCommandAccess() {}

  public static String table(IncidentListing.Listing listing) {
    return IncidentsCommand.table(listing, Instant.now());
  }
}
