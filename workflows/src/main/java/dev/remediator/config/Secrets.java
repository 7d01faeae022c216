package dev.remediator.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves a secret from a literal, an environment variable or a file (e.g. a mounted Kubernetes Secret). */
public final class Secrets {
  private Secrets() {}

  /**
   * @param what a human name for the value, used in errors (never the value itself)
   * @return the value; trailing newlines of files are trimmed
   * @throws ConfigException when the reference is set but unresolvable, or nothing is set
   */
  public static String resolve(String what, String literal, String env, String file) {
    if (literal != null && !literal.isEmpty()) {
      return literal;
    }
    if (env != null && !env.isEmpty()) {
      String v = System.getenv(env);
      if (v == null || v.isEmpty()) {
        throw new ConfigException(what + ": environment variable " + env + " is not set");
      }
      return v;
    }
    if (file != null && !file.isEmpty()) {
      try {
        return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new ConfigException(what + ": cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    throw new ConfigException(what + ": not configured (set a value, an env var or a file)");
  }
}
