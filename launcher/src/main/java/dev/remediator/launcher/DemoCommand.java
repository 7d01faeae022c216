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

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      for (String name : new String[] {Logger.ROOT_LOGGER_NAME, "dev.remediator", "io.temporal"}) {
        ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.ERROR);
      }
    }
    Demo.Result result = new Demo(System.out).run();
    return result.leakCleared() ? 0 : 1;
  }
}
