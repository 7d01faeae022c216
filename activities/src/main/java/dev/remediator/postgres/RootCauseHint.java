package dev.remediator.postgres;

import dev.remediator.runbook.dbpool.BlockedSession;
import dev.remediator.runbook.dbpool.ClientGroup;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.PoolDiagnosis;
import dev.remediator.runbook.dbpool.PoolPolicy;
import dev.remediator.runbook.dbpool.RootCause;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.dbpool.SessionInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The runbook's "Root Cause Analysis" as a hint computed from one snapshot (pure: no I/O, same snapshot, same hint).
 * Each common cause claims the connections that show it; the cause claiming the most wins, provided it clears a
 * floor (one stray session does not make a diagnosis):
 *
 * <ul>
 *   <li>{@link RootCause#LOCK_CONTENTION}: sessions waiting on locks ({@code pg_blocking_pids}); names the root
 *       blockers and whether they are themselves idle in transaction (a leak holding locks);
 *   <li>{@link RootCause#LEAK}: sessions idle in transaction past the report threshold;
 *   <li>{@link RootCause#SLOW_QUERIES}: queries running past the long-running threshold, not waiting on a lock;
 *   <li>{@link RootCause#LOAD}: most connections busy with short queries while utilization is high;
 *   <li>{@link RootCause#CONFIGURATION}: utilization high while most connections sit idle (pools larger than the
 *       server can give), or other clients holding most of the server's slots.
 * </ul>
 */
public final class RootCauseHint {
  private RootCauseHint() {}

  public static PoolDiagnosis diagnose(ConnectionSnapshot s, RunbookPolicy policy) {
    int total = Math.max(1, s.totalConnections());
    PoolPolicy own = PoolPolicy.of(policy);
    double reportAfter = own.idleInTransactionReportAfter().toMillis() / 1000.0;
    boolean high = s.utilization() >= policy.warningUtilization();

    List<SessionInfo> leaked =
        s.idleInTransactionSessions().stream().filter(x -> x.stateSeconds() > reportAfter).toList();
    Set<Integer> waiting = new HashSet<>();
    s.blocked().forEach(b -> waiting.add(b.blocked().pid()));
    List<SessionInfo> slow = s.longRunningQueries().stream().filter(x -> !waiting.contains(x.pid())).toList();
    int busy = Math.max(0, s.active() - slow.size() - waiting.size());

    Map<RootCause, Integer> claims = new LinkedHashMap<>();
    Map<RootCause, String> because = new LinkedHashMap<>();
    if (waiting.size() >= 2 || (!waiting.isEmpty() && waiting.size() * 10 >= total)) {
      claims.put(RootCause.LOCK_CONTENTION, waiting.size());
      because.put(RootCause.LOCK_CONTENTION, lockEvidence(s, total));
    }
    if (leaked.size() >= 5 || (!leaked.isEmpty() && leaked.size() * 5 >= total)) {
      claims.put(RootCause.LEAK, leaked.size());
      double oldest = leaked.stream().mapToDouble(SessionInfo::stateSeconds).max().orElse(0);
      long terminable = leaked.stream().filter(SessionInfo::terminable).count();
      because.put(
          RootCause.LEAK,
          String.format(
              Locale.ROOT,
              "%d of %d connections idle in transaction longer than %s, oldest %s (%d of them the application's and"
                  + " past the termination threshold)",
              leaked.size(),
              s.totalConnections(),
              duration(reportAfter),
              duration(oldest),
              terminable));
    }
    if (slow.size() >= 2 || (!slow.isEmpty() && slow.size() * 10 >= total)) {
      claims.put(RootCause.SLOW_QUERIES, slow.size());
      SessionInfo longest = slow.stream().max(Comparator.comparingDouble(SessionInfo::querySeconds)).orElseThrow();
      because.put(
          RootCause.SLOW_QUERIES,
          String.format(
              Locale.ROOT,
              "%d queries running longer than %s, longest %s (pid %d: %s)",
              slow.size(),
              duration(own.longRunningQueryAfter().toMillis() / 1000.0),
              duration(longest.querySeconds()),
              longest.pid(),
              longest.query()));
    }
    if (high && busy * 2 >= total) {
      claims.put(RootCause.LOAD, busy);
      because.put(
          RootCause.LOAD,
          String.format(
              Locale.ROOT,
              "%d of %d connections active with short queries at %s utilization: demand, not stuck sessions",
              busy,
              s.totalConnections(),
              s.utilizationPercent()));
    }
    if (high && s.idle() * 2 >= total) {
      claims.put(RootCause.CONFIGURATION, s.idle());
      because.put(
          RootCause.CONFIGURATION,
          String.format(
              Locale.ROOT,
              "%d of %d connections idle (not in a transaction) at %s utilization: pools hold more connections than"
                  + " the load needs or the server can give",
              s.idle(),
              s.totalConnections(),
              s.utilizationPercent()));
    }
    int usable = Math.max(1, s.usableConnections());
    if (s.otherConnections() * 2 >= usable && s.serverConnections() * 10 >= usable * 7) {
      int others = s.otherConnections();
      if (others > claims.getOrDefault(RootCause.CONFIGURATION, 0)) {
        claims.put(RootCause.CONFIGURATION, others);
        because.put(
            RootCause.CONFIGURATION,
            String.format(
                Locale.ROOT,
                "other clients hold %d of the server's %d usable slots (%d connections in all): the server is shared"
                    + " beyond its size",
                others,
                usable,
                s.serverConnections()));
      }
    }

    Optional<RootCause> cause =
        claims.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey); // first wins ties
    List<String> evidence = new ArrayList<>();
    cause.ifPresent(c -> evidence.add(because.get(c)));
    because.forEach((c, line) -> {
      if (cause.isEmpty() || c != cause.get()) {
        evidence.add("also: " + line);
      }
    });
    topClient(s).ifPresent(evidence::add);
    evidence.add(
        String.format(
            Locale.ROOT,
            "%s utilization: %d connections to the database of %d usable (max_connections %d − %d reserved); %d on"
                + " the server",
            s.utilizationPercent(),
            s.totalConnections(),
            s.usableConnections(),
            s.maxConnections(),
            s.reservedConnections(),
            s.serverConnections()));
    return new PoolDiagnosis(cause.orElse(RootCause.UNKNOWN), List.copyOf(evidence));
  }

  private static String lockEvidence(ConnectionSnapshot s, int total) {
    Map<Integer, Integer> chainsPerRoot = new LinkedHashMap<>();
    double longest = 0;
    for (BlockedSession b : s.blocked()) {
      longest = Math.max(longest, b.waitingSeconds());
      for (int root : b.rootBlockers()) {
        chainsPerRoot.merge(root, 1, Integer::sum);
      }
    }
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%d of %d connections waiting on locks, longest %s",
                s.blocked().size(),
                total,
                duration(longest)));
    chainsPerRoot.entrySet().stream()
        .sorted(Map.Entry.<Integer, Integer>comparingByValue().reversed())
        .limit(3)
        .forEach(e -> {
          line.append("; root blocker pid ").append(e.getKey()).append(" holds up ").append(e.getValue());
          s.blockingSessions().stream()
              .filter(x -> x.pid() == e.getKey())
              .findFirst()
              .ifPresent(x -> {
                line.append(" (").append(x.state());
                if ("idle in transaction".equals(x.state())) {
                  line.append(" for ").append(duration(x.stateSeconds())).append(": a leaked transaction holding locks");
                }
                line.append(", role ").append(x.usename()).append(")");
              });
        });
    return line.toString();
  }

  /** The client group that stands out: most sessions idle in transaction, else most connections. */
  private static Optional<String> topClient(ConnectionSnapshot s) {
    return s.clients().stream()
        .max(Comparator.comparingInt(ClientGroup::idleInTransaction).thenComparingInt(ClientGroup::total))
        .filter(g -> g.total() > 0)
        .map(g -> String.format(
            Locale.ROOT,
            "client that stands out: %s@%s (role %s%s): %d of %d connections, %d active, %d idle in transaction%s",
            g.applicationName() == null || g.applicationName().isEmpty() ? "(no application_name)" : g.applicationName(),
            g.clientAddr() == null ? "local" : g.clientAddr(),
            g.usename(),
            g.application() ? ", the application" : "",
            g.total(),
            s.totalConnections(),
            g.active(),
            g.idleInTransaction(),
            g.idleInTransaction() > 0 ? ", oldest " + duration(g.oldestIdleInTransactionSeconds()) : ""));
  }

  static String duration(double seconds) {
    if (seconds < 10) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    if (seconds < 120) {
      return String.format(Locale.ROOT, "%.0f s", seconds);
    }
    if (seconds < 7200) {
      return String.format(Locale.ROOT, "%.0f min", seconds / 60);
    }
    return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
  }
}
