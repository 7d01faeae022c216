package dev.remediator.launcher;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.starter.AlertReceiver;
import dev.remediator.starter.IncidentClient;
import dev.remediator.temporal.TemporalConnection;
import dev.remediator.worker.RemediatorWorker;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.worker.WorkerFactory;
import java.util.concurrent.TimeUnit;

/** Embedded Temporal server + worker + receiver in one process: what {@code demo} and {@code dev} run. */
public final class EmbeddedStack implements AutoCloseable {
  private final EmbeddedTemporal temporal;
  private final TemporalConnection connection;
  private final WorkerFactory workers;
  private final AlertReceiver receiver;
  private final IncidentClient incidents;

  private EmbeddedStack(
      EmbeddedTemporal temporal,
      TemporalConnection connection,
      WorkerFactory workers,
      AlertReceiver receiver,
      IncidentClient incidents) {
    this.temporal = temporal;
    this.connection = connection;
    this.workers = workers;
    this.receiver = receiver;
    this.incidents = incidents;
  }

  /** Starts everything; ports 0 pick free ones. */
  public static EmbeddedStack start(RemediatorConfig config, int temporalPort, String host, int receiverPort) {
    return start(config, temporalPort, host, receiverPort, null);
  }

  /**
   * Starts everything, with the worker's Kubernetes activities on {@code kubernetes} (the demo's simulated
   * cluster), or on the environment's cluster when it is null.
   */
  public static EmbeddedStack start(
      RemediatorConfig config, int temporalPort, String host, int receiverPort, KubernetesClient kubernetes) {
    EmbeddedTemporal temporal = EmbeddedTemporal.start(temporalPort);
    TemporalConnection connection = null;
    WorkerFactory workers = null;
    try {
      connection = TemporalConnection.connect(temporal.address());
      workers =
          kubernetes == null
              ? RemediatorWorker.create(connection.client(), config, true)
              : RemediatorWorker.create(connection.client(), config, true, kubernetes);
      workers.start();
      IncidentClient incidents = new IncidentClient(connection.client(), config);
      AlertReceiver receiver = new AlertReceiver(config, incidents).start(host, receiverPort);
      return new EmbeddedStack(temporal, connection, workers, receiver, incidents);
    } catch (RuntimeException e) {
      if (workers != null) {
        workers.shutdownNow();
      }
      if (connection != null) {
        connection.close();
      }
      temporal.close();
      throw e;
    }
  }

  public String temporalAddress() {
    return temporal.address();
  }

  public String webhookUrl() {
    return "http://127.0.0.1:" + receiver.port() + AlertReceiver.WEBHOOK_PATH;
  }

  public IncidentClient incidents() {
    return incidents;
  }

  @Override
  public void close() {
    receiver.close();
    workers.shutdownNow();
    workers.awaitTermination(10, TimeUnit.SECONDS);
    connection.close();
    temporal.close();
  }
}
