package dev.remediator.postgres;

import static dev.remediator.activities.BoundedScan.clip;
import static dev.remediator.activities.BoundedScan.unchecked;

import dev.remediator.activities.BoundedScan;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.SimilarIssues.Elsewhere;
import dev.remediator.incident.SimilarIssues.Finding;
import dev.remediator.incident.Target;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.PoolPattern;
import dev.remediator.runbook.dbpool.PoolPolicy;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * The pool runbook's check for similar issues in other services: its snapshot ({@link SnapshotQuery}, the one
 * statement) of every other configured target with a database, on a read-only connection of its own, judged by
 * {@link PoolPattern}. Bounded by {@link BoundedScan} ({@code similarScanConcurrency} at once, the whole within
 * {@code similarScanBudget}); each target's connect and statement timeouts are cut to its share of the budget. What
 * does not answer in time, refuses or lacks privileges is {@link Finding#UNCHECKED} with the reason. Nothing here
 * writes: the connections are read-only.
 */
final class SimilarPoolScan {
  private SimilarPoolScan() {}

  /** The other targets the pool runbook applies to: a database and how to reach it, not the incident's own. */
  static List<TargetConfig> others(RemediatorConfig config, Target incident) {
    return config.targets().stream()
        .filter(t -> t.database() != null && t.postgres() != null && t.postgres().url() != null)
        .filter(t -> !t.target().id().equals(incident.id()))
        .toList();
  }

  static SimilarIssues run(RemediatorConfig config, Target incident, RunbookPolicy policy) {
    long started = System.nanoTime();
    PoolPolicy own = PoolPolicy.of(policy);
    List<TargetConfig> others = others(config, incident);
    Duration share = BoundedScan.share(own.similarScanBudget(), own.similarScanConcurrency(), others.size());
    List<Elsewhere> found = BoundedScan.run(others, TargetConfig::target, own.similarScanConcurrency(),
        own.similarScanBudget(), t -> check(t, share, policy));
    return new SimilarIssues(PoolPattern.describe(policy), found, (System.nanoTime() - started) / 1_000_000, null);
  }

  /** One other target: its snapshot on a read-only connection with its share's timeouts, judged by the pattern. */
  static Elsewhere check(TargetConfig config, Duration share, RunbookPolicy policy) {
    TargetConfig bounded = PostgresConnector.withTimeoutsAtMost(config, share);
    Target target = config.target();
    try (Connection c = PostgresConnector.open(bounded, true)) {
      ConnectionSnapshot s = SnapshotQuery.take(c, target, bounded.postgres(), policy);
      return PoolPattern.finding(target, s, policy);
    } catch (ApplicationFailure e) {
      return unchecked(target, reason(e));
    } catch (SQLException e) {
      return unchecked(target, reason(PostgresConnector.failure("snapshot", e)));
    }
  }

  /** Why a target was not checked, by the connector's failure types. */
  private static String reason(ApplicationFailure e) {
    return PostgresConnector.why(e) + ": " + clip(e.getOriginalMessage());
  }
}
