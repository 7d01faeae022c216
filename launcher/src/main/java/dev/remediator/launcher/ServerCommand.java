package dev.remediator.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs only the embedded Temporal server, for process-level setups (worker and receiver as other processes). */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = "Run the embedded (in-memory) Temporal server on a port. Not for production.")
final class ServerCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "7233", description = "gRPC port (default ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws InterruptedException {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(port)) {
      System.out.println("embedded Temporal server on " + temporal.address()
          + " (in memory; use TEMPORAL_ADDRESS=" + temporal.address() + ")");
      Services.awaitShutdown(() -> {});
      return 0;
    }
  }
}
