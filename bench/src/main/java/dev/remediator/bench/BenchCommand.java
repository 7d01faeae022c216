package dev.remediator.bench;

import dev.remediator.launcher.ModuleCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./remediator bench}: measures the receiver, the worker, the CLI and the snapshot; writes BENCHMARKS.md. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Run the benchmark suite and write a Markdown report. On the embedded stack: an Alertmanager storm (beside a"
          + " bare JDK HTTP server), one huge delivery, slow clients, the one-process footprint. On temporal server"
          + " start-dev (skipped without the `temporal` CLI) with a real PostgreSQL leak: the worker alone in its own"
          + " JVM, alert -> plan, workflow overhead against a minimal workflow, the operator CLI's wall time. The"
          + " diagnosis snapshot beside psql.",
      "Takes about 35 minutes on 2 cores with the default sizes (15 of them the storm's idle windows; --storm-idle=0"
          + " skips them); --smoke runs tiny sizes in a minute or two."
    })
public final class BenchCommand implements Callable<Integer>, ModuleCommand {
  @Option(names = {"-o", "--out"}, paramLabel = "FILE", defaultValue = "BENCHMARKS.md",
      description = "Where to write the report (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--smoke", description = "Tiny sizes: proves the suite runs, measures nothing worth reading.")
  boolean smoke;

  @Option(names = "--targets", paramLabel = "N", description = "Targets (incidents) of the storm (default 1000).")
  Integer targets;

  @Option(names = "--cli-runs", paramLabel = "N", description = "Runs of each operator CLI verb (default 5; 1 with"
      + " --smoke); enough incidents for up to 10 decisions over gRPC and 10 over Temporal's HTTP API.")
  Integer cliRuns;

  /** Which rows run. */
  enum Rows {
    all,
    embedded,
    dev,
    snapshot,
    storm
  }

  @Option(names = "--rows", paramLabel = "WHICH", defaultValue = "all",
      description = "all, embedded (the storm, huge delivery, slow clients on the embedded stack), dev (the storm on"
          + " temporal server start-dev, then the worker alone, alert -> plan, workflow overhead, the operator CLI"
          + " there; the snapshot against psql), snapshot (the diagnosis snapshot against psql alone, about a minute)"
          + " or storm (the storm on temporal server start-dev alone) (default"
          + " ${DEFAULT-VALUE}).")
  Rows rows;

  @Option(names = "--storm-targets", paramLabel = "N",
      description = "Targets (incidents) of the storm on temporal server start-dev (default 1000).")
  Integer stormTargets;

  @Option(names = "--storm-repeats", paramLabel = "N",
      description = "Deliveries of each target's alert per HA peer in that storm (default 5).")
  Integer stormRepeats;

  @Option(names = "--storm-wait", paramLabel = "SECONDS",
      description = "How long after that storm every incident may take to reach its diagnosis (default 300).")
  Integer stormWait;

  @Option(names = "--storm-idle", paramLabel = "MINUTES",
      description = "How long worker + server CPU is measured after that storm, its incidents open and their"
          + " dependencies dead, in 5-minute windows (default 15; 0: not measured; --smoke: 2 x 15 s).")
  Integer stormIdle;

  @Option(names = "--storm-worker-args", paramLabel = "ARGS",
      description = "Extra arguments of `remediator worker` in that storm, space-separated (tuning to compare).")
  String stormWorkerArgs;

  @Override
  public Integer call() throws Exception {
    Bench.Sizes s = smoke ? Bench.Sizes.SMOKE : Bench.Sizes.FULL;
    if (targets != null) {
      s = new Bench.Sizes(targets, s.repeats(), s.concurrency(), s.bigAlerts(), s.slowConnections(), s.idleWindow());
    }
    DevServerBench.Sizes dev = smoke ? DevServerBench.Sizes.SMOKE : DevServerBench.Sizes.FULL;
    if (cliRuns != null) {
      // Each decision needs an incident of its own: up to 10 over gRPC and 10 over HTTP (DevServerBench).
      int isolated = Math.max(dev.isolated(), 2 * Math.min(10, cliRuns) + 1);
      dev = new DevServerBench.Sizes(Math.max(dev.incidents(), isolated + dev.measured()), dev.measured(), isolated,
          dev.pace(), dev.snapshotConnections(), dev.idleWindow(), cliRuns);
    }
    DevServerStorm.Sizes storm = smoke ? DevServerStorm.Sizes.SMOKE : DevServerStorm.Sizes.FULL;
    storm = new DevServerStorm.Sizes(stormTargets != null ? stormTargets : storm.targets(),
        stormRepeats != null ? stormRepeats : storm.repeats(), storm.concurrency(),
        stormWait != null ? Duration.ofSeconds(stormWait) : storm.settleWait(),
        stormWorkerArgs == null || stormWorkerArgs.isBlank() ? List.of()
            : List.of(stormWorkerArgs.trim().split("\\s+")),
        stormIdle != null ? storm.idle().withMinutes(stormIdle) : storm.idle());
    long t0 = System.nanoTime();
    String report = new Bench(s, rows == Rows.embedded || rows == Rows.storm ? null : dev,
        rows == Rows.all || rows == Rows.embedded, rows != Rows.snapshot,
        line -> System.err.println("bench: " + line))
        .withStorm(rows == Rows.all || rows == Rows.dev || rows == Rows.storm ? storm : null).run();
    Files.writeString(out, report);
    System.out.print(report);
    System.err.printf("bench: wrote %s in %d s%n", out, Duration.ofNanos(System.nanoTime() - t0).toSeconds());
    return 0;
  }
}
