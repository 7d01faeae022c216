package dev.remediator.postgres.dbperf;

import static dev.remediator.activities.BoundedScan.clip;
import static dev.remediator.activities.BoundedScan.unchecked;

import dev.remediator.activities.BoundedScan;
import dev.remediator.activities.EndpointOutages;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.SimilarIssues.Elsewhere;
import dev.remediator.incident.SimilarIssues.Finding;
import dev.remediator.incident.Target;
import dev.remediator.postgres.PostgresConnector;
import dev.remediator.runbook.dbperf.PerformanceCause;
import dev.remediator.runbook.dbperf.PerformancePattern;
import dev.remediator.runbook.dbperf.PerformancePolicy;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The Database Performance runbook's check for similar issues at close: the other databases on the incident's
 * server. Every other configured target whose {@code postgres.url} names the same host:port as the incident's and
 * another database (each database once: its first target stands for it) gets the runbook's own diagnosis pass
 * ({@link DiagnosisPass}, one statement, pg_stat_statements left out) on a read-only connection of its own, with its
 * own credentials and exclusions, judged by {@link PerformancePattern}. Table statistics are per database, so each
 * needs its own connection. Bounded by {@link BoundedScan} ({@code similarScanConcurrency} at once, the whole within
 * {@code similarScanBudget}); each database's connect and statement timeouts are cut to its share of the budget.
 * What does not answer in time, refuses or lacks privileges is {@link Finding#UNCHECKED} with the reason.
 * Databases on the server that no target configures are not read: the remediator has no credentials, exclusions or
 * policy for them. Nothing here writes: the connections are read-only.
 */
final class SimilarDatabaseScan {
  private static final int DEFAULT_PORT = 5432;

  private SimilarDatabaseScan() {}

  /** host:port of a target's {@code postgres.url}, lower case: what "the same server" compares. */
  static String server(TargetConfig t) {
    return EndpointOutages.endpoint(t.postgres().url(), DEFAULT_PORT).toLowerCase(Locale.ROOT);
  }

  /** The other configured databases on the incident's server, each once, not the incident's own database. */
  static List<TargetConfig> others(RemediatorConfig config, TargetConfig incident) {
    String server = server(incident);
    Set<String> seen = new HashSet<>();
    seen.add(incident.database());
    List<TargetConfig> others = new ArrayList<>();
    for (TargetConfig t : config.targets()) {
      if (t == null || t.database() == null || t.postgres() == null || t.postgres().url() == null
          || t.postgres().url().isBlank() || !server.equals(server(t))) {
        continue;
      }
      if (seen.add(t.database())) {
        others.add(t);
      }
    }
    return others;
  }

  static SimilarIssues run(RemediatorConfig config, TargetConfig incident, PerformancePolicy p,
      PerformanceCause cause) {
    long started = System.nanoTime();
    List<TargetConfig> others = others(config, incident);
    Duration share = BoundedScan.share(p.similarScanBudget(), p.similarScanConcurrency(), others.size());
    List<Elsewhere> found = BoundedScan.run(others, TargetConfig::target, p.similarScanConcurrency(),
        p.similarScanBudget(), t -> check(t, share, p, cause));
    return new SimilarIssues(PerformancePattern.describe(p, cause) + " (" + server(incident) + ")", found,
        (System.nanoTime() - started) / 1_000_000, null);
  }

  /** One other database: its diagnosis pass on a read-only connection with its share's timeouts, judged. */
  static Elsewhere check(TargetConfig config, Duration share, PerformancePolicy p, PerformanceCause cause) {
    TargetConfig bounded = PostgresConnector.withTimeoutsAtMost(config, share);
    Target target = config.target();
    try (Connection c = PostgresConnector.open(bounded, true)) {
      return PerformancePattern.finding(target, DiagnosisPass.take(c, target, bounded.postgres(), p, false), p,
          cause);
    } catch (ApplicationFailure e) {
      return unchecked(target, reason(e));
    } catch (SQLException e) {
      return unchecked(target, reason(PostgresConnector.failure("diagnosis", e)));
    }
  }

  private static String reason(ApplicationFailure e) {
    return PostgresConnector.why(e) + ": " + clip(e.getOriginalMessage());
  }
}
