package dev.remediator.starter.cli;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.starter.IncidentListing;
import dev.remediator.starter.IncidentListing.Listing;
import dev.remediator.starter.IncidentListing.OpenIncident;
import dev.remediator.starter.IncidentStubs;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code remediator incidents}: the open incidents, newest first. */
@Command(
    name = "incidents",
    mixinStandardHelpOptions = true,
    description = {
      "List open incidents, newest first: ID, service, severity, phase, age, pending approval; the newest 25 and"
          + " how many are open in all and awaiting approval, unless --limit or --all says otherwise.",
      "On a Temporal server this is one visibility query, ExecutionStatus=\"Running\" AND RemediatorService IS"
          + " NOT NULL: every column comes from the incidents' search attributes, no worker is asked. The embedded"
          + " server has no List API: there the open executions of type IncidentWorkflow are listed instead (and"
          + " each queried while --timeout lasts), and where even that is missing, each configured target's incident"
          + " (needs --config).",
      "BUILD (when workers are versioned): the Worker Versioning build each incident runs on; \"waiting for build"
          + " X\" for one pinned to build X while no worker of X polls (as show says), found with one DescribeTaskQueue"
          + " per task queue, not one call per incident.",
      "Exit codes: 0 listed (also when none is open), 1 error, 2 usage/config."
    })
public final class IncidentsCommand extends TemporalCommand {

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      defaultValue = "${env:REMEDIATOR_CONFIG}",
      description = "Configuration file, only needed where Temporal cannot list workflows (default:"
          + " $REMEDIATOR_CONFIG).")
  Path config;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "25",
      description = "Show the newest N open incidents and how many are open in all (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--all", description = "Show every open incident (at 1,000 open, ~0.5 s more on a dev server).")
  boolean all;

  @Override
  protected int run(IncidentStubs temporal) {
    if (!all && limit < 1) {
      throw new CliFailure(ExitCodes.USAGE, "--limit must be at least 1 (--all shows every open incident)");
    }
    RemediatorConfig targets = config == null ? null : ConfigLoader.load(config);
    Listing listing;
    try {
      listing = new IncidentListing(temporal).openIncidents(targets, remaining(), all ? 0 : limit);
    } catch (UnsupportedOperationException e) {
      throw new CliFailure(ExitCodes.USAGE, e.getMessage());
    } catch (RuntimeException e) {
      String why = rootMessage(e);
      if (why != null && why.contains("invalid search attribute")) {
        throw new CliFailure(ExitCodes.ERROR, "the incident search attributes are not registered in this namespace ("
            + why + "): a worker registers them at start (remediator worker -c FILE), or run `temporal operator"
            + " search-attribute create --name RemediatorService --type Keyword` and so on (docs/operations.md)");
      }
      throw e;
    }
    output.print(listing, table(listing, Instant.now()));
    return ExitCodes.OK;
  }

  static String table(Listing listing, Instant now) {
    if (listing.incidents().isEmpty()) {
      return "No open incidents.";
    }
    // The BUILD column (Worker Versioning) only when some incident runs on a versioned worker.
    int buildWidth = listing.incidents().stream().mapToInt(i -> build(i).length()).max().orElse(0);
    boolean versioned = listing.incidents().stream().anyMatch(i -> i.build() != null);
    String format = "%-44s %-20s %-9s %-18s %-7s " + (versioned ? "%-" + Math.max(5, buildWidth) + "s " : "%s")
        + "%s%n";
    StringBuilder b = new StringBuilder(String.format(format, "ID", "SERVICE", "SEVERITY", "PHASE", "AGE",
        versioned ? "BUILD" : "", "PENDING APPROVAL"));
    for (OpenIncident i : listing.incidents()) {
      b.append(String.format(format, i.incidentId(), dash(i.service()), dash(i.severity()), dash(i.phase()),
          i.startTime() == null ? "-" : age(Duration.between(i.startTime(), now)), versioned ? build(i) : "",
          i.awaitingApproval() ? (i.pendingPlanId() != null ? "yes (" + i.pendingPlanId() + ")" : "yes") : "no"));
    }
    if (listing.total() == Listing.UNKNOWN) {
      b.append(String.format("Newest %d open incidents; this Temporal server cannot count them: --all lists every one.%n",
          listing.incidents().size()));
    } else if (listing.truncated()) {
      b.append(String.format("Newest %d of %d open incidents (%d awaiting approval): --limit N or --all for more.%n",
          listing.incidents().size(), listing.total(), listing.awaitingApproval()));
    } else if (listing.total() > 1) {
      b.append(String.format("%d open incidents, %d awaiting approval.%n", listing.total(),
          listing.awaitingApproval()));
    }
    return b.toString().stripTrailing();
  }

  static String age(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return s / 60 + "m";
    }
    if (s < 172800) {
      return s / 3600 + "h";
    }
    return s / 86400 + "d";
  }

  /** The incident's build, "waiting for build X" when it waits for it (PinnedBuilds), "-" when unversioned. */
  static String build(OpenIncident i) {
    return i.waitingForBuild() != null ? "waiting for build " + i.waitingForBuild() : dash(i.build());
  }

  private static String dash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }
}
