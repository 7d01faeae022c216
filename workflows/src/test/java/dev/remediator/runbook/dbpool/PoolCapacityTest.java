package dev.remediator.runbook.dbpool;

import dev.remediator.incident.RunbookPolicy;
import dev.remediator.registry.Runbooks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Capacity math for the temporary pool increase: the server must never be exhaustible by the proposal. */
class PoolCapacityTest {
  static final RunbookPolicy POLICY = Runbooks.defaultPolicy(); // critical 0.90, factor 1.5

  /** A 500-slot server (3 reserved) with 12 connections of other clients. */
  static ConnectionSnapshot server(int maxConnections, int otherConnections) {
    return new ConnectionSnapshot("2026-11-26T17:30:00.000000Z", 80, 10, 40, 30, 900, maxConnections, 3,
        80 + otherConnections, 80.0 / (maxConnections - 3), List.of(), List.of(), List.of(), List.of(),
        PoolDiagnosis.unknown(), List.of(), 80, otherConnections, 0, 0, "16.4");
  }

  static PoolSettings settings(int replicas, String poolSize, String maxOverflow) {
    return new PoolSettings(
        replicas,
        List.of(
            new PoolSettings.EnvValue("DATABASE_POOL_SIZE", poolSize),
            new PoolSettings.EnvValue("DATABASE_MAX_OVERFLOW", maxOverflow)));
  }

  @Test
  void theRunbooksOwnProposalIsRefusedWithTheLargestSafeOne() {
    // 4 replicas + 1 surge pod, each allowed 100 + 150: 1262 connections against 447 allowed.
    CapacityAssessment a = PoolCapacity.assess(server(500, 12), settings(4, "20", "40"), POLICY, 100, 150);

    assertThat(a.refused()).isTrue();
    assertThat(a.headroom()).isEqualTo(50); // 497 usable, worst case kept at 90 % = 447
    assertThat(a.pods()).isEqualTo(5);
    assertThat(a.perPodBudget()).isEqualTo(87);
    assertThat(a.worstCaseConnections()).isEqualTo(1262);
    assertThat(a.currentWorstCase()).isEqualTo(312);
    assertThat(a.increasePossible()).isTrue();
    assertThat(a.largestSafePoolSize()).isEqualTo(34);
    assertThat(a.largestSafeMaxOverflow()).isEqualTo(53);
    assertThat(a.reason())
        .isEqualTo("could exhaust the server: (4 replicas + 1 surge) × (100 + 150) + 12 other connections = 1262,"
            + " limit 497 usable − 50 headroom = 447; largest safe is 34 + 53");
  }

  @Test
  void thePolicysIncreaseIsCappedToWhatFits() {
    CapacityAssessment a = PoolCapacity.proposeIncrease(server(500, 12), settings(4, "20", "40"), POLICY);

    assertThat(a.refused()).isFalse();
    assertThat(a.proposedPoolSize()).isEqualTo(29);
    assertThat(a.proposedMaxOverflow()).isEqualTo(58);
    assertThat(a.worstCaseConnections()).isEqualTo(447);
    assertThat(a.reason()).startsWith("30 + 60 (× 1.5) capped to 29 + 58: fits: ");
  }

  @Test
  void anIncreaseThatFitsIsAcceptedAsProposed() {
    CapacityAssessment a =
        PoolCapacity.of(server(500, 12), 4, 20, 40, POLICY).increaseBy(1.2);

    assertThat(a.refused()).isFalse();
    assertThat(a.proposedPoolSize()).isEqualTo(24);
    assertThat(a.proposedMaxOverflow()).isEqualTo(48);
    assertThat(a.largestSafePoolSize()).isEqualTo(24);
    assertThat(a.largestSafeMaxOverflow()).isEqualTo(48);
    assertThat(a.reason())
        .isEqualTo("fits: (4 replicas + 1 surge) × (24 + 48) + 12 other connections = 372, limit 497 usable − 50"
            + " headroom = 447");
  }

  @Test
  void otherClientsUsageLeavesNoRoomForAnyIncrease() {
    CapacityAssessment a = PoolCapacity.proposeIncrease(server(500, 300), settings(4, "20", "40"), POLICY);

    assertThat(a.refused()).isTrue();
    assertThat(a.increasePossible()).isFalse();
    assertThat(a.perPodBudget()).isEqualTo(29);
    assertThat(a.largestSafePoolSize()).isEqualTo(20);
    assertThat(a.largestSafeMaxOverflow()).isEqualTo(40);
    assertThat(a.reason()).endsWith("no increase fits (budget 29 per pod, current 20 + 40)");
  }

