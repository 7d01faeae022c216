package dev.remediator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.incident.ActionResult;
import dev.remediator.incident.ActionType;
import dev.remediator.kubeplane.ControlPlane;
import dev.remediator.kubeplane.ControlPlaneExtension;
import dev.remediator.runbook.dbpool.PoolReportSection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ./remediator demo --kubernetes=real} and {@code demo service-down --kubernetes=real} end to end: each run
 * starts its own real control plane (kube-apiserver with RBAC, controllers, KWOK), creates prod/auth-service, lets the
 * worker act with its own ServiceAccount token and stops the control plane at the end. Asserted: exit 0 and the
 * Deployment as the real controller left it. Without the binaries skipped with a visible line, a failure with
 * {@code REMEDIATOR_REQUIRE_KUBE=true}.
 */
class DemoOnRealKubeIT {

  private static final String UNAVAILABLE = ControlPlane.unavailableReason();

  /** Without the binaries (or while .ci/run defers these tests): a failure where required, else one visible line. */
  @BeforeAll
  static void controlPlaneBinaries() {
    if (UNAVAILABLE == null) {
      return;
    }
    if (ControlPlaneExtension.required()) {
      Assertions.fail(UNAVAILABLE + "; " + ControlPlane.REQUIRE_ENV + "=true requires it");
    }
    System.err.println("\n[WARNING] SKIPPING DemoOnRealKubeIT (demo --kubernetes=real): " + UNAVAILABLE + ". Set "
        + ControlPlane.REQUIRE_ENV + "=true to make this a failure.\n");
  }

  /** Each test skipped (Maven counts them: "Skipped: 2"), as ControlPlaneExtension's classes are. */
  @BeforeEach
  void skipWithoutControlPlane() {
    Assumptions.assumeTrue(UNAVAILABLE == null, () -> "SKIPPING: " + UNAVAILABLE);
  }

  @Test
  void theServiceDownDemoRollsBackOnTheRealController() {
    Run run = run("service-down", "--kubernetes=real");

    assertThat(run.exit()).as(run.output()).isZero();
    ServiceDownDemo.Result result = (ServiceDownDemo.Result) run.command().result;
    assertThat(result.report().actions()).as(run.output())
        .filteredOn(a -> a.type() == ActionType.ROLLBACK && a.result() == ActionResult.EXECUTED).hasSize(1);
    assertThat(result.report().diagnosis().evidence()).contains("cause: bad rollout");
    RealCluster.State k = result.kubernetes();
    // created at 1, the bad release 2, the rollback: revision 1's ReplicaSet reused and renumbered 3 by the controller
    assertThat(k.image()).isEqualTo(ServiceDownDemo.GOOD_IMAGE);
    assertThat(k.revision()).isEqualTo(3);
    assertThat(k.readyPods()).isEqualTo(SimulatedCluster.REPLICAS);
    assertThat(k.replicaSets()).extracting(RealCluster.RevisionState::revision).containsExactly(2L, 3L);
    assertThat(k.replicaSets().get(0).image()).isEqualTo(ServiceDownDemo.REAL_BAD_IMAGE);
    assertThat(k.replicaSets().get(0).replicas()).isZero();
    assertThat(k.replicaSets().get(1).image()).isEqualTo(ServiceDownDemo.GOOD_IMAGE);
    assertThat(k.replicaSets().get(1).revisionHistory()).as("exactly one rollback: to revision 1, once").isEqualTo("1");
    assertThat(k.replicaSets().get(1).replicas()).isEqualTo(SimulatedCluster.REPLICAS);
    assertThat(run.output())
        .contains("REAL Kubernetes control plane")
        .contains("image auth-service: " + ServiceDownDemo.GOOD_IMAGE + " -> " + ServiceDownDemo.REAL_BAD_IMAGE)
        .contains("(now revision 3)")
        .contains("Rolled back.");
  }

  @Test
  void thePoolDemoRestartsOnTheRealController() {
    Run run = run("--kubernetes=real");

    assertThat(run.exit()).as(run.output()).isZero();
    Demo.Result result = (Demo.Result) run.command().result;
    assertThat(result.leakCleared()).isTrue();
    assertThat(PoolReportSection.of(result.report()).sessionsTerminated()).isEqualTo(Demo.LEAKED);
    assertThat(result.report().actions()).as(run.output())
        .filteredOn(a -> a.type() == ActionType.ROLLING_RESTART && a.result() == ActionResult.EXECUTED).hasSize(1);
    RealCluster.State k = result.kubernetes();
    // created at 1; exactly one rolling restart: revision 2, a new ReplicaSet with every pod, the old one at 0
    assertThat(result.rollouts()).isEqualTo(1);
    assertThat(k.revision()).isEqualTo(2);
    assertThat(k.image()).isEqualTo(ServiceDownDemo.GOOD_IMAGE);
    assertThat(k.readyPods()).isEqualTo(SimulatedCluster.REPLICAS);
    assertThat(k.replicaSets()).extracting(RealCluster.RevisionState::revision).containsExactly(1L, 2L);
    assertThat(k.replicaSets()).extracting(RealCluster.RevisionState::replicas)
        .containsExactly(0, SimulatedCluster.REPLICAS);
    assertThat(run.output())
        .contains("REAL Kubernetes control plane")
        .contains("now revision 2")
        .contains("Leak cleared.");
  }

  private record Run(int exit, String output, DemoCommand command) {}

  /** The command as {@code ./remediator demo ARGS} runs it, its standard output captured. */
  private static Run run(String... args) {
    DemoCommand command = new DemoCommand();
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = new CommandLine(command).execute(args);
    } finally {
      System.setOut(original);
    }
    String output = buffer.toString(StandardCharsets.UTF_8);
    original.println(output);
    return new Run(exit, output, command);
  }
}
