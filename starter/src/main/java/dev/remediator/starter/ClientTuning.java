package dev.remediator.starter;

import com.uber.m3.tally.Scope;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Service-stub settings for the receiver and the CLI: short RPC deadlines and a bounded retry budget, so that a down
 * Temporal is reported within seconds (the receiver answers 503 and Alertmanager retries) instead of after the SDK's
 * default minute of retries.
 */
public final class ClientTuning {
  /** Default budget for one client operation, retries included. */
  public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(5);

  private ClientTuning() {}

  /** Fail fast within about {@code budget}; with {@code metricsScope} (may be null) for the SDK's client metrics. */
  public static Consumer<WorkflowServiceStubsOptions.Builder> failFast(Duration budget, Scope metricsScope) {
    return stubs -> {
      stubs
          .setRpcTimeout(budget)
          .setRpcQueryTimeout(budget)
          .setRpcRetryOptions(
              RpcRetryOptions.newBuilder()
                  .setExpiration(budget)
                  .setInitialInterval(Duration.ofMillis(100))
                  .setMaximumInterval(Duration.ofSeconds(1))
                  .validateBuildWithDefaults());
      if (metricsScope != null) {
        stubs.setMetricsScope(metricsScope);
      }
    };
  }
}
