package dev.remediator.launcher;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.launcher.WorkerDeployments.Change;
import dev.remediator.launcher.WorkerDeployments.Deployment;
import dev.remediator.launcher.WorkerDeployments.Version;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.starter.cli.CliFailure;
import dev.remediator.starter.cli.ExitCodes;
import dev.remediator.starter.cli.Output;
import dev.remediator.starter.cli.TemporalCommand;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code remediator versions [promote BUILD [--ramp N] | rollback]}: the incidents' Worker Deployment, and moving new
 * incidents from one build of the runbook to another (README "Changing a runbook in production").
 */
@Command(
    name = "versions",
    mixinStandardHelpOptions = true,
    subcommands = {VersionsCommand.Promote.class, VersionsCommand.Rollback.class},
    description = {
      "List the builds of the workers' Temporal Worker Deployment: which is current or ramping, how many open"
          + " incidents each still holds (incidents are pinned to the build that opened them), its drainage status,"
          + " how many of its workers poll, and whether its workers can be shut down.",
      "Exit codes: 0 listed, 1 error, 2 usage, 4 no such deployment."
    })
public final class VersionsCommand extends TemporalCommand {
  @Mixin DeploymentSelection selection;

  @Override
  protected int run(IncidentStubs temporal) {
    Deployment d = known(() -> selection.deployments(temporal, remaining())
        .describe(selection.deployment(), selection.taskQueue()));
    output.print(d, table(d, Instant.now()));
    return ExitCodes.OK;
  }

  static String table(Deployment d, Instant now) {
    StringBuilder b = new StringBuilder();
    b.append("Deployment ").append(d.name()).append(": current ").append(d.currentBuildId() == null ? "none (new"
        + " incidents go to unversioned workers)" : d.currentBuildId());
    if (d.rampingBuildId() != null) {
      b.append(", ramping ").append(d.rampingBuildId()).append(" at ")
          .append(String.format("%.0f", d.rampPercentage())).append('%');
    }
    b.append('\n');
    String format = "%-36s %-9s %-14s %-8s %-10s %s%n";
    b.append(String.format(format, "BUILD", "ROLE", "OPEN INCIDENTS", "POLLERS", "DRAINAGE", "SHUT DOWN?"));
    for (Version v : d.versions()) {
      b.append(String.format(format, v.buildId(), v.role().name().toLowerCase(),
          v.openIncidents() < 0 ? "?" : Long.toString(v.openIncidents()), v.pollers(),
          v.drainage() == null ? "-" : v.drainage().toLowerCase()
              + (v.drainageCheckedAt() == null ? "" : " (checked " + age(
                  java.time.Duration.between(v.drainageCheckedAt(), now)) + " ago)"),
          v.shutDownReason()));
    }
    return b.toString().stripTrailing();
  }

  /** Which deployment and task queue: flags, else the environment and the configuration file, else the defaults. */
  public static final class DeploymentSelection {
    @Option(
        names = "--deployment",
        paramLabel = "NAME",
        description = "Worker Deployment name (default: $REMEDIATOR_DEPLOYMENT_NAME, else worker.deploymentName in"
            + " --config, else remediator).")
    String deployment;

    @Option(
        names = "--task-queue",
        paramLabel = "NAME",
        description = "The incidents' task queue, whose pollers are counted (default: taskQueue in --config, else "
            + RemediatorConfig.DEFAULT_TASK_QUEUE + ").")
    String taskQueue;

    @Option(
        names = {"-c", "--config"},
        paramLabel = "FILE",
        defaultValue = "${env:REMEDIATOR_CONFIG}",
        description = "Configuration file for the defaults above (optional; default: $REMEDIATOR_CONFIG).")
    Path config;

    private RemediatorConfig loaded;

    private RemediatorConfig file() {
      if (loaded == null && config != null) {
        loaded = ConfigLoader.load(config);
      }
      return loaded;
    }

    String deployment() {
      if (deployment != null && !deployment.isBlank()) {
        return deployment;
      }
      String env = System.getenv("REMEDIATOR_DEPLOYMENT_NAME");
      if (env != null && !env.isBlank()) {
        return env.strip();
      }
      RemediatorConfig f = file();
      String fromFile = f == null ? null : f.workerOrDefault().deploymentName();
      return fromFile != null && !fromFile.isBlank() ? fromFile : "remediator";
    }

    String taskQueue() {
      if (taskQueue != null && !taskQueue.isBlank()) {
        return taskQueue;
      }
      RemediatorConfig f = file();
      return f == null ? RemediatorConfig.DEFAULT_TASK_QUEUE : f.taskQueueOrDefault();
    }

