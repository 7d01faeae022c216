package dev.remediator.launcher;

import dev.remediator.config.RemediatorConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Embedded Temporal + worker + receiver, waiting for real alerts against your own database. */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = "Run the embedded stack (Temporal test server, worker, receiver) and wait for alerts.")
final class DevCommand implements Callable<Integer> {
  @Mixin ConfigOption config;

  @Option(names = "--temporal-port", defaultValue = "7233", description = "Embedded Temporal port (${DEFAULT-VALUE}).")
  int temporalPort;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Receiver listen address (${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", description = "Receiver port (default: receiver.port from the config, else 8080).")
  Integer port;

  @Override
  public Integer call() throws InterruptedException {
    RemediatorConfig cfg = config.load();
    int receiverPort = port != null ? port : cfg.receiverOrDefault().portOrDefault();
    try (EmbeddedStack stack = EmbeddedStack.start(cfg, temporalPort, host, receiverPort)) {
      System.out.println("Remediator dev stack is up (embedded, in memory):");
      System.out.println("  Temporal  " + stack.temporalAddress() + "  (TEMPORAL_ADDRESS=" + stack.temporalAddress()
          + " for the CLI)");
      System.out.println("  Webhook   " + stack.webhookUrl());
      System.out.println("  Targets   " + cfg.targets().size() + " configured; Ctrl-C to stop");
      Services.awaitShutdown(() -> {});
      return 0;
    }
  }
}
