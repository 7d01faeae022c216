package dev.remediator.launcher;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.temporal.TemporalConnection;
import dev.remediator.worker.RemediatorWorker;
import io.temporal.worker.WorkerFactory;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Runs a worker against the Temporal cluster named by the environment ({@code TEMPORAL_ADDRESS}, ...). */
@Command(name = "worker", mixinStandardHelpOptions = true, description = "Run a worker (TEMPORAL_ADDRESS...).")
final class WorkerCommand implements Callable<Integer> {
  @Mixin ConfigOption config;

  @Override
  public Integer call() throws InterruptedException {
    RemediatorConfig cfg = config.load();
    try (TemporalConnection temporal = TemporalConnection.fromEnvironment()) {
      WorkerFactory factory = RemediatorWorker.create(temporal.client(), cfg, false);
      factory.start();
      System.out.println("worker polling task queue " + cfg.taskQueueOrDefault() + " in namespace "
          + temporal.namespace());
      Services.awaitShutdown(factory::shutdown);
      return 0;
    }
  }
}