  @Test
  void everyVerdictMatchesTheInequalityAndTheLargestSafeProposalIsAlwaysAccepted() {
    for (int others : new int[] {0, 12, 150}) {
      PoolCapacity c = PoolCapacity.of(server(300, others), 3, 10, 5, POLICY);
      for (int p = 10; p <= 70; p++) {
        for (int o = 0; o <= 70; o++) {
          CapacityAssessment a = c.assess(p, o);
          if (p + o <= 15) {
            assertThat(a.refused()).as("not an increase: %d + %d", p, o).isTrue();
            continue;
          }
          boolean exhausts = c.pods() * (p + o) + others > c.usableConnections() - c.headroom();
          assertThat(a.refused()).as("%d + %d with %d others", p, o, others).isEqualTo(exhausts);
          if (a.increasePossible()) {
            int sp = a.largestSafePoolSize();
            int so = a.largestSafeMaxOverflow();
            assertThat(sp).isBetween(10, p);
            assertThat(so).isBetween(0, o);
            assertThat(sp + so).isGreaterThan(15);
            assertThat(c.assess(sp, so).refused()).as("largest safe %d + %d", sp, so).isFalse();
          } else {
            assertThat(c.perPodBudget()).isLessThanOrEqualTo(15);
          }
        }
      }
    }
  }

  @Test
  void unusableInputIsRefusedWithAClearReason() {
    ConnectionSnapshot s = server(500, 12);
    assertThat(PoolCapacity.proposeIncrease(s, settings(4, "abc", "40"), POLICY).reason())
        .isEqualTo("DATABASE_POOL_SIZE=abc is not a whole number");
    assertThat(PoolCapacity.proposeIncrease(s, settings(4, null, "40"), POLICY).reason())
        .startsWith("DATABASE_POOL_SIZE is not set on the container");
    assertThat(PoolCapacity.proposeIncrease(s, settings(4, "20", "-1"), POLICY).reason())
        .isEqualTo("DATABASE_MAX_OVERFLOW=-1 is negative");
    assertThat(PoolCapacity.proposeIncrease(s, new PoolSettings(4, List.of()), POLICY).reason())
        .startsWith("no pool settings");
    assertThat(PoolCapacity.proposeIncrease(s, settings(0, "20", "40"), POLICY).reason())
        .isEqualTo("the deployment has 0 replicas: nothing to resize");
    assertThat(PoolCapacity.assess(s, settings(4, "20", "40"), POLICY, 10, 80).reason())
        .startsWith("not an increase");
    assertThat(PoolCapacity.of(s, 4, 20, 40, POLICY).increaseBy(0.5).reason())
        .isEqualTo("the increase factor must be greater than 1, got 0.5");
    assertThat(PoolCapacity.proposeIncrease(server(3, 0), settings(1, "5", "0"), POLICY).reason())
        .startsWith("the server has no usable connection slots");
    for (CapacityAssessment a :
        List.of(
            PoolCapacity.proposeIncrease(s, settings(4, "abc", "40"), POLICY),
            PoolCapacity.proposeIncrease(s, settings(0, "20", "40"), POLICY))) {
      assertThat(a.refused()).isTrue();
      assertThat(a.increasePossible()).isFalse();
    }
  }

  @Test
  void aMissingOverflowVariableMeansNoOverflow() {
    PoolSettings onlyPool =
        new PoolSettings(2, List.of(new PoolSettings.EnvValue("DATABASE_POOL_SIZE", "10"),
            new PoolSettings.EnvValue("DATABASE_MAX_OVERFLOW", null)));

    CapacityAssessment a = PoolCapacity.proposeIncrease(server(100, 0), onlyPool, POLICY);

    assertThat(a.refused()).isFalse();
    assertThat(a.proposedPoolSize()).isEqualTo(15);
    assertThat(a.proposedMaxOverflow()).isZero();
    assertThat(a.pods()).isEqualTo(3);
  }

  @Test
  void defaultsFollowKubernetesAndThePolicy() {
    assertThat(PoolCapacity.defaultSurge(1)).isEqualTo(1);
    assertThat(PoolCapacity.defaultSurge(4)).isEqualTo(1);
    assertThat(PoolCapacity.defaultSurge(10)).isEqualTo(3);
    assertThat(PoolCapacity.defaultHeadroom(97, POLICY)).isEqualTo(10);
    assertThat(PoolCapacity.defaultHeadroom(5, POLICY)).isEqualTo(1);
  }
}
