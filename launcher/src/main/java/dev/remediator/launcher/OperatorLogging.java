package dev.remediator.launcher;

import java.io.PrintStream;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Logging of a short operator verb ({@code show}, {@code approve}, ...): warnings and errors of the libraries on
 * stderr, one line each, nothing else. The services keep logback and {@code logback.xml}; setting logback up cost a
 * verb that logs nothing about 0.15 s of its start (Joran, an XML parser, ~500 classes). Chosen through SLF4J's
 * {@code slf4j.provider} property by {@link #select()}, never found by the service loader, so that nothing else sees it.
 */
public final class OperatorLogging implements SLF4JServiceProvider {
  private static final PrintStream ERR = System.err;
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  /** Selects this provider unless one was chosen already; call before the first logger is created. */
  static void select() {
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", OperatorLogging.class.getName());
      if (System.getProperty("slf4j.internal.verbosity") == null) {
        System.setProperty("slf4j.internal.verbosity", "WARN"); // not "Attempting to load provider ..." each time
      }
    }
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return StderrLogger::new;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}

  /** WARN and ERROR to stderr: {@code WARN logger - message: cause}. */
  static final class StderrLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    StderrLogger(String name) {
      this.name = name;
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    @Override
    public boolean isInfoEnabled() {
      return false;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
      if (level != Level.WARN && level != Level.ERROR) {
        return;
      }
      String shortName = name.substring(name.lastIndexOf('.') + 1);
      ERR.println(level + " " + shortName + " - " + MessageFormatter.basicArrayFormat(pattern, arguments)
          + (throwable == null ? "" : ": " + throwable));
    }
  }
}
