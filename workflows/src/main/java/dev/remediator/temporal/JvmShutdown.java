package dev.remediator.temporal;

/** Whether this JVM is stopping: a server or connection that goes away then is no news worth a line. */
public final class JvmShutdown {
  private JvmShutdown() {}

  /** True once the JVM runs its shutdown hooks (it then refuses new ones). */
  public static boolean inProgress() {
    Thread probe = new Thread(() -> {});
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }
}
