package dev.remediator.activities;

import dev.remediator.incident.SimilarIssues.Elsewhere;
import dev.remediator.incident.SimilarIssues.Finding;
import dev.remediator.incident.Target;
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
import java.util.function.Function;

/**
 * The bounds of every runbook's check for similar issues in other services: at most {@code concurrency} targets at
 * once, the whole scan within {@code budget}. A target whose check has not answered by then is {@link
 * Finding#UNCHECKED} ("no answer within the scan's budget", or "not reached" when it never started), and so is one
 * whose check threw; the results keep the targets' order. Each check should bound itself to {@link #share} too.
 */
public final class BoundedScan {
  /** Reasons are for people: a driver's or an API server's message, clipped. */
  private static final int MAX_REASON = 160;

  /** No target's share is less than this, whatever the budget and the number of rounds. */
  public static final Duration MIN_SHARE = Duration.ofSeconds(1);

  private BoundedScan() {}

  /** One target's share of the budget: the budget over the rounds {@code concurrency} needs, at least 1 s. */
  public static Duration share(Duration budget, int concurrency, int targets) {
    int at = Math.max(1, Math.min(concurrency, targets));
    int rounds = Math.max(1, (targets + at - 1) / at);
    Duration share = budget.dividedBy(rounds);
    return share.compareTo(MIN_SHARE) >= 0 ? share : MIN_SHARE;
  }

  public static <T> List<Elsewhere> run(
      List<T> items, Function<T, Target> target, int concurrency, Duration budget, Function<T, Elsewhere> check) {
    if (items.isEmpty()) {
      return List.of();
    }
    long deadline = System.nanoTime() + budget.toNanos();
    int at = Math.max(1, Math.min(concurrency, items.size()));
    ExecutorService pool = Executors.newFixedThreadPool(at, r -> {
      Thread t = new Thread(r, "similar-scan");
      t.setDaemon(true); // a check stuck past its own timeouts never holds the worker's shutdown
      return t;
    });
    List<Elsewhere> found = new ArrayList<>();
    try {
      List<Future<Elsewhere>> checks = new ArrayList<>();
      List<AtomicBoolean> begun = new ArrayList<>();
      for (T item : items) {
        AtomicBoolean b = new AtomicBoolean();
        begun.add(b);
        checks.add(pool.submit(() -> {
          b.set(true);
          return check.apply(item);
        }));
      }
      for (int i = 0; i < items.size(); i++) {
        Target t = target.apply(items.get(i));
        Future<Elsewhere> c = checks.get(i);
        try {
          found.add(c.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
          pool.shutdownNow(); // the budget is spent: start no queued check, interrupt the running ones
          c.cancel(true);
          found.add(unchecked(t, begun.get(i).get()
              ? "no answer within the scan's budget of " + seconds(budget)
              : "not reached within the scan's budget of " + seconds(budget) + " (" + at + " at once)"));
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
    return found;
  }

  public static Elsewhere unchecked(Target t, String why) {
    return new Elsewhere(t, Finding.UNCHECKED, why);
  }

  public static String clip(String s) {
    if (s == null) {
      return "no message";
    }
    return s.length() <= MAX_REASON ? s : s.substring(0, MAX_REASON - 1) + "…";
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
