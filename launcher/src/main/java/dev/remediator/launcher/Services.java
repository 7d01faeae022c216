package dev.remediator.launcher;

import java.util.concurrent.CountDownLatch;

/** Keeps a service command running until the process is asked to stop (SIGTERM, Ctrl-C). */
final class Services {
  private Services() {}

  static void awaitShutdown(Runnable onStop) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              onStop.run();
              stopped.countDown();
            },
            "shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    stopped.await();
  }

  /** Flushes and closes a metrics scope at shutdown. */
  static void close(com.uber.m3.tally.Scope scope) {
    try {
      scope.close();
    } catch (com.uber.m3.tally.ScopeCloseException e) {
      // shutting down: the last report is lost at worst
    }
  }
}
