package dev.remediator.activities;

import dev.remediator.incident.Unreachable;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Which endpoints (host:port of a database or a probe) did not answer, and since when, in this worker process: an
 * activity aimed at an endpoint seen down fails fast without connecting, so 1,000 incidents waiting on one dead
 * database cost one connection attempt per {@link #WINDOW}, not 1,000 connect timeouts holding activity slots.
 *
 * <p>While an endpoint is down, at most one caller at a time tries it for real, and only once the last attempt is
 * {@link #WINDOW} old; every other caller gets {@link Down} at once (no waiting on the one that tries). The first
 * attempt that gets through (the endpoint answered, whatever it said) ends the outage. An endpoint never seen down
 * costs a map lookup. The workflow never reads this registry: it learns the outage's start from the activity's
 * result or failure details ({@link Unreachable}), which its history keeps.
 *
 * <p>It also counts who waits on a down endpoint: the distinct callers (targets) that asked for it within the last
 * {@link #WAITER_MEMORY}. The count goes out in the same details, and the watch spreads the endpoint's samples
 * over its waiters (about 1.3 a second in all, however many incidents wait on it).
 */
public final class EndpointOutages {
  /** How long a failed attempt speaks for the endpoint: one real attempt per endpoint per window. */
  public static final Duration WINDOW = Duration.ofSeconds(5);
  /**
   * How long a caller counts as waiting on a down endpoint after it last asked: longer than the longest wait
   * between two samples of an unreachable target (15 minutes), so every incident that still waits is counted.
   */
  public static final Duration WAITER_MEMORY = Duration.ofMinutes(20);

  /** The endpoint did not answer: now ({@code attempted}) or at an attempt less than a window ago. */
  public static final class Down extends RuntimeException {
    private final Unreachable outage;

    Down(Unreachable outage, String message, Throwable cause) {
      super(message, cause);
      this.outage = outage;
    }

    public Unreachable outage() {
      return outage;
    }

    /** The activity failure: not retried (the workflow's next sample is the retry), the outage in its details. */
    public ApplicationFailure failure(String doing) {
      return ApplicationFailure.newNonRetryableFailureWithCause(
          doing + ": " + getMessage(), Unreachable.TYPE, null, outage);
    }
  }

  /** One attempt at the endpoint. */
  @FunctionalInterface
  public interface Attempt<T, X extends Exception> {
    T run() throws X;
  }

  private static final class Outage {
    final long sinceMillis;
    long lastAttemptNanos;
    boolean trying;
    String lastError;
    /** Caller → when it last asked (nanoTime). */
    final java.util.Map<String, Long> waiters = new java.util.HashMap<>();

    /** Records the caller (null: not counted) and returns how many asked within the memory; under the lock. */
    int waiting(String caller, long nowNanos, long memoryNanos) {
      if (caller != null) {
        waiters.put(caller, nowNanos);
      }
      waiters.values().removeIf(at -> nowNanos - at > memoryNanos);
      return waiters.size();
    }

    Outage(long sinceMillis, long lastAttemptNanos, String lastError) {
      this.sinceMillis = sinceMillis;
      this.lastAttemptNanos = lastAttemptNanos;
      this.lastError = lastError;
    }
  }

  private final Duration window;
  private final Duration waiterMemory;
  private final LongSupplier wallClock;
  private final ConcurrentHashMap<String, Outage> down = new ConcurrentHashMap<>();
  /** Attempts that reached for an endpoint seen down (the re-checks), for tests and metrics. */
  private final AtomicInteger rechecks = new AtomicInteger();

  public EndpointOutages() {
    this(WINDOW, System::currentTimeMillis);
  }

  EndpointOutages(Duration window, LongSupplier wallClock) {
    this(window, WAITER_MEMORY, wallClock);
  }

  EndpointOutages(Duration window, Duration waiterMemory, LongSupplier wallClock) {
    this.window = window;
    this.waiterMemory = waiterMemory;
    this.wallClock = wallClock;
  }

  /**
   * Runs the attempt unless the endpoint is known down. A failure {@code unreachable} accepts marks the endpoint
   * down (since the first such failure) and comes back as {@link Down} with the failure as its cause; any other
   * outcome, success or failure, means the endpoint answered.
   *
   * @throws Down when the endpoint is down (the attempt did not run, or failed as unreachable)
   * @throws X the attempt's own failure when the endpoint answered
   */
  public <T, X extends Exception> T call(String endpoint, Attempt<T, X> attempt, Predicate<Throwable> unreachable)
      throws X {
    return call(endpoint, null, attempt, unreachable);
  }

  /**
   * {@link #call(String, Attempt, Predicate)} for a caller that waits on the endpoint while it is down (a target's
   * id): counted in the {@link Unreachable#waiting} the failure reports.
   */
  public <T, X extends Exception> T call(String endpoint, String caller, Attempt<T, X> attempt,
      Predicate<Throwable> unreachable) throws X {
    boolean recheck = claim(endpoint, caller);
    try {
      T result = attempt.run();
      answered(endpoint);
      return result;
    } catch (Exception e) {
      if (unreachable.test(e)) {
        throw failed(endpoint, caller, e);
      }
      answered(endpoint);
      throw e;
    } catch (Error e) {
      release(endpoint, recheck);
      throw e;
    }
  }

  /** True if the caller re-checks a down endpoint; throws {@link Down} if another attempt speaks for it. */
  private boolean claim(String endpoint, String caller) {
    Outage o = down.get(endpoint);
    if (o == null) {
      return false;
    }
    synchronized (o) {
      long now = System.nanoTime();
      if (o.trying || now - o.lastAttemptNanos < window.toNanos()) {
        long ago = Math.max(0, (now - o.lastAttemptNanos) / 1_000_000);
        int waiting = o.waiting(caller, now, waiterMemory.toNanos());
        throw new Down(new Unreachable(endpoint, o.sinceMillis, false, waiting),
            endpoint + " did not answer " + (o.trying ? "(being checked again now)" : ago + " ms ago")
                + ", down since " + java.time.Instant.ofEpochMilli(o.sinceMillis) + ": not tried now ("
                + o.lastError + ")", null);
      }
      o.trying = true;
      o.lastAttemptNanos = now;
      rechecks.incrementAndGet();
      return true;
    }
  }

  private Down failed(String endpoint, String caller, Exception e) {
    String error = e instanceof ApplicationFailure af ? af.getOriginalMessage()
        : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Outage o = down.computeIfAbsent(endpoint, k -> new Outage(wallClock.getAsLong(), System.nanoTime(), error));
    long since;
    int waiting;
    synchronized (o) {
      o.trying = false;
      o.lastAttemptNanos = System.nanoTime();
      o.lastError = error;
      since = o.sinceMillis;
      waiting = o.waiting(caller, o.lastAttemptNanos, waiterMemory.toNanos());
    }
    return new Down(new Unreachable(endpoint, since, true, waiting), error, e);
  }

  private void answered(String endpoint) {
    down.remove(endpoint);
  }

  private void release(String endpoint, boolean recheck) {
    Outage o = down.get(endpoint);
    if (recheck && o != null) {
      synchronized (o) {
        o.trying = false;
      }
    }
  }

  /** Since when the endpoint is down (wall clock), or 0 when it is not known down. */
  public long downSinceMillis(String endpoint) {
    Outage o = down.get(endpoint);
    return o == null ? 0 : o.sinceMillis;
  }

  /** Re-checks of endpoints seen down so far (real attempts made while an endpoint was known down). */
  public int rechecks() {
    return rechecks.get();
  }

  /** host:port of a URI-like address ({@code http://h:p/x}, {@code jdbc:postgresql://h:p/db}), default port given. */
  public static String endpoint(String url, int defaultPort) {
    if (url == null) {
      return "unknown";
    }
    String rest = url;
    int scheme = rest.indexOf("://");
    if (scheme >= 0) {
      rest = rest.substring(scheme + 3);
    }
    int end = rest.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int i = rest.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    String authority = rest.substring(0, end);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1);
    }
    boolean hasPort = authority.startsWith("[") ? authority.contains("]:") : authority.contains(":");
    return hasPort ? authority : authority + ":" + defaultPort;
  }
}
