package dev.remediator.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./remediator demo}: exit 0 only if the leak was cleared. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the whole runbook once against an embedded PostgreSQL with a simulated leak.")
final class DemoCommand implements Callable<Integer> {
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
    Demo.Result result = new Demo(System.out, temporal, System.console() != null).run();
    return result.leakCleared() ? 0 : 1;
  }
}
