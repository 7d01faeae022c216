package dev.remediator.temporal;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.envconfig.ClientConfigProfile;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

/**
 * A connection to Temporal, configured the way every Temporal SDK and CLI is: {@code TEMPORAL_ADDRESS},
 * {@code TEMPORAL_NAMESPACE}, {@code TEMPORAL_API_KEY}, {@code TEMPORAL_TLS*}, or a profile in
 * {@code temporal.toml} ({@code TEMPORAL_PROFILE}, {@code TEMPORAL_CONFIG_FILE}).
 */
public record TemporalConnection(WorkflowServiceStubs service, WorkflowClient client) implements AutoCloseable {

  /** Connects as the environment says. */
  public static TemporalConnection fromEnvironment() {
    return connect(null);
  }

  /**
   * Connects as the environment says, but to {@code address} when it is given (the embedded server's port).
   * Namespace, TLS and API key still come from the environment.
   */
  public static TemporalConnection connect(String address) {
    return connect(address, stubs -> {});
  }

  /**
   * As {@link #connect(String)}, with {@code tuning} applied to the service stubs' options last (metrics scope,
   * RPC deadlines and retries of the receiver and the CLI).
   */
  public static TemporalConnection connect(String address, Consumer<WorkflowServiceStubsOptions.Builder> tuning) {
    ClientConfigProfile profile;
    try {
      profile = ClientConfigProfile.load();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Temporal client configuration", e);
    }
    WorkflowServiceStubsOptions.Builder stubs =
        WorkflowServiceStubsOptions.newBuilder(profile.toWorkflowServiceStubsOptions());
    if (address != null) {
      stubs.setTarget(address);
    }
    tuning.accept(stubs);
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(stubs.build());
    WorkflowClientOptions clientOptions =
        WorkflowClientOptions.newBuilder(profile.toWorkflowClientOptions()).build();
    return new TemporalConnection(service, WorkflowClient.newInstance(service, clientOptions));
  }

  public String namespace() {
    return client.getOptions().getNamespace();
  }

  @Override
  public void close() {
    service.shutdown();
  }
}
