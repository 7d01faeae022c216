package dev.remediator.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection that POSTs prepared bodies and reads each answer, for the storm's load: the JDK's
 * {@code HttpClient} spends more CPU per request than the servers it measures (it capped a bare JDK server at ~650
 * requests/s on 2 cores), which would make the load generator the bottleneck of both rows. Understands exactly what the
 * receiver and the bare server answer: a status line, headers, and a body of {@code Content-Length} or chunked;
 * reconnects after {@code Connection: close}. Not thread-safe: one per load thread.
 */
final class LoadClient implements AutoCloseable {
  private final String host;
  private final int port;
  private final byte[] head;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  LoadClient(String url, List<String> headers) {
    URI uri = URI.create(url);
    this.host = uri.getHost();
    this.port = uri.getPort();
    StringBuilder b = new StringBuilder("POST ").append(uri.getRawPath()).append(" HTTP/1.1\r\nHost: ")
        .append(host).append(':').append(port).append("\r\n");
    headers.forEach(h -> b.append(h).append("\r\n"));
    this.head = b.append("Content-Length: ").toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** POSTs {@code body} and returns the status code once the whole answer is read. */
  int post(byte[] body) throws IOException {
    if (socket == null) {
      connect();
    }
    try {
      return exchange(body);
    } catch (IOException e) {
      // The server closed an idle keep-alive connection between two requests: once more on a new one.
      close();
      connect();
      return exchange(body);
    }
  }

  private int exchange(byte[] body) throws IOException {
    out.write(head);
    out.write((body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before an answer");
    }
    int code = Integer.parseInt(status.split(" ", 3)[1]);
    long length = -1;
    boolean chunked = false;
    boolean closeAfter = false;
    for (String h = line(); h != null && !h.isEmpty(); h = line()) {
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(lower.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      } else if (lower.startsWith("connection:") && lower.contains("close")) {
        closeAfter = true;
      }
    }
    if (chunked) {
      for (long size = Long.parseLong(line().split(";")[0].trim(), 16); size > 0;
          size = Long.parseLong(line().split(";")[0].trim(), 16)) {
        skip(size);
        line();
      }
      line();
    } else if (length > 0) {
      skip(length);
    }
    if (closeAfter) {
      close();
    }
    return code;
  }

  private void connect() throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(60_000);
    socket.connect(new InetSocketAddress(host, port), 10_000);
    in = new BufferedInputStream(socket.getInputStream(), 8192);
    out = new BufferedOutputStream(socket.getOutputStream(), 16384);
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  private void skip(long n) throws IOException {
    while (n > 0) {
      long skipped = in.skip(n);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new IOException("connection closed inside a body");
        }
        skipped = 1;
      }
      n -= skipped;
    }
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
      socket = null;
    }
  }
}
