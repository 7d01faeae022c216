package dev.remediator.launcher;

import dev.remediator.config.ConfigException;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config} option shared by the service commands; defaults to {@code $REMEDIATOR_CONFIG}. */
final class ConfigOption {
  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      defaultValue = "${env:REMEDIATOR_CONFIG:-remediator.yaml}",
      description = "Configuration file (default: $REMEDIATOR_CONFIG or ./remediator.yaml).")
  Path file;

  RemediatorConfig load() {
    if (!Files.exists(file)) {
      throw new ConfigException("configuration file not found: " + file + "\n"
          + "Write a commented one to start from with: ./remediator init" + (file.toString().equals("remediator.yaml")
              ? "" : " " + file)
          + "\n(or point to yours with --config FILE or REMEDIATOR_CONFIG)");
    }
    return ConfigLoader.load(file);
  }
}
