package dev.remediator.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports on loopback for processes that listen later: free now, below the kernel's ephemeral range (32768 and up on
 * Linux; a port the kernel hands out could be taken as the local port of an outgoing connection before the server
 * binds it), and never the same port twice in one JVM (a port handed out but not yet bound is still free, so a later
 * pick for another process could otherwise return it: "Port already in use" when the first one starts).
 */
public final class FreePorts {
  private static final int LOW = 20000;
  private static final int EPHEMERAL_START = 32768;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port that is free now and that this JVM has not handed out before. */
  public static int next() {
    for (int tries = 0; tries < 500; tries++) {
      int p = ThreadLocalRandom.current().nextInt(LOW, EPHEMERAL_START);
      if (free(p) && HANDED_OUT.add(p)) {
        return p;
      }
    }
    throw new UncheckedIOException(new IOException("no free port between " + LOW + " and " + EPHEMERAL_START));
  }

  /** Whether {@code port} on loopback is free now. */
  public static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}
