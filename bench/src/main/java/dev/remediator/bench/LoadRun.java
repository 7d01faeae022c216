package dev.remediator.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The load loop of the storms ({@link Bench} and {@link DevServerStorm}): every delivery POSTed once to one URL with the
 * webhook's bearer token, {@code threads} at a time, each thread on its own {@link LoadClient}, taking the next
 * delivery as soon as its previous answer is read.
 */
final class LoadRun {
  /**
   * @param millis each delivery's time, request written to answer read, in the deliveries' order
   * @param seconds the whole load, first thread started to last answer read
   * @param failed deliveries answered other than 2xx or not answered at all
   */
  record Result(double[] millis, double seconds, int failed) {}

  private LoadRun() {}

  /**
   * POSTs {@code body} of each of {@code deliveries}; {@code beforeEach} sees a delivery just before it is sent (outside
   * its measured time).
   */
  static <D> Result post(String url, String token, int threads, List<D> deliveries, Function<D, byte[]> body,
      Consumer<D> beforeEach) throws Exception {
    double[] millis = new double[deliveries.size()];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < threads; w++) {
        workers.add(pool.submit(() -> {
          try (LoadClient client = new LoadClient(url,
              List.of("Content-Type: application/json", "Authorization: Bearer " + token))) {
            for (int i = next.getAndIncrement(); i < deliveries.size(); i = next.getAndIncrement()) {
              D d = deliveries.get(i);
              beforeEach.accept(d);
              long t = System.nanoTime();
              try {
                if (client.post(body.apply(d)) / 100 != 2) {
                  failed.incrementAndGet();
                }
              } catch (IOException e) {
                failed.incrementAndGet();
                client.close();
              }
              millis[i] = (System.nanoTime() - t) / 1e6;
            }
          }
          return null;
        }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result(millis, (System.nanoTime() - start) / 1e9, failed.get());
  }
}
