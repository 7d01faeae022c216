package dev.remediator.postgres;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pool runbook's check for similar issues in other services: its snapshot ({@link SnapshotQuery}, the one
 * statement) of every other configured target with a database, on a read-only connection of its own, judged by
 * {@link PoolPattern}. Bounded: {@code similarScanConcurrency} targets at once, the whole scan within {@code
 * similarScanBudget}; each target's connect and statement timeouts are cut to its share of the budget (the budget
 * over the number of rounds the concurrency needs). What does not answer in time, refuses or lacks privileges is
 * {@link Finding#UNCHECKED} with the reason. Nothing here writes: the connections are read-only.
 */
final class SimilarPoolScan {
  /** Reasons are for people: a driver's message, clipped. */
  private static final int MAX_REASON = 160;

  private static final Duration MIN_SHARE = Duration.ofSeconds(1);

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
    String pattern = PoolPattern.describe(policy);
    if (others.isEmpty()) {
      return new SimilarIssues(pattern, List.of(), 0, null);
    }
    Duration budget = own.similarScanBudget();
    int concurrency = Math.min(own.similarScanConcurrency(), others.size());
    int rounds = (others.size() + concurrency - 1) / concurrency;
    Duration share = max(MIN_SHARE, budget.dividedBy(rounds));
    ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "similar-scan");
      t.setDaemon(true); // a target stuck past its timeouts never holds the worker's shutdown
      return t;
    });
    List<Elsewhere> found = new ArrayList<>();
    try {
      List<Future<Elsewhere>> checks = new ArrayList<>();
      List<AtomicBoolean> begun = new ArrayList<>();
      for (TargetConfig t : others) {
        AtomicBoolean b = new AtomicBoolean();
        begun.add(b);
        checks.add(pool.submit(() -> {
          b.set(true);
          return check(t, share, policy);
        }));
      }
      long deadline = started + budget.toNanos();
      for (int i = 0; i < others.size(); i++) {
        Target t = others.get(i).target();
        Future<Elsewhere> check = checks.get(i);
        try {
          found.add(check.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
          check.cancel(true);
          found.add(unchecked(t, begun.get(i).get()
              ? "no answer within the scan's budget of " + seconds(budget)
              : "not reached within the scan's budget of " + seconds(budget) + " (" + concurrency + " at once)"));
        } catch (ExecutionException e) {
          found.add(unchecked(t, clip(String.valueOf(e.getCause()))));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          found.add(unchecked(t, "scan interrupted"));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new SimilarIssues(pattern, found, (System.nanoTime() - started) / 1_000_000, null);
  }

  /** One other target: its snapshot on a read-only connection with its share's timeouts, judged by the pattern. */
  static Elsewhere check(TargetConfig config, Duration share, RunbookPolicy policy) {
    TargetConfig bounded = within(config, share);
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
    String type = e.getType() == null ? "" : e.getType();
    String what = switch (type) {
      case PostgresConnector.DATABASE_UNREACHABLE -> "did not answer";
      case PostgresConnector.DATABASE_REFUSED -> "refused the connection (slots exhausted)";
      case PostgresConnector.DATABASE_PRIVILEGES -> "lacks privileges";
      case PostgresConnector.DATABASE_AUTH -> "authentication failed";
      case PostgresConnector.DATABASE_CONFIG -> "configuration";
      default -> "failed";
    };
    return what + ": " + clip(e.getOriginalMessage());
  }

  /** The target's configuration with connect and statement timeouts no longer than {@code share}. */
  private static TargetConfig within(TargetConfig t, Duration share) {
    TargetConfig.Postgres p = t.postgres();
    TargetConfig.Postgres bounded = new TargetConfig.Postgres(p.url(), p.user(), p.userEnv(), p.userFile(),
        p.passwordEnv(), p.passwordFile(), p.applicationRoles(), p.applicationNames(),
        min(p.connectTimeoutOrDefault(), share), min(p.statementTimeoutOrDefault(), share), p.terminateSuperusers(),
        p.excludeApplicationNames());
    return new TargetConfig(t.service(), t.namespace(), t.database(), bounded, t.kubernetes(), t.endpoints(),
        t.policy());
  }

  private static Elsewhere unchecked(Target t, String why) {
    return new Elsewhere(t, Finding.UNCHECKED, why);
  }

  private static String clip(String s) {
    if (s == null) {
      return "no message";
    }
    return s.length() <= MAX_REASON ? s : s.substring(0, MAX_REASON - 1) + "…";
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
