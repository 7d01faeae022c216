package dev.remediator.starter.cli;

import dev.remediator.config.ConfigException;
import dev.remediator.starter.ClientTuning;
import dev.remediator.starter.IncidentClient;
import dev.remediator.temporal.TemporalConnection;
import io.grpc.Status;
import io.temporal.client.WorkflowNotFoundException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A verb that talks to Temporal: connects as the environment says ({@code TEMPORAL_ADDRESS}, {@code
 * TEMPORAL_NAMESPACE}, TLS, API key, {@code temporal.toml}) or to {@code --address}, with short deadlines, and maps
 * failures to the documented exit codes.
 */
public abstract class TemporalCommand implements Callable<Integer> {
  @Mixin protected Output output;

  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      description = "Temporal frontend address (default: TEMPORAL_ADDRESS, a temporal.toml profile, or 127.0.0.1:7233).")
  String address;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "Give up on an unreachable Temporal after this many seconds (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /** The verb itself; returns the exit code. Throw {@link CliFailure} for an expected failure. */
  protected abstract int run(IncidentClient incidents);

  @Override
  public final Integer call() {
    try (TemporalConnection temporal =
        TemporalConnection.connect(address, ClientTuning.failFast(Duration.ofSeconds(timeoutSeconds), null))) {
      return run(new IncidentClient(temporal.client(), null));
    } catch (CliFailure e) {
      return output.fail(e.exitCode(), e.getMessage());
    } catch (ConfigException e) {
      return output.fail(ExitCodes.USAGE, "configuration error: " + e.getMessage());
    } catch (WorkflowNotFoundException e) {
      return output.fail(ExitCodes.NOT_FOUND, "no incident " + e.getExecution().getWorkflowId());
    } catch (RuntimeException e) {
      Status.Code code = IncidentClient.grpcStatus(e).orElse(null);
      if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
        return output.fail(ExitCodes.ERROR, "Temporal is not reachable"
            + (address != null ? " at " + address : "") + " (" + code + ")");
      }
      if (code == Status.Code.NOT_FOUND) {
        return output.fail(ExitCodes.NOT_FOUND, rootMessage(e));
      }
      return output.fail(ExitCodes.ERROR, rootMessage(e));
    }
  }

  static String rootMessage(Throwable e) {
    return dev.remediator.starter.UserMessages.of(e);
  }

  /** Fails with exit 4 unless the incident has a running run. */
  static void requireOpen(IncidentClient incidents, String incidentId) {
    if (incidents.runningRunId(incidentId).isEmpty()) {
      throw new CliFailure(ExitCodes.NOT_FOUND, "no open incident " + incidentId);
    }
  }
}
