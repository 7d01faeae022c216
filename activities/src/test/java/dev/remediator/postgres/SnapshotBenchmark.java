package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.TargetConfig;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.incident.RunbookPolicy;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Cost of one snapshot at ~35 and ~500 connections on a real server: database time (pg_stat_statements), client
 * time, round trips and connections (counted by a loopback TCP proxy between Remediator and the server), payload
 * size in workflow history. Not a timed test: it prints a table and checks only the structural facts (the kept
 * connection reused, one validation and one statement per snapshot). Run with {@code mvn -pl activities -am test -Pbenchmark}.
 */
@Tag("benchmark")
class SnapshotBenchmark {
  static final int WARMUP = 5;
  static final int REPETITIONS = 50;

  @Test
  void snapshotCost() throws Exception {
    RunbookPolicy policy =
        ConfigLoader.parsePolicy(
            "{idleInTransactionReportAfter: 1s, idleInTransactionTerminateAfter: 2s, longRunningQueryAfter: 1s}");
    List<String> rows = new ArrayList<>();
    try (PostgresFixture pg =
            new PostgresFixture(
                Map.of("max_connections", "600", "shared_preload_libraries", "pg_stat_statements",
                    "pg_stat_statements.track_utility", "on"));
        Proxy proxy = new Proxy(pg.port())) {
      try (Connection c = pg.admin("postgres")) {
        c.createStatement().execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      }
      TargetConfig direct = pg.config(pg.remediator).targets().get(0);
      var proxiedConfig = pg.configVia(pg.remediator, "127.0.0.1:" + proxy.port());
      TargetConfig proxied = proxiedConfig.targets().get(0);
      var activities = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediator)));
      var viaProxy = new DatabaseActivitiesImpl(new TargetDirectory(proxiedConfig));

      // ~35 connections: the demo's shape (25 leaked, 9 healthy, 1 slow).
      ExecutorService opener = Executors.newFixedThreadPool(16);
      open(opener, 25, () -> pg.idleInTransaction(pg.app));
      open(opener, 9, () -> pg.idle(pg.app));
      pg.running(pg.otherApp, "SELECT pg_sleep(600)");
      await().atMost(Duration.ofSeconds(30)).until(() -> pg.youngestIdleInTransactionSeconds() > 2.1);
      rows.add(measure("~35", pg, direct, proxied, activities, viaProxy, proxy, policy));

      // ~500 connections: a big fleet with a leak, slow queries, a lock chain and other clients.
      open(opener, 120, () -> pg.idleInTransaction(pg.app));
      open(opener, 290, () -> pg.idle(pg.app));
      open(opener, 40, () -> pg.idle(pg.otherApp));
      open(opener, 3, () -> pg.idleInTransaction(pg.app, "postgres_exporter", "SELECT 1"));
      for (int i = 0; i < 19; i++) {
        pg.running(pg.app, "SELECT pg_sleep(600)");
      }
      int holder = pg.idleInTransaction(pg.app, null, "UPDATE accounts SET email = email WHERE id = 1");
      for (int i = 0; i < 15; i++) {
        pg.running(pg.app, "UPDATE accounts SET email = 'x' WHERE id = 1");
      }
      opener.shutdown();
      await().atMost(Duration.ofSeconds(60)).until(() -> waiting(pg) == 15);
      await().atMost(Duration.ofSeconds(30)).until(() -> pg.youngestIdleInTransactionSeconds() > 2.1);
      rows.add(measure("~500", pg, direct, proxied, activities, viaProxy, proxy, policy));
      assertThat(pg.alive(holder)).isTrue();
    }
    String table =
        String.join(
            "\n",
            "| connections | listed (idle-tx / long / blocked) | DB time per snapshot, mean / min / max (pg_stat_statements)"
                + " | statement, client side, median / p95 | whole activity call (on the kept connection),"
                + " median / p95 | round trips: per snapshot (validation + statement) / a new connection's setup |"
                + " new connections for 10 snapshots |"
                + " payload in history |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
            String.join("\n", rows));
    System.out.println(table);
    Path out = Path.of("target", "snapshot-benchmark.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table + "\n");
  }

  private static String measure(
      String label,
      PostgresFixture pg,
      TargetConfig direct,
      TargetConfig proxied,
      DatabaseActivitiesImpl activities,
      DatabaseActivitiesImpl viaProxy,
      Proxy proxy,
      RunbookPolicy policy)
      throws Exception {
    ConnectionSnapshot s = activities.snapshot(pg.target, policy);
    for (int i = 0; i < WARMUP; i++) {
      activities.snapshot(pg.target, policy);
    }
    try (Connection c = pg.admin("postgres")) {
      c.createStatement().execute("SELECT pg_stat_statements_reset()");
    }
    // The statement alone, on an open connection.
    double[] statement = new double[REPETITIONS];
    try (Connection c = PostgresConnector.open(direct, true)) {
      for (int i = 0; i < REPETITIONS; i++) {
        long t0 = System.nanoTime();
        SnapshotQuery.take(c, pg.target, direct.postgres(), policy);
        statement[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    // The whole activity call, as the worker runs it.
    double[] call = new double[REPETITIONS];
    for (int i = 0; i < REPETITIONS; i++) {
      long t0 = System.nanoTime();
      activities.snapshot(pg.target, policy);
      call[i] = (System.nanoTime() - t0) / 1e6;
    }
    double[] db = dbTime(pg);

    // Round trips and connections, counted on the wire.
    proxy.reset();
    int kept = proxy.open.get(); // the kept connection of the row before
    try (Connection c = PostgresConnector.open(proxied, true)) {
      assertThat(c.isClosed()).isFalse(); // connect and close only: the setup's own round trips
    }
    awaitQuiet(proxy, kept);
    int setupFlights = proxy.flights.get();
    viaProxy.snapshot(pg.target, policy); // the kept connection exists (made here or by the row before)
    proxy.reset();
    for (int i = 0; i < 10; i++) {
      viaProxy.snapshot(pg.target, policy);
    }
    int connections = proxy.accepted.get();
    double flightsPerSnapshot = proxy.flights.get() / 10.0;
    assertThat(connections).as("new connections for 10 snapshots: all on the kept one").isZero();
    assertThat(flightsPerSnapshot).as("round trips: the validation and the snapshot statement").isEqualTo(2.0);

    int payload = DefaultDataConverter.newDefaultInstance().toPayload(s).orElseThrow().getData().size();
    return String.format(
        Locale.ROOT,
        "| %s (%d on the database, %d on the server) | %d / %d / %d | %.2f ms / %.2f ms / %.2f ms (%d calls) | %.2f ms /"
            + " %.2f ms | %.2f ms / %.2f ms | %.0f / %d | %d | %,d bytes |",
        label,
        s.totalConnections(),
        s.serverConnections(),
        s.idleInTransactionSessions().size(),
        s.longRunningQueries().size(),
        s.blocked().size(),
        db[0],
        db[3],
        db[1],
        (long) db[2],
        percentile(statement, 50),
        percentile(statement, 95),
        percentile(call, 50),
        percentile(call, 95),
        flightsPerSnapshot,
        setupFlights,
        connections,
        payload);
  }

  /** mean, max execution time, calls and min of the snapshot statement, and its calls, from pg_stat_statements. */
  private static double[] dbTime(PostgresFixture pg) throws SQLException {
    try (Connection c = pg.admin("postgres");
        var rs =
            c.createStatement()
                .executeQuery(
                    "SELECT sum(calls), sum(total_exec_time) / sum(calls), max(max_exec_time), min(min_exec_time)"
                        + " FROM pg_stat_statements WHERE query LIKE '%pg_blocking_pids%' AND query LIKE '%json_agg%'"
                        + " AND query NOT LIKE '%pg_stat_statements%'")) {
      rs.next();
      return new double[] {rs.getDouble(2), rs.getDouble(3), rs.getDouble(1), rs.getDouble(4)};
    }
  }

  private static int waiting(PostgresFixture pg) throws SQLException {
    try (Connection c = pg.admin("postgres");
        var rs =
            c.createStatement()
                .executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static void awaitQuiet(Proxy proxy, int kept) {
    await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(200)).until(() -> proxy.open.get() == kept);
  }

  private static double percentile(double[] values, int p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static void open(ExecutorService pool, int n, Callable<Integer> session) throws Exception {
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(pool.submit(session));
    }
    for (Future<Integer> f : futures) {
      f.get();
    }
  }

  /**
   * A loopback TCP proxy that counts connections and "flights": each time the client sends after the server has
   * answered (or first), one request/response round trip begins. A final Terminate message is a flight too; it is
   * part of the connection setup/teardown count.
   */
  static final class Proxy implements AutoCloseable {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger flights = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();
    private final ServerSocket server;
    private final int target;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "proxy");
      t.setDaemon(true);
      return t;
    });

    Proxy(int target) throws IOException {
      this.target = target;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      threads.submit(this::accept);
    }

    int port() {
      return server.getLocalPort();
    }

    void reset() {
      accepted.set(0);
      flights.set(0);
    }

    private Void accept() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
          accepted.incrementAndGet();
          open.incrementAndGet();
          AtomicInteger last = new AtomicInteger(); // 0 none, 1 client sent, 2 server sent
          AtomicInteger pumps = new AtomicInteger(2);
          Runnable done = () -> {
            if (pumps.decrementAndGet() == 0) {
              open.decrementAndGet();
            }
          };
          threads.submit(() -> pump(client, upstream, last, 1, done));
          threads.submit(() -> pump(upstream, client, last, 2, done));
        } catch (IOException e) {
          if (!server.isClosed()) {
            throw new UncheckedIOException(e);
          }
        }
      }
      return null;
    }

    private void pump(Socket from, Socket to, AtomicInteger last, int side, Runnable done) {
      byte[] buf = new byte[65536];
      try (InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          if (last.getAndSet(side) != side && side == 1) {
            flights.incrementAndGet();
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // the other side closed
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException ignored) {
          // closing
        }
        done.run();
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      threads.shutdownNow();
    }
  }
}