    WorkerDeployments deployments(IncidentStubs temporal, java.time.Duration deadline) {
      return new WorkerDeployments(temporal, deadline);
    }
  }

  static int changed(Output output, Change c) {
    String text = switch (c.action()) {
      case "ramp" -> "Ramping build " + c.buildId() + " in deployment " + c.deployment() + ": "
          + String.format("%.0f", c.rampPercentage()) + "% of new incidents start on it, the rest on "
          + (c.previousBuildId() == null ? "unversioned workers" : c.previousBuildId()) + " (" + c.millis() + " ms)";
      case "ramp stopped" -> "Ramp of build " + c.previousBuildId() + " stopped in deployment " + c.deployment()
          + ": new incidents start on " + (c.buildId() == null ? "unversioned workers" : c.buildId())
          + "; incidents it opened stay pinned to it (" + c.millis() + " ms)";
      case "rollback" -> "Rolled back deployment " + c.deployment() + " to build " + c.buildId() + " (from "
          + c.previousBuildId() + "): new incidents start on it; incidents " + c.previousBuildId() + " opened stay"
          + " pinned to it and finish there (" + c.millis() + " ms)";
      default -> "Build " + c.buildId() + " is now current in deployment " + c.deployment() + " (was "
          + (c.previousBuildId() == null ? "none" : c.previousBuildId()) + "): new incidents start on it; incidents"
          + " already open stay pinned to the build that opened them (" + c.millis() + " ms)";
    };
    output.print(c, text);
    return ExitCodes.OK;
  }

  /** {@code remediator versions promote BUILD [--ramp N]}. */
  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description = {
        "Route new incidents to BUILD: all of them (it becomes current), or with --ramp N a share of N % (the rest"
            + " stay on the current build). Open incidents are not moved: each stays pinned to its build.",
        "Refused (exit 3) when no worker of BUILD polls the task queue now, or BUILD never joined the deployment.",
        "Exit codes: 0 done, 1 error, 2 usage, 3 refused, 4 no such deployment."
      })
  public static final class Promote extends TemporalCommand {
    @Mixin DeploymentSelection selection;

    @Parameters(index = "0", paramLabel = "BUILD", description = "the build ID, as `remediator versions` lists it")
    String buildId;

    @Option(names = "--ramp", paramLabel = "PERCENT", description = "Route only this share of new incidents to BUILD"
        + " (1-100, a trailing % allowed).")
    String ramp;

    @Override
    protected int run(IncidentStubs temporal) {
      Float percent = null;
      if (ramp != null) {
        try {
          percent = Float.parseFloat(ramp.strip().replaceAll("%$", ""));
        } catch (NumberFormatException e) {
          throw new CliFailure(ExitCodes.USAGE, "--ramp must be a percentage from 1 to 100, not '" + ramp + "'");
        }
        if (!(percent >= 1 && percent <= 100)) {
          throw new CliFailure(ExitCodes.USAGE, "--ramp must be a percentage from 1 to 100, not '" + ramp + "'");
        }
      }
      Float share = percent;
      return changed(output, refusals(() -> selection.deployments(temporal, remaining())
          .promote(selection.deployment(), selection.taskQueue(), buildId, share)));
    }
  }

  /** {@code remediator versions rollback}. */
  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = {
        "Undo the last routing change: stop a ramp in progress, else make the build that was current before the"
            + " current one current again. Incidents the rolled-back build opened stay pinned to it and finish there.",
        "Refused (exit 3) with no previous build, or when no worker of the previous build polls.",
        "Exit codes: 0 done, 1 error, 2 usage, 3 refused, 4 no such deployment."
      })
  public static final class Rollback extends TemporalCommand {
    @Mixin DeploymentSelection selection;

    @Override
    protected int run(IncidentStubs temporal) {
      return changed(output, refusals(() -> selection.deployments(temporal, remaining())
          .rollback(selection.deployment(), selection.taskQueue())));
    }
  }

  private static Change refusals(java.util.function.Supplier<Change> change) {
    try {
      return known(change);
    } catch (WorkerDeployments.Refused e) {
      throw new CliFailure(ExitCodes.REFUSED, e.getMessage());
    }
  }

  /** A deployment no versioned worker has polled yet: exit 4 with what to do. */
  private static <T> T known(java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (WorkerDeployments.UnknownDeployment e) {
      throw new CliFailure(ExitCodes.NOT_FOUND, e.getMessage());
    }
  }

  /** As {@code incidents} prints an age: 59s, 12m, 5h, 3d. */
  static String age(java.time.Duration d) {
    long s = Math.max(0, d.getSeconds());
    return s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s < 172800 ? s / 3600 + "h" : s / 86400 + "d";
  }
}
