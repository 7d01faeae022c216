package dev.remediator.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.remediator.kubeplane.ControlPlane;
import dev.remediator.launcher.TemporalDevServer;
import dev.remediator.launcher.TemporalMode;
import dev.remediator.launcher.ModuleCommand;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./remediator demo}: exit 0 only if the leak was cleared. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the whole runbook once against an embedded PostgreSQL with a simulated leak;"
        + " `demo service-down`: the Service Down runbook, a bad image rollout rolled back. On a simulated cluster,"
        + " or with --kubernetes=real on a real Kubernetes control plane. `demo db-performance`: the Database"
        + " Performance runbook, a session holding a lock cancelled after approval, its queue drained.")
public final class DemoCommand implements Callable<Integer>, ModuleCommand {
  @Parameters(arity = "0..1", paramLabel = "RUNBOOK",
      description = "service-down: the Service Down runbook; db-performance: the Database Performance runbook"
          + " (both on embedded Temporal only).")
  String runbook;

  @Option(names = "--verbose", description = "Show worker and library logs.")
  boolean verbose;

  @Option(
      names = "--temporal",
      paramLabel = "MODE",
      defaultValue = "embedded",
      converter = TemporalMode.Converter.class,
      description = "embedded (default: no prerequisites) or cli: the `temporal` CLI's dev server, to follow the"
          + " same run in its Web UI (kept up at the end until Enter when run from a terminal); auto: cli if found.")
  TemporalMode temporal;

  @Option(
      names = "--kubernetes",
      paramLabel = "MODE",
      defaultValue = "simulated",
      converter = KubernetesMode.Converter.class,
      description = "simulated (default: fabric8's mock API server, no prerequisites) or real: a real control plane"
          + " (kube-apiserver with RBAC, controllers, KWOK nodes) from scripts/install-kube-control-plane.sh, the"
          + " worker acting with its own ServiceAccount token; stopped when the demo ends.")
  KubernetesMode kubernetes;

  /** The last run's result ({@link Demo.Result}, {@link ServiceDownDemo.Result} or {@link DbPerfDemo.Result}). */
  Object result;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      for (String name : new String[] {Logger.ROOT_LOGGER_NAME, "dev.remediator", "io.temporal"}) {
        ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.ERROR);
      }
    }
    if (temporal == TemporalMode.CLI && TemporalDevServer.findCli(System.getenv()).isEmpty()) {
      System.err.println("--temporal=cli: no `temporal` CLI found (TEMPORAL_CLI, PATH); "
          + TemporalDevServer.INSTALL_HINT);
      return 2;
    }
    if (kubernetes == KubernetesMode.REAL) {
      String unavailable = ControlPlane.unavailableReason();
      if (unavailable != null) {
        System.err.println("--kubernetes=real: " + unavailable + ". Without them, `demo` runs on the simulated"
            + " cluster.");
        return 2;
      }
    }
    if (runbook != null) {
      if (!"service-down".equals(runbook) && !"db-performance".equals(runbook)) {
        System.err.println("unknown demo '" + runbook + "': the demos are the default (connection pool),"
            + " service-down and db-performance");
        return 2;
      }
      if (temporal != TemporalMode.EMBEDDED) {
        System.err.println("demo " + runbook + " runs on the embedded Temporal server only");
        return 2;
      }
      if ("db-performance".equals(runbook)) {
        if (kubernetes != KubernetesMode.SIMULATED) {
          System.err.println("demo db-performance needs no Kubernetes: --kubernetes does not apply");
          return 2;
        }
        DbPerfDemo.Result performance = new DbPerfDemo(System.out).run();
        result = performance;
        return performance.blockerCancelled() ? 0 : 1;
      }
      ServiceDownDemo.Result serviceDown = new ServiceDownDemo(System.out, kubernetes).run();
      result = serviceDown;
      return serviceDown.rolledBack() ? 0 : 1;
    }
    Demo.Result pool = new Demo(System.out, temporal, System.console() != null, kubernetes).run();
    result = pool;
    return pool.leakCleared() ? 0 : 1;
  }
}
