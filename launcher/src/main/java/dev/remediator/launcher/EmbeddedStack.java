package dev.remediator.launcher;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.starter.AlertDelivery;
import dev.remediator.starter.AlertReceiver;
import dev.remediator.starter.IncidentControl;
import dev.remediator.starter.IncidentStubs;
import dev.remediator.starter.ReceiverMetrics;
import dev.remediator.temporal.TemporalConnection;
import dev.remediator.temporal.TemporalReachability;
import dev.remediator.worker.PollsWaitForReady;
import dev.remediator.worker.RemediatorWorker;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Temporal server (the embedded one, or the real dev server of the {@code temporal} CLI) + worker + receiver in one
 * process: what {@code demo} and {@code dev} run. Closing it stops them all, the server last.
 */
public final class EmbeddedStack implements AutoCloseable {
  private final TemporalServer temporal;
  private final TemporalConnection connection;
  private final WorkerFactory workers;
  private final AlertReceiver receiver;
  private final AlertDelivery delivery;
  private final IncidentControl incidents;

  private EmbeddedStack(
      TemporalServer temporal,
      TemporalConnection connection,
      WorkerFactory workers,
      AlertReceiver receiver,
      AlertDelivery delivery) {
    this.temporal = temporal;
    this.connection = connection;
    this.workers = workers;
    this.receiver = receiver;
    this.delivery = delivery;
    this.incidents = new IncidentControl(delivery.stubs());
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
    return start(config, EmbeddedTemporal.start(temporalPort), host, receiverPort, kubernetes);
  }

  /**
   * Starts the worker and receiver on {@code temporal}, which the stack then owns (it is closed with the stack, also
   * when the start fails).
   */
  public static EmbeddedStack start(
      RemediatorConfig config, TemporalServer temporal, String host, int receiverPort, KubernetesClient kubernetes) {
    TemporalConnection connection = null;
    WorkerFactory workers = null;
    try {
      connection = TemporalConnection.connect(temporal.address(),
          stubs -> stubs.setGrpcClientInterceptors(List.of(PollsWaitForReady.INSTANCE)));
      TemporalReachability.logChanges(connection.service(), "the worker and the receiver");
      workers =
          kubernetes == null
              ? RemediatorWorker.create(connection.client(), config, temporal.embedded())
              : RemediatorWorker.create(connection.client(), config, temporal.embedded(), kubernetes);
      workers.start();
      AlertDelivery delivery = new AlertDelivery(new IncidentStubs(connection.client()), config);
      AlertReceiver receiver = new AlertReceiver(config, delivery, new ReceiverMetrics(), AlertReceiver.Limits.DEFAULT)
          .start(host, receiverPort);
      return new EmbeddedStack(temporal, connection, workers, receiver, delivery);
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

  public TemporalServer temporal() {
    return temporal;
  }

  public WorkflowClient client() {
    return connection.client();
  }

  public String temporalAddress() {
    return temporal.address();
  }

  public String webhookUrl() {
    return "http://127.0.0.1:" + receiver.port() + AlertReceiver.WEBHOOK_PATH;
  }

  /** After the server came back (restarted): reconnect now, not when gRPC's reconnect backoff next allows. */
  void reconnect() {
    connection.service().getRawChannel().resetConnectBackoff();
  }

  public IncidentControl incidents() {
    return incidents;
  }

  /** The receiver's delivery (with the runs it saw), for another receiver on this stack. */
  public AlertDelivery delivery() {
    return delivery;
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
