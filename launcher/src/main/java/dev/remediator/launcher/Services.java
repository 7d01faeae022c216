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
}
