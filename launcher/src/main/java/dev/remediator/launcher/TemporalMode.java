package dev.remediator.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Which Temporal server {@code dev} and {@code demo} run on ({@code --temporal=auto|cli|embedded}). */
public enum TemporalMode {
  /** The CLI's dev server if a {@code temporal} CLI is found, else the embedded one. */
  AUTO,
  /** The CLI's dev server ({@code temporal server start-dev}); an error without the CLI. */
  CLI,
  /** The embedded in-memory test server: no prerequisite, no Web UI, nothing survives a restart. */
  EMBEDDED;

  /**
   * Starts the server {@code mode} asks for, telling {@code out} which one and why; null (after telling {@code err}
   * why) when {@code CLI} was asked for and there is none. Ports: those given, else 7233 and the UI on the port +
   * 1000 if free, else free ones.
   */
  public static TemporalServer startServer(
      TemporalMode mode, PrintStream out, PrintStream err, Path stateDir, Integer temporalPort, Integer uiPort)
      throws IOException {
    Optional<Path> cli = mode == EMBEDDED ? Optional.empty() : TemporalDevServer.findCli(System.getenv());
    int frontend = temporalPort != null ? temporalPort : FreePorts.free(7233) ? 7233 : 0;
    if (cli.isEmpty()) {
      if (mode == CLI) {
        err.println("--temporal=cli: no `temporal` CLI found (TEMPORAL_CLI, PATH); " + TemporalDevServer.INSTALL_HINT);
        return null;
      }
      if (mode == AUTO) {
        out.println("No `temporal` CLI found (TEMPORAL_CLI, PATH): using the embedded in-memory Temporal server"
            + " (no Web UI; incidents are lost when it stops). For the real dev server, "
            + TemporalDevServer.INSTALL_HINT + ".");
      }
      return EmbeddedTemporal.start(frontend);
    }
    int port = frontend == 0 ? FreePorts.next() : frontend;
    int ui = uiPort != null ? uiPort : port + 1000 <= 65535 && FreePorts.free(port + 1000) ? port + 1000 : 0;
    out.println("Starting the Temporal dev server (" + cli.get() + "), log in "
        + stateDir.resolve(TemporalDevServer.LOG_FILE));
    return TemporalDevServer.start(cli.get(), stateDir, port, ui, Duration.ofSeconds(60));
  }

  /** Parses {@code auto}, {@code cli}, {@code embedded} in any case. */
  public static final class Converter implements ITypeConverter<TemporalMode> {
    @Override
    public TemporalMode convert(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not one of auto, cli, embedded");
      }
    }
  }
}
