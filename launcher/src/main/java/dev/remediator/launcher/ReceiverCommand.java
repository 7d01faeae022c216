package dev.remediator.launcher;

import com.uber.m3.tally.Scope;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.starter.AlertReceiver;
import dev.remediator.starter.ClientTuning;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.starter.ReceiverMetrics;
import dev.remediator.temporal.TemporalConnection;
import dev.remediator.temporal.TemporalReachability;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the Alertmanager webhook receiver and approval API against the Temporal cluster named by the environment. */
@Command(
    name = "receiver",
    mixinStandardHelpOptions = true,
    description = {
      "Run the Alertmanager webhook receiver (POST /webhooks/alertmanager) and the approval API"
          + " (POST /incidents/{id}/approve|reject|ack); GET /healthz, /readyz, /metrics."
    })
final class ReceiverCommand implements Callable<Integer> {
  @Mixin ConfigOption config;

  @Option(
      names = "--host",
      defaultValue = "${env:REMEDIATOR_RECEIVER_HOST:-127.0.0.1}",
      description = "Listen address (default: $REMEDIATOR_RECEIVER_HOST or ${DEFAULT-VALUE}; 0.0.0.0 for every"
          + " interface, e.g. in a pod).")
  String host;

  @Option(
      names = "--body-deadline",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "A request body not complete within this is answered 408 (default ${DEFAULT-VALUE}).")
  int bodyDeadlineSeconds;

  @Option(
      names = "--max-requests-per-client",
      paramLabel = "N",
      defaultValue = "128",
      description = "Requests in progress per remote address; more are answered 429 (default ${DEFAULT-VALUE}).")
  int maxRequestsPerClient;

  @Option(names = "--port", description = "Listen port (default: receiver.port from the config, else 8080).")
  Integer port;

  @Option(
      names = "--temporal-timeout",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description = "Budget of one Temporal call, retries included; past it a webhook is answered 503 (default"
          + " ${DEFAULT-VALUE}).")
  int temporalTimeoutSeconds;

  @Override
  public Integer call() throws InterruptedException {
    RemediatorConfig cfg = config.load();
    ReceiverMetrics metrics = new ReceiverMetrics();
    Scope scope = metrics.temporalScope(Duration.ofSeconds(5));
    try (TemporalConnection temporal =
            TemporalConnection.connect(
                null, ClientTuning.failFast(Duration.ofSeconds(temporalTimeoutSeconds), scope));
        AlertReceiver receiver =
            new AlertReceiver(cfg, new IncidentStubs(temporal.client()), metrics,
                    AlertReceiver.Limits.DEFAULT
                        .withBodyDeadline(Duration.ofSeconds(bodyDeadlineSeconds))
                        .withMaxRequestsPerClient(maxRequestsPerClient))
                .start(host, port != null ? port : cfg.receiverOrDefault().portOrDefault())) {
      TemporalReachability.logChanges(temporal.service(), "the receiver");
      System.out.println("receiver listening on " + host + ":" + receiver.port() + AlertReceiver.WEBHOOK_PATH);
      Services.awaitShutdown(() -> Services.close(scope));
      return 0;
    }
  }
}
