package dev.remediator.launcher;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.ConfigException;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.runbook.dbpool.ClientGroup;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.SessionInfo;
import dev.remediator.postgres.DatabaseActivitiesImpl;
import dev.remediator.starter.cli.ExitCodes;
import dev.remediator.starter.cli.Output;
import io.temporal.failure.ApplicationFailure;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code remediator diagnose TARGET}: the runbook's read-only assessment and diagnosis now, without a workflow: the
 * connection snapshot of the target database (and, once the probe activity lands, the service's /health and
 * /ready). Nothing is changed.
 */
@Command(
    name = "diagnose",
    mixinStandardHelpOptions = true,
    description = {
      "Run the read-only assessment and diagnosis of a configured target now (no workflow, nothing changed):"
          + " pg_stat_activity snapshot, utilization, idle-in-transaction and long-running sessions, root-cause hint.",
      "TARGET is namespace/service/database, or a service name configured once.",
      "Exit codes: 0 done, 1 error (e.g. database unreachable), 2 usage/config (also an ambiguous TARGET), 4 unknown"
          + " target."
    })
final class DiagnoseCommand implements Callable<Integer> {
  @Mixin ConfigOption config;
  @Mixin Output output;

  @Parameters(index = "0", paramLabel = "TARGET", description = "namespace/service/database, or a unique service.")
  String target;

  @Override
  public Integer call() {
    RemediatorConfig cfg;
    try {
      cfg = config.load();
    } catch (ConfigException e) {
      return output.fail(ExitCodes.USAGE, "configuration error: " + e.getMessage());
    }
    List<TargetConfig> matches =
        cfg.targets().stream()
            .filter(t -> t.target().id().equals(target) || t.service().equals(target))
            .toList();
    if (matches.isEmpty()) {
      return output.fail(ExitCodes.NOT_FOUND, "unknown target " + target + "; configured: "
          + cfg.targets().stream().map(t -> t.target().id()).toList());
    }
    if (matches.size() > 1) {
      return output.fail(ExitCodes.USAGE, "service " + target + " is configured more than once; name one of "
          + matches.stream().map(t -> t.target().id()).toList());
    }
    TargetConfig t = matches.get(0);
    ConnectionSnapshot snapshot;
    try (DatabaseActivitiesImpl database = new DatabaseActivitiesImpl(new TargetDirectory(cfg))) {
      snapshot = database.snapshot(t.target(), t.policy());
    } catch (ApplicationFailure e) {
      return output.fail(ExitCodes.ERROR, t.target().id() + ": " + e.getOriginalMessage());
    } catch (RuntimeException e) {
      return output.fail(ExitCodes.ERROR, t.target().id() + ": " + e.getMessage());
    }
    // TODO(probes): once ProbeActivitiesImpl is merged, add
    //   ServiceHealth health = new ProbeActivitiesImpl(new TargetDirectory(cfg)).probe(t.target());
    // to the JSON ("health") and the text ("Health  /health 200 in 12 ms, /ready 503 ...").
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("target", t.target());
    json.put("snapshot", snapshot);
    output.print(json, render(t, snapshot));
    return ExitCodes.OK;
  }

  static String render(TargetConfig t, ConnectionSnapshot s) {
    StringBuilder b = new StringBuilder();
    b.append("Target       ").append(t.target().id()).append('\n');
    b.append("Taken        ").append(s.takenAt()).append('\n');
    b.append(String.format(Locale.ROOT, "Utilization  %s (%d connections of %d usable: max_connections %d - %d"
            + " reserved; alert thresholds %.0f%% / %.0f%%)%n",
        s.utilizationPercent(), s.totalConnections(), s.maxConnections() - s.reservedConnections(),
        s.maxConnections(), s.reservedConnections(), t.policy().warningUtilization() * 100,
        t.policy().criticalUtilization() * 100));
    b.append("States       ").append(s.active()).append(" active, ").append(s.idle()).append(" idle, ")
        .append(s.idleInTransaction()).append(" idle in transaction\n");
    b.append(String.format(Locale.ROOT, "Longest      %.0f s query%n", s.longestQuerySeconds()));
    if (s.diagnosis() != null) {
      b.append("Diagnosis    ").append(s.diagnosis().cause()).append('\n');
      for (String e : s.diagnosis().evidence()) {
        b.append("             - ").append(e).append('\n');
      }
    }
    sessions(b, "Idle in transaction", s.idleInTransactionSessions());
    sessions(b, "Long-running queries", s.longRunningQueries());
    if (s.clients() != null && !s.clients().isEmpty()) {
      b.append("Clients\n");
      for (ClientGroup c : s.clients()) {
        b.append(String.format(Locale.ROOT, "  %-24s %-16s %-16s %3d total, %3d active, %3d idle in tx%n",
            c.applicationName(), c.clientAddr(), c.usename(), c.total(), c.active(), c.idleInTransaction()));
      }
    }
    return b.toString().stripTrailing();
  }

  private static void sessions(StringBuilder b, String title, List<SessionInfo> list) {
    if (list == null || list.isEmpty()) {
      return;
    }
    b.append(title).append(" (").append(list.size()).append(")\n");
    for (SessionInfo x : list.subList(0, Math.min(10, list.size()))) {
      b.append(String.format(Locale.ROOT, "  pid %-7d %-14s %6.0f s  %s%n", x.pid(), x.usename(),
          x.stateSeconds(), x.query()));
    }
    if (list.size() > 10) {
      b.append("  ... ").append(list.size() - 10).append(" more\n");
    }
  }
}
