package dev.remediator.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The commented starting configuration {@code ./remediator init} writes: every key with its default, the runbook
 * step it belongs to, and secrets by environment variable or file. It loads with {@code ConfigLoader} as written.
 */
public final class ConfigTemplate {
  private static final String RESOURCE = "remediator.template.yaml";

  private ConfigTemplate() {}

  public static String text() {
    try (InputStream in = ConfigTemplate.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
