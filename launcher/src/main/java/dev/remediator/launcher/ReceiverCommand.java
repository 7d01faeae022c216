package dev.remediator.launcher;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.starter.AlertReceiver;
import dev.remediator.starter.IncidentClient;
import dev.remediator.temporal.TemporalConnection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the Alertmanager webhook receiver against the Temporal cluster named by the environment. */
@Command(name = "receiver", mixinStandardHelpOptions = true, description = "Run the Alertmanager webhook receiver.")
final class ReceiverCommand implements Callable<Integer> {
  @Mixin ConfigOption config;

  @Option(names = "--host", defaultValue = "0.0.0.0", description = "Listen address (default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", description = "Listen port (default: receiver.port from the config, else 8080).")
  Integer port;

  @Override
  public Integer call() throws InterruptedException {
    RemediatorConfig cfg = config.load();
    try (TemporalConnection temporal = TemporalConnection.fromEnvironment();
        AlertReceiver receiver =
            new AlertReceiver(cfg, new IncidentClient(temporal.client(), cfg))
                .start(host, port != null ? port : cfg.receiverOrDefault().portOrDefault())) {
      System.out.println("receiver listening on " + host + ":" + receiver.port() + AlertReceiver.WEBHOOK_PATH);
      Services.awaitShutdown(() -> {});
      return 0;
    }
  }
}
