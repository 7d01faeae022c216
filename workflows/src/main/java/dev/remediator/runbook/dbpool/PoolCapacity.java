package dev.remediator.runbook.dbpool;

import dev.remediator.incident.RunbookPolicy;
import java.util.Locale;

/**
 * Capacity math for the runbook's "Temporary Pool Size Increase" (pure and deterministic: workflow code may call
 * it). Every pod of the application may open up to pool size + max overflow connections; changing the env rolls the
 * deployment, so for a while {@code replicas + surgePods} pods run at once. A proposal is safe only if, with every one
 * of those pods full, the server still has {@code headroom} free slots beside the other clients' current usage:
 *
 * <pre>(replicas + surgePods) × (poolSize + maxOverflow) + otherConnections + headroom ≤ usableConnections</pre>
 *
 * @param replicas the deployment's replicas
 * @param surgePods extra pods a rollout may run at once (the deployment's {@code maxSurge}; Kubernetes defaults to
 *     25 % of replicas, rounded up)
 * @param poolSize the current pool size per pod (e.g. {@code DATABASE_POOL_SIZE})
 * @param maxOverflow the current overflow per pod (e.g. {@code DATABASE_MAX_OVERFLOW}; 0 if the pool has none)
 * @param usableConnections the server's {@code max_connections} minus reserved slots
 * @param otherConnections connections of every other client of the server (all databases), from the snapshot
 * @param headroom slots that must stay free (for other clients' growth, operators, terminating pods)
 */
