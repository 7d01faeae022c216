package dev.remediator.demo;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The pool demo's leak on the real control plane lives in the pods, as a leak in application code does: while a pod
 * of the Deployment's first revision (the leaking release) runs, sessions that are terminated come back (the code
 * leaks them again); once the real controller has replaced those pods (a rolling restart), the sessions they held
 * close with them and the new pods leak nothing. So terminating the sessions alone does not recover the service, and
 * the runbook's rolling restart has to roll out for real.
 */
final class PodBoundLeak implements AutoCloseable {
  private static final long TICK_MILLIS = 200;

  private final DemoDatabase db;
  private final RealCluster cluster;
  private final int leaked;
  private final List<Connection> releaked = new ArrayList<>();
  private final ScheduledExecutorService pods;
  private boolean podsReplaced;
  private int reopened;

  private PodBoundLeak(DemoDatabase db, RealCluster cluster, int leaked) {
    this.db = db;
    this.cluster = cluster;
    this.leaked = leaked;
    this.pods = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "demo-leaking-pods");
      t.setDaemon(true);
      return t;
    });
  }

  static PodBoundLeak start(DemoDatabase db, RealCluster cluster, int leaked) {
    PodBoundLeak leak = new PodBoundLeak(db, cluster, leaked);
    leak.pods.scheduleWithFixedDelay(leak::tickQuietly, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    return leak;
  }

  /** Sessions the leaking pods opened again after theirs were terminated. */
  synchronized int reopened() {
    return reopened;
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException | SQLException e) {
      // the API server or PostgreSQL is busy or closing: the next tick looks again
    }
  }

  private synchronized void tick() throws SQLException {
    if (podsReplaced) {
      return;
    }
    if (!cluster.podsOfFirstRevisionRun()) {
      podsReplaced = true;
      closeReleaked();
      return;
    }
    for (int missing = leaked - db.idleInTransactionNow(); missing > 0; missing--) {
      releaked.add(db.openLeakedSession(reopened++ % leaked));
    }
  }

  private void closeReleaked() {
    for (Connection c : releaked) {
      try {
        c.close();
      } catch (SQLException e) {
        // terminated already: nothing held
      }
    }
    releaked.clear();
  }

  @Override
  public void close() {
    pods.shutdownNow();
    try {
      pods.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      closeReleaked();
    }
  }
}
