package dev.remediator.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.remediator.launcher.TemporalDevServer;
import dev.remediator.launcher.TemporalMode;
import dev.remediator.launcher.ModuleCommand;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./remediator demo}: exit 0 only if the leak was cleared. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the whole runbook once against an embedded PostgreSQL with a simulated leak;"
        + " `demo service-down`: the Service Down runbook, a bad image rollout rolled back.")
public final class DemoCommand implements Callable<Integer>, ModuleCommand {
  @Parameters(arity = "0..1", paramLabel = "RUNBOOK",
      description = "service-down: the Service Down runbook on the simulated cluster (embedded Temporal only).")
  String runbook;

  @Option(names = "--verbose", description = "Show worker and library logs.")
  boolean verbose;

  @Option(
      names = "--temporal",
      paramLabel = "MODE",
      defaultValue = "embedded",
      converter = TemporalMode.Converter.class,
      description = "embedded (default: no prerequisites) or cli: the `temporal` CLI's dev server, to follow the"
          + " same run in its Web UI (kept up at the end until Enter when run from a terminal); auto: cli if found.")
  TemporalMode temporal;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      for (String name : new String[] {Logger.ROOT_LOGGER_NAME, "dev.remediator", "io.temporal"}) {
        ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.ERROR);
      }
    }
    if (temporal == TemporalMode.CLI && TemporalDevServer.findCli(System.getenv()).isEmpty()) {
      System.err.println("--temporal=cli: no `temporal` CLI found (TEMPORAL_CLI, PATH); "
          + TemporalDevServer.INSTALL_HINT);
      return 2;
    }
    if (runbook != null) {
      if (!"service-down".equals(runbook)) {
        System.err.println("unknown demo '" + runbook + "': the demos are the default (connection pool) and"
            + " service-down");
        return 2;
      }
      if (temporal != TemporalMode.EMBEDDED) {
        System.err.println("demo service-down runs on the embedded Temporal server only");
        return 2;
      }
      return new ServiceDownDemo(System.out).run().rolledBack() ? 0 : 1;
    }
    Demo.Result result = new Demo(System.out, temporal, System.console() != null).run();
    return result.leakCleared() ? 0 : 1;
  }
}
