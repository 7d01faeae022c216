package dev.remediator.launcher;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * What the real-server and browser tests need from the machine: the {@code temporal} CLI, Debian's chromium and
 * chromedriver. Missing, the test is skipped with a message saying how to install it — or fails, when the build asks
 * for them ({@code -Dremediator.requireRealTemporal=true}, {@code -Dremediator.requireBrowser=true}, or
 * {@code REMEDIATOR_REQUIRE_REAL_TEMPORAL=true}, {@code REMEDIATOR_REQUIRE_BROWSER=true}; CI sets them).
 */
public final class Prerequisites {
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private Prerequisites() {}

  /** The {@code temporal} CLI (TEMPORAL_CLI, else PATH). */
  public static Path temporalCli() {
    Optional<Path> cli = TemporalDevServer.findCli(System.getenv());
    if (cli.isEmpty()) {
      missing("remediator.requireRealTemporal", "no `temporal` CLI (TEMPORAL_CLI, PATH): "
          + TemporalDevServer.INSTALL_HINT);
    }
    return cli.orElseThrow();
  }

  /** Debian's chromium and chromedriver. */
  public static void browser() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      missing("remediator.requireBrowser", "no " + CHROMIUM + " and " + CHROMEDRIVER
          + ": run scripts/install-chromium.sh (apt-get install chromium chromium-driver)");
    }
  }

  private static void missing(String property, String what) {
    String env = property.replace("remediator.", "REMEDIATOR_")
        .replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    boolean required = Boolean.getBoolean(property) || "true".equalsIgnoreCase(System.getenv(env));
    if (required) {
      fail(what + " (" + property + " / " + env + " requires it)");
    }
    System.err.println("SKIPPED: " + what + " (set " + property + "=true or " + env + "=true to fail instead)");
    Assumptions.abort(what);
  }
}
