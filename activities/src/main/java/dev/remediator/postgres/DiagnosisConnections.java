package dev.remediator.postgres;

import dev.remediator.config.ConfigException;
import dev.remediator.config.TargetConfig;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The few read-only connections the diagnosis keeps per database and role, so a snapshot neither pays for a new backend (fork,
 * authentication, cold catalog caches) nor plans its one big statement again: on a kept connection the statement is a
 * server-side prepared statement with one generic plan ({@link PostgresConnector#openForReuse}).
 *
 * <p>Bounds, per database and role (the targets that name the same URL, role, credential and timeouts share one pool: 1,000
 * targets on one server hold 2 slots, not 2,000 — in the benchmark, kept per target, they took the server's few free
 * slots and the other incidents' snapshots were refused with SQLSTATE 53300): at most {@link #maxPerTarget}
 * connections, idle or in use (a caller beyond waits at most the
 * connect timeout for one to come back); an idle connection is closed after {@link #idleTimeout} and any connection
 * after {@link #maxLifetime}. A kept connection is checked with a round trip before reuse ({@link Connection#isValid})
 * and discarded on any error and when it comes back with a transaction open. When a target's URL, role, credential or
 * timeouts change (a rotated secret, a move to another database), it uses another pool, and the old one, if no other
 * target still names it, is dropped: its idle connections are closed, and those in use are closed when they come back.
 *
 * <p>Only the read-only diagnosis uses it: terminations open their own connection. A kept connection holds a slot on
 * the target server, at most {@code maxPerTarget} of them, and only while incidents sample it; at a saturated server
 * (max_connections − reserved, where PostgreSQL refuses ordinary roles) it is what still gets the diagnosis through.
 */
public final class DiagnosisConnections implements AutoCloseable {
  static final int MAX_PER_TARGET = 2;
  /** Longer than the verification interval (20 s by default): a watched incident's samples find the connection. */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  static final Duration MAX_LIFETIME = Duration.ofMinutes(30);

  private static final int VALIDATION_SECONDS = 2;

  /** What a caller does with a connection; it must leave it as it found it (autocommit, no SET). */
  public interface Work<T> {
    T apply(Connection c) throws SQLException;
  }

  private final int maxPerTarget;
  private final Duration idleTimeout;
  private final Duration maxLifetime;
  /** Pools by {@link #poolKey}. */
  private final Map<String, Pool> pools = new HashMap<>();
  /** The pool key each target last used, so that a target whose configuration changed drops the old pool. */
  private final Map<String, String> poolOfTarget = new HashMap<>();
  private final ScheduledExecutorService sweeper;
  /** Connections opened, ever: how tests and the benchmark see reuse. */
  private final AtomicInteger opened = new AtomicInteger();

  private boolean closed;

  public DiagnosisConnections() {
    this(MAX_PER_TARGET, IDLE_TIMEOUT, MAX_LIFETIME);
  }

  DiagnosisConnections(int maxPerTarget, Duration idleTimeout, Duration maxLifetime) {
    if (maxPerTarget < 1) {
      throw new IllegalArgumentException("maxPerTarget must be at least 1, not " + maxPerTarget);
    }
    this.maxPerTarget = maxPerTarget;
    this.idleTimeout = idleTimeout;
    this.maxLifetime = maxLifetime;
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "remediator-pg-idle");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(50, Math.min(idleTimeout.toMillis() / 2, 5000));
    sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  /** One database and role's connections: idle ones (most recently used first) and the permits that bound them all. */
  private static final class Pool {
    final Semaphore permits;
    final Deque<Kept> idle = new ArrayDeque<>();
    /** No target names it any more: nothing goes back into it. */
    boolean dropped;

    Pool(int max) {
      this.permits = new Semaphore(max, true);
    }
  }

  private record Kept(Connection connection, long openedNanos, long idleSinceNanos) {}

  /**
   * Runs {@code work} on a kept connection of the target (or a new one, kept afterwards when all went well).
   *
   * @throws SQLException from the work or from connecting
   */
  public <T> T withConnection(TargetConfig target, Work<T> work) throws SQLException {
    Pool pool = pool(target.target().id(), poolKey(target));
    long waitMillis = Math.max(1000, target.postgres().connectTimeoutOrDefault().toMillis());
    try {
      if (!pool.permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
        throw ApplicationFailure.newFailure("all " + maxPerTarget + " diagnosis connections to "
            + target.target().id() + " stayed busy for " + waitMillis + " ms", "DatabaseError");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure("interrupted waiting for a diagnosis connection", "DatabaseError");
    }
    Kept kept = null;
    boolean keep = false;
    try {
      kept = take(pool);
      if (kept == null) {
        Connection c = PostgresConnector.openForReuse(target);
        opened.incrementAndGet();
        kept = new Kept(c, System.nanoTime(), 0);
      }
      T result = work.apply(kept.connection());
      keep = reusable(kept.connection());
      return result;
    } finally {
      if (kept != null) {
        giveBack(pool, kept, keep);
      }
      pool.permits.release();
    }
  }

  /** A valid idle connection of the pool, or null; closes the others it meets. */
  private Kept take(Pool pool) {
    while (true) {
      Kept k;
      synchronized (this) {
        k = pool.idle.pollFirst();
      }
      if (k == null) {
        return null;
      }
      if (!expired(k, System.nanoTime()) && valid(k.connection())) {
        return k;
      }
      close(k);
    }
  }

  private void giveBack(Pool pool, Kept k, boolean keep) {
    long now = System.nanoTime();
    synchronized (this) {
      if (keep && !closed && !pool.dropped && now - k.openedNanos() < maxLifetime.toNanos()) {
        pool.idle.addFirst(new Kept(k.connection(), k.openedNanos(), now));
        return;
      }
    }
    close(k);
  }

  private synchronized Pool pool(String targetId, String key) {
    if (closed) {
      throw new IllegalStateException("diagnosis connections closed");
    }
    String before = poolOfTarget.put(targetId, key);
    if (before != null && !before.equals(key) && !poolOfTarget.containsValue(before)) {
      // The target's URL, role, credential or timeouts changed and no other target names the old ones: no
      // connection made with them is used again.
      Pool old = pools.remove(before);
      if (old != null) {
        old.dropped = true;
        List<Kept> stale = new ArrayList<>(old.idle);
        old.idle.clear();
        stale.forEach(DiagnosisConnections::close);
      }
    }
    return pools.computeIfAbsent(key, k -> new Pool(maxPerTarget));
  }

  /** Whether the connection is as a snapshot leaves it: autocommit, no transaction open or failed. */
  private static boolean reusable(Connection c) {
    try {
      return !c.isClosed() && c.getAutoCommit()
          && c.unwrap(BaseConnection.class).getTransactionState() == TransactionState.IDLE;
    } catch (SQLException e) {
      return false;
    }
  }

  private static boolean valid(Connection c) {
    try {
      return c.isValid(VALIDATION_SECONDS);
    } catch (SQLException e) {
      return false;
    }
  }

  private boolean expired(Kept k, long now) {
    return now - k.idleSinceNanos() >= idleTimeout.toNanos() || now - k.openedNanos() >= maxLifetime.toNanos();
  }

  /** Closes idle connections past their idle time or lifetime. */
  void sweep() {
    List<Kept> expired = new ArrayList<>();
    long now = System.nanoTime();
    synchronized (this) {
      for (Pool pool : pools.values()) {
        pool.idle.removeIf(k -> expired(k, now) && expired.add(k));
      }
    }
    expired.forEach(DiagnosisConnections::close);
  }

  /** Connections opened so far (for tests and the benchmark). */
  int opened() {
    return opened.get();
  }

  /** Idle connections kept now, all targets. */
  synchronized int idle() {
    return pools.values().stream().mapToInt(p -> p.idle.size()).sum();
  }

  private static void close(Kept k) {
    try {
      k.connection().close();
    } catch (SQLException ignored) {
      // already broken: nothing to release
    }
  }

  /**
   * What a pool is shared by: the URL, role, credential and timeouts, as a digest (no credential is kept beside the
   * connections). Resolved at each use, so a rotated secret (file or env) is seen at the next call; targets that
   * name one database with different credentials (one rotated before the others) use a pool each, instead of
   * closing each other's connections.
   */
  static String poolKey(TargetConfig target) {
    TargetConfig.Postgres pg = target.postgres();
    String user;
    String password;
    try {
      user = pg.resolveUser();
      password = pg.resolvePassword();
    } catch (ConfigException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), PostgresConnector.DATABASE_CONFIG);
    }
    return digest(pg.url(), user, password == null ? "\0none" : password, pg.connectTimeoutOrDefault().toString(),
        pg.statementTimeoutOrDefault().toString());
  }

  private static String digest(String... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : parts) {
        sha.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    List<Kept> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      pools.values().forEach(p -> {
        all.addAll(p.idle);
        p.idle.clear();
      });
    }
    sweeper.shutdownNow();
    all.forEach(DiagnosisConnections::close);
  }
}
