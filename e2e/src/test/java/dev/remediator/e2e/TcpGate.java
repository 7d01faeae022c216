package dev.remediator.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP forwarder between the worker and PostgreSQL, so a test can take the database away from the worker
 * without touching the server: {@link Mode#OPEN} forwards, {@link Mode#HOLD} accepts and keeps a new connection
 * waiting (a server that does not answer), {@link Mode#DOWN} drops every new connection at once (a server that is
 * gone). Connections already forwarded are not affected. Counts connection attempts.
 */
final class TcpGate implements AutoCloseable {
  enum Mode {
    OPEN,
    HOLD,
    DOWN
  }

  private final int targetPort;
  private final ServerSocket listener;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger attempts = new AtomicInteger();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicInteger forwarding = new AtomicInteger();
  private volatile Mode mode = Mode.OPEN;
  private volatile boolean closed;

  TcpGate(int targetPort) throws IOException {
    this.targetPort = targetPort;
    listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread t = new Thread(this::acceptLoop, "tcp-gate-" + listener.getLocalPort());
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  synchronized void set(Mode next) {
    mode = next;
    notifyAll();
  }

  /** Connection attempts so far, in every mode. */
  int attempts() {
    return attempts.get();
  }

  /** Connections being forwarded now (open between the worker and PostgreSQL). */
  int forwarding() {
    return forwarding.get();
  }

  /** Connections being held now. */
  int held() {
    return held.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        attempts.incrementAndGet();
        Thread t = new Thread(() -> serve(client), "tcp-gate-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void serve(Socket client) {
    sockets.add(client);
    try {
      synchronized (this) {
        held.incrementAndGet();
        try {
          while (mode == Mode.HOLD && !closed) {
            wait(100);
          }
        } finally {
          held.decrementAndGet();
        }
      }
      if (mode == Mode.DOWN || closed) {
        client.setSoLinger(true, 0); // RST, as from a host whose server is gone
        client.close();
        return;
      }
      Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
      sockets.add(server);
      forwarding.incrementAndGet();
      try {
        Thread up = pump(client, server);
        Thread down = pump(server, client);
        up.join();
        down.join();
      } finally {
        forwarding.decrementAndGet();
      }
    } catch (IOException e) {
      // one side went away: the other is closed below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(client);
    }
  }

  private Thread pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (SocketException e) {
                // closed
              } catch (IOException e) {
                // broken: close both
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "tcp-gate-pump");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void closeQuietly(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    set(Mode.DOWN);
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
