package dev.remediator.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In front of every handler: at most {@code maxPerClient} requests in progress per client (more get 429; the remote
 * address, or behind a trusted proxy the client it forwards for: {@link ClientAddresses}), and
 * a request body is read without holding a thread (servlet non-blocking I/O) within {@code bodyDeadline} (else 408).
 * Only a complete body reaches a handler, on a pool thread; so connections trickling bytes cost a socket each and no
 * thread, and a good delivery is served while they hang.
 */
final class RequestGate implements Filter {
  private static final Logger log = LoggerFactory.getLogger(RequestGate.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int maxBodyBytes;
  private final Duration bodyDeadline;
  private final int maxPerClient;
  private final ClientAddresses clients;
  private final ScheduledExecutorService timer;
  private final ReceiverMetrics metrics;
  private final Map<String, AtomicInteger> inProgress = new ConcurrentHashMap<>();
  private static final String BODY = RequestGate.class.getName() + ".body";
  private static final String RELEASE = RequestGate.class.getName() + ".release";

  RequestGate(
      int maxBodyBytes, Duration bodyDeadline, int maxPerClient, ClientAddresses clients,
      ScheduledExecutorService timer, ReceiverMetrics metrics) {
    this.maxBodyBytes = maxBodyBytes;
    this.bodyDeadline = bodyDeadline;
    this.maxPerClient = maxPerClient;
    this.clients = clients;
    this.timer = timer;
    this.metrics = metrics;
  }

  /** Requests in progress from {@code client} now (for tests and the bench). */
  int inProgress(String client) {
    AtomicInteger n = inProgress.get(client);
    return n == null ? 0 : n.get();
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest req = (HttpServletRequest) request;
    HttpServletResponse res = (HttpServletResponse) response;
    if (req.getDispatcherType() == DispatcherType.ASYNC && req.getAttribute(BODY) instanceof byte[] bytes) {
      // The body is complete (BodyReader): now the handler runs, in the servlet context, on a pool thread.
      try {
        chain.doFilter(new BufferedRequest(req, bytes), response);
      } finally {
        if (req.getAttribute(RELEASE) instanceof Runnable release) {
          release.run();
        }
      }
      return;
    }
    if (req.getDispatcherType() != DispatcherType.REQUEST) {
      chain.doFilter(request, response);
      return;
    }
    String client = clients.client(req.getRemoteAddr(), req.getHeader("X-Forwarded-For"));
    AtomicInteger count = inProgress.computeIfAbsent(client, k -> new AtomicInteger());
    Runnable release = once(() -> {
      if (count.decrementAndGet() <= 0) {
        inProgress.remove(client, count);
      }
    });
    if (count.incrementAndGet() > maxPerClient) {
      release.run();
      metrics.rejected(ReceiverMetrics.TOO_MANY_REQUESTS);
      res.setHeader("Retry-After", "1");
      res.setHeader("Connection", "close");
      write(res, 429, "too many concurrent requests from " + client + " (at most " + maxPerClient
          + " at a time); retry later");
      return;
    }
    boolean handedOver = false;
    try {
      long declared = req.getContentLengthLong();
      boolean body = declared > 0 || (declared < 0 && req.getHeader("Transfer-Encoding") != null);
      // No body, or one declared too large (the handler refuses it with 413 without reading): straight through.
      if (!body || declared > maxBodyBytes || !req.isAsyncSupported()) {
        chain.doFilter(request, response);
        return;
      }
      AsyncContext async = req.startAsync();
      async.setTimeout(0); // our own deadline below; the handler may then take its Temporal budget
      async.addListener(new AsyncListener() {
        @Override
        public void onComplete(AsyncEvent event) {
          release.run();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
          release.run();
        }

        @Override
        public void onError(AsyncEvent event) {
          release.run();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {}
      });
      req.setAttribute(RELEASE, release);
      handedOver = true;
      new BodyReader(req, res, async).start();
    } finally {
      if (!handedOver) {
        release.run();
      }
    }
  }

  private static Runnable once(Runnable r) {
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        r.run();
      }
    };
  }

  /** Reads one body as it arrives, then runs the chain with it on a pool thread; or answers 408/413/400. */
  private final class BodyReader implements ReadListener {
    private final HttpServletRequest req;
    private final HttpServletResponse res;
    private final AsyncContext async;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
    private final AtomicBoolean finished = new AtomicBoolean();
    private final byte[] buffer = new byte[8192];
    private ServletInputStream in;
    private ScheduledFuture<?> deadline;

    BodyReader(HttpServletRequest req, HttpServletResponse res, AsyncContext async) {
      this.req = req;
      this.res = res;
      this.async = async;
    }

    void start() throws IOException {
      deadline =
          timer.schedule(
              () -> refuse(408, ReceiverMetrics.BODY_TIMEOUT,
                  "the request body was not complete within " + bodyDeadline.toMillis() / 1000.0 + " s"),
              bodyDeadline.toMillis(), TimeUnit.MILLISECONDS);
      in = req.getInputStream();
      in.setReadListener(this);
    }

    @Override
    public void onDataAvailable() throws IOException {
      while (!finished.get() && in.isReady()) {
        int n = in.read(buffer);
        if (n < 0) {
          return; // onAllDataRead follows
        }
        if (body.size() + n > maxBodyBytes) {
          refuse(413, ReceiverMetrics.TOO_LARGE,
              AlertReceiver.tooLargeMessage(maxBodyBytes, "more than " + maxBodyBytes + " bytes sent"));
          return;
        }
        body.write(buffer, 0, n);
      }
    }

    @Override
    public void onAllDataRead() {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      deadline.cancel(false);
      req.setAttribute(BODY, body.toByteArray());
      async.dispatch();
    }

    @Override
    public void onError(Throwable t) {
      refuse(400, ReceiverMetrics.MALFORMED, "could not read the body: the connection failed or the body was"
          + " malformed (" + AlertReceiver.describe(t) + ")");
    }

    private void refuse(int status, String reason, String message) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      if (deadline != null) {
        deadline.cancel(false);
      }
      if (req.getRequestURI().startsWith(AlertReceiver.WEBHOOK_PATH)) {
        metrics.rejected(reason);
      }
      metrics.request(req.getRequestURI().equals(AlertReceiver.WEBHOOK_PATH) ? AlertReceiver.WEBHOOK_PATH
          : "unmatched", status);
      log.info("{} {} from {}: {} {}", req.getMethod(), req.getRequestURI(), req.getRemoteAddr(), status, message);
      try {
        res.setHeader("Connection", "close");
        write(res, status, message);
      } catch (Exception e) {
        // the client is gone
      } finally {
        try {
          async.complete();
        } catch (IllegalStateException e) {
          // completed meanwhile
        }
      }
    }
  }

  static void write(HttpServletResponse res, int status, String message) throws IOException {
    byte[] json = JSON.writeValueAsBytes(Map.of("error", message));
    res.setStatus(status);
    res.setContentType("application/json");
    res.setContentLength(json.length);
    res.getOutputStream().write(json);
    res.flushBuffer();
  }

  /** The request with its body already read. */
  private static final class BufferedRequest extends HttpServletRequestWrapper {
    private final byte[] body;

    BufferedRequest(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
      ByteArrayInputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          try {
            listener.onDataAvailable();
            listener.onAllDataRead();
          } catch (IOException e) {
            listener.onError(e);
          }
        }

        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
    }
  }
}
