package dev.remediator.launcher;

import dev.remediator.config.RemediatorConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Temporal + worker + receiver, waiting for real alerts against your own database. With the {@code temporal} CLI
 * the server is the real dev server (persistent, with the Web UI); without it the embedded in-memory one.
 */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = {
      "Run Temporal, the worker and the receiver in one process and wait for alerts.",
      "With the `temporal` CLI ($TEMPORAL_CLI, else PATH) Temporal is its dev server: incidents persist in the state"
          + " directory across restarts and the Web UI shows them; a server that dies is restarted on the same"
          + " database (at most 3 times in 5 min, else exit 1). Without it: the embedded in-memory server."
    })
final class DevCommand implements Callable<Integer> {
  @Mixin ConfigOption config;

  @Option(
      names = "--temporal",
      paramLabel = "MODE",
      defaultValue = "auto",
      converter = TemporalMode.Converter.class,
      description = "auto (the CLI's dev server if the CLI is found, else embedded), cli or embedded"
          + " (default ${DEFAULT-VALUE}).")
  TemporalMode temporal;

  @Option(
      names = "--temporal-port",
      paramLabel = "PORT",
      description = "Temporal frontend port (default 7233, or a free port if 7233 is taken).")
  Integer temporalPort;

  @Option(
      names = "--ui-port",
      paramLabel = "PORT",
      description = "Web UI port of the dev server (default: Temporal port + 1000, or a free port if taken).")
  Integer uiPort;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      defaultValue = "${env:REMEDIATOR_STATE_DIR:-.remediator}",
      description = "Where the dev server keeps its database (" + TemporalDevServer.DB_FILE + ") and log"
          + " (default: $REMEDIATOR_STATE_DIR or ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Receiver listen address (${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", description = "Receiver port (default: receiver.port from the config, else 8080).")
  Integer port;

  @Override
  public Integer call() throws Exception {
    RemediatorConfig cfg = config.load();
    int receiverPort = port != null ? port : cfg.receiverOrDefault().portOrDefault();
    TemporalServer server =
        TemporalMode.startServer(temporal, System.out, System.err, stateDir, temporalPort, uiPort);
    if (server == null) {
      return 2;
    }
    EmbeddedStack stack = EmbeddedStack.start(cfg, server, host, receiverPort, null);
    if (server instanceof TemporalDevServer devServer) {
      // A server that dies (killed, crashed) is started again on the same database; past the policy dev exits 1.
      devServer.superviseRestarts(
          TemporalDevServer.RestartPolicy.DEV, System.out, stack::reconnect, () -> System.exit(1));
    }
    IncidentLinks links = server.uiUrl() == null ? null : new IncidentLinks(stack.client(), server, System.out);
    try {
      if (server.embedded()) {
        System.out.println("Remediator dev stack is up (embedded Temporal, in memory: incidents are lost when it"
            + " stops):");
      } else {
        System.out.println("Remediator dev stack is up (Temporal dev server, state in "
            + ((TemporalDevServer) server).stateDir().toAbsolutePath() + "):");
      }
      System.out.println("  Temporal  " + stack.temporalAddress() + "  (TEMPORAL_ADDRESS=" + stack.temporalAddress()
          + " for the CLI)");
      if (server.uiUrl() != null) {
        System.out.println("  Web UI    " + server.uiUrl() + "/namespaces/" + TemporalDevServer.NAMESPACE
            + "/workflows");
      }
      System.out.println("  Webhook   " + stack.webhookUrl());
      System.out.println("  Targets   " + cfg.targets().size() + " configured; Ctrl-C to stop");
      if (links != null) {
        links.printOpen();
        links.follow(2000);
      }
    } catch (RuntimeException e) {
      close(links, stack);
      throw e;
    }
    // Stopped in the shutdown hook itself: the JVM exits once the hooks are done, the dev server stops last.
    Services.awaitShutdown(() -> close(links, stack));
    return 0;
  }

  private static void close(IncidentLinks links, EmbeddedStack stack) {
    if (links != null) {
      links.close();
    }
    stack.close();
  }
}