public record PoolCapacity(
    int replicas,
    int surgePods,
    int poolSize,
    int maxOverflow,
    int usableConnections,
    int otherConnections,
    int headroom) {

  /** Kubernetes' default {@code maxSurge} of 25 %, rounded up. */
  public static int defaultSurge(int replicas) {
    return Math.max(0, (replicas + 3) / 4);
  }

  /**
   * The default headroom: enough that the worst case stays at or below the runbook's critical utilization, at least
   * one slot.
   */
  public static int defaultHeadroom(int usableConnections, RunbookPolicy policy) {
    if (usableConnections <= 0) {
      return 1;
    }
    int belowCritical = (int) Math.floor(usableConnections * policy.criticalUtilization() + 1e-9);
    return Math.max(1, usableConnections - belowCritical);
  }

  /**
   * The capacity for a target from its snapshot (usable slots, other clients' usage) and the deployment's replicas
   * and current pool settings, with the default surge and headroom.
   */
  public static PoolCapacity of(
      ConnectionSnapshot snapshot, int replicas, int poolSize, int maxOverflow, RunbookPolicy policy) {
    int usable = snapshot.usableConnections();
    return new PoolCapacity(
        replicas,
        defaultSurge(replicas),
        poolSize,
        maxOverflow,
        usable,
        snapshot.otherConnections(),
        defaultHeadroom(usable, policy));
  }

  /**
   * The policy's increase ({@code poolIncreaseFactor}) from the deployment's pool env, capped at the largest safe
   * size: refused only if no increase at all is safe or the settings cannot be read. {@code settings.values()} are
   * the configured pool env vars in order: pool size first, then max overflow (absent means 0).
   */
  public static CapacityAssessment proposeIncrease(
      ConnectionSnapshot snapshot, PoolSettings settings, RunbookPolicy policy) {
    int[] current = new int[2];
    String problem = readSettings(settings, current);
    if (problem != null) {
      return unreadable(problem, 0, 0);
    }
    return of(snapshot, settings.replicas(), current[0], current[1], policy)
        .increaseBy(PoolPolicy.of(policy).poolIncreaseFactor());
  }

  /** Assesses an explicit proposal (e.g. the runbook's 100 + 150) against the deployment's pool env. */
  public static CapacityAssessment assess(
      ConnectionSnapshot snapshot,
      PoolSettings settings,
      RunbookPolicy policy,
      int proposedPoolSize,
      int proposedMaxOverflow) {
    int[] current = new int[2];
    String problem = readSettings(settings, current);
    if (problem != null) {
      return unreadable(problem, proposedPoolSize, proposedMaxOverflow);
    }
    return of(snapshot, settings.replicas(), current[0], current[1], policy)
        .assess(proposedPoolSize, proposedMaxOverflow);
  }

  /** Pods that may hold connections at once during the rollout. */
  public int pods() {
    return replicas + surgePods;
  }

  /** Connections one pod may hold at most. Negative when other clients alone leave no room. */
  public int perPodBudget() {
    int pods = pods();
    return pods <= 0 ? 0 : Math.floorDiv(usableConnections - otherConnections - headroom, pods);
  }

  /** Server connections if every pod filled its current pool and overflow. */
  public int currentWorstCase() {
    return pods() * (poolSize + maxOverflow) + otherConnections;
  }

  /**
   * Proposes {@code ceil(current × factor)} for both pool size and overflow, capped at the largest safe size. Refused
   * if no increase at all fits.
   */
  public CapacityAssessment increaseBy(double factor) {
    if (!(factor > 1.0) || Double.isInfinite(factor)) {
      return unusable("the increase factor must be greater than 1, got " + factor, poolSize, maxOverflow);
    }
    int p = increased(poolSize, factor);
    int o = increased(maxOverflow, factor);
    CapacityAssessment wanted = assess(p, o);
    if (!wanted.refused() || !wanted.increasePossible()) {
      return wanted;
    }
    CapacityAssessment capped = assess(wanted.largestSafePoolSize(), wanted.largestSafeMaxOverflow());
    return new CapacityAssessment(
        capped.refused(),
        String.format(
            Locale.ROOT,
            "%d + %d (× %s) capped to %d + %d: %s",
            p,
            o,
            trim(factor),
            capped.proposedPoolSize(),
            capped.proposedMaxOverflow(),
            capped.reason()),
        capped.proposedPoolSize(),
        capped.proposedMaxOverflow(),
        capped.largestSafePoolSize(),
        capped.largestSafeMaxOverflow(),
        capped.increasePossible(),
        capped.pods(),
        capped.perPodBudget(),
        capped.worstCaseConnections(),
        capped.currentWorstCase(),
        capped.usableConnections(),
        capped.otherConnections(),
        capped.headroom());
  }

  /** {@code ceil(value × factor)}: the policy's increase of one setting before any cap. */
  public static int increased(int value, double factor) {
    return (int) Math.min(Integer.MAX_VALUE / 4, Math.ceil(value * factor - 1e-9));
  }

  /** Whether the proposal is safe and, if not, the largest one that is (in the proposal's proportions). */
  public CapacityAssessment assess(int proposedPoolSize, int proposedMaxOverflow) {
    String invalid = invalidInput(proposedPoolSize, proposedMaxOverflow);
    if (invalid != null) {
      return unusable(invalid, proposedPoolSize, proposedMaxOverflow);
    }
    int budget = perPodBudget();
    int current = poolSize + maxOverflow;
    int proposed = proposedPoolSize + proposedMaxOverflow;
    long worstCase = (long) pods() * proposed + otherConnections;
    boolean increasePossible = budget > current;
    int safePool = poolSize;
    int safeOverflow = maxOverflow;
    if (increasePossible) {
      if (proposed <= budget) {
        safePool = proposedPoolSize;
        safeOverflow = proposedMaxOverflow;
      } else {
        // Scale the proposal down to the budget, keeping its split between pool and overflow.
        double share = proposed == 0 ? 1.0 : (double) proposedPoolSize / proposed;
        safePool = Math.min(proposedPoolSize, Math.max(poolSize, (int) Math.floor(budget * share)));
        safePool = Math.min(safePool, budget);
        safeOverflow = Math.max(0, Math.min(proposedMaxOverflow, budget - safePool));
      }
    }
    String math =
        String.format(
            Locale.ROOT,
            "(%d replicas + %d surge) × (%d + %d) + %d other connections = %d, limit %d usable − %d headroom = %d",
            replicas,
            surgePods,
            proposedPoolSize,
            proposedMaxOverflow,
            otherConnections,
            worstCase,
            usableConnections,
            headroom,
            usableConnections - headroom);
    boolean refused = worstCase > usableConnections - headroom;
    String reason;
    if (!refused) {
      reason = "fits: " + math;
    } else if (increasePossible) {
      reason = "could exhaust the server: " + math + "; largest safe is " + safePool + " + " + safeOverflow;
    } else {
      reason = "could exhaust the server: " + math + "; no increase fits (budget " + Math.max(budget, 0)
          + " per pod, current " + poolSize + " + " + maxOverflow + ")";
    }
    return new CapacityAssessment(
        refused,
        reason,
        proposedPoolSize,
        proposedMaxOverflow,
        safePool,
        safeOverflow,
        increasePossible,
        pods(),
        budget,
        (int) Math.min(Integer.MAX_VALUE, worstCase),
        currentWorstCase(),
        usableConnections,
        otherConnections,
        headroom);
  }

  private String invalidInput(int proposedPoolSize, int proposedMaxOverflow) {
    if (replicas < 1) {
      return "the deployment has " + replicas + " replicas: nothing to resize";
    }
    if (surgePods < 0 || poolSize < 0 || maxOverflow < 0 || otherConnections < 0 || headroom < 0) {
      return "negative input: surge " + surgePods + ", pool " + poolSize + " + " + maxOverflow + ", others "
          + otherConnections + ", headroom " + headroom;
    }
    if (usableConnections < 1) {
      return "the server has no usable connection slots (max_connections minus reserved = " + usableConnections + ")";
    }
    if (proposedPoolSize < 0 || proposedMaxOverflow < 0) {
      return "negative proposal " + proposedPoolSize + " + " + proposedMaxOverflow;
    }
    if (proposedPoolSize < poolSize || proposedPoolSize + proposedMaxOverflow <= poolSize + maxOverflow) {
      return "not an increase: " + proposedPoolSize + " + " + proposedMaxOverflow + " over current " + poolSize
          + " + " + maxOverflow;
    }
    return null;
  }

  private CapacityAssessment unusable(String why, int proposedPoolSize, int proposedMaxOverflow) {
    return new CapacityAssessment(
        true, why, proposedPoolSize, proposedMaxOverflow, poolSize, maxOverflow, false, pods(), perPodBudget(),
        0, currentWorstCase(), usableConnections, otherConnections, headroom);
  }

  private static CapacityAssessment unreadable(String why, int proposedPoolSize, int proposedMaxOverflow) {
    return new CapacityAssessment(
        true, why, proposedPoolSize, proposedMaxOverflow, 0, 0, false, 0, 0, 0, 0, 0, 0, 0);
  }

  /** Reads pool size and overflow from the env values; returns a problem or null. */
  private static String readSettings(PoolSettings settings, int[] out) {
    if (settings == null || settings.values() == null || settings.values().isEmpty()) {
      return "no pool settings: configure kubernetes.poolEnv";
    }
    for (int i = 0; i < 2; i++) {
      if (i >= settings.values().size()) {
        out[i] = 0;
        continue;
      }
      PoolSettings.EnvValue v = settings.values().get(i);
      if (v.value() == null) {
        if (i == 0) {
          return v.name() + " is not set on the container: the application's default pool size is unknown";
        }
        out[i] = 0;
        continue;
      }
      try {
        out[i] = Integer.parseInt(v.value().trim());
      } catch (NumberFormatException e) {
        return v.name() + "=" + v.value() + " is not a whole number";
      }
      if (out[i] < 0) {
        return v.name() + "=" + v.value() + " is negative";
      }
    }
    return null;
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
