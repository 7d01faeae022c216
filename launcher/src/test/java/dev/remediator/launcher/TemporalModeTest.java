package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remediator.config.ConfigException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

/** How {@code dev} and {@code demo} find the {@code temporal} CLI and read {@code --temporal}. */
class TemporalModeTest {
  @TempDir Path dir;

  @Test
  void theCliComesFromTemporalCliElseTheFirstExecutableOnPath() throws Exception {
    Path notExecutable = Files.createDirectories(dir.resolve("a"));
    Files.writeString(notExecutable.resolve("temporal"), "#!/bin/sh\n");
    Path bin = Files.createDirectories(dir.resolve("b"));
    Path cli = executable(bin.resolve("temporal"));
    Path other = executable(dir.resolve("other-temporal"));
    String path = notExecutable + File.pathSeparator + File.pathSeparator + bin;

    assertThat(TemporalDevServer.findCli(Map.of("PATH", path))).contains(cli);
    assertThat(TemporalDevServer.findCli(Map.of("PATH", path, "TEMPORAL_CLI", other.toString()))).contains(other);
    assertThat(TemporalDevServer.findCli(Map.of("PATH", notExecutable.toString()))).isEmpty();
    assertThat(TemporalDevServer.findCli(Map.of())).isEmpty();
  }

  @Test
  void aTemporalCliThatIsNoExecutableIsAConfigurationError() {
    assertThatThrownBy(() -> TemporalDevServer.findCli(Map.of("TEMPORAL_CLI", dir.resolve("missing").toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("TEMPORAL_CLI=");
  }

  @Test
  void modesParseInAnyCase() {
    TemporalMode.Converter converter = new TemporalMode.Converter();
    assertThat(converter.convert("cli")).isEqualTo(TemporalMode.CLI);
    assertThat(converter.convert("Embedded")).isEqualTo(TemporalMode.EMBEDDED);
    assertThat(converter.convert("AUTO")).isEqualTo(TemporalMode.AUTO);
    assertThatThrownBy(() -> converter.convert("docker"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("auto, cli, embedded");
  }

  @Test
  void theEmbeddedModeNeedsNothing() throws Exception {
    try (TemporalServer server = TemporalMode.startServer(
        TemporalMode.EMBEDDED, System.out, System.err, dir.resolve("state"), 0, 0)) {
      assertThat(server.embedded()).isTrue();
      assertThat(server.uiUrl()).isNull();
      assertThat(dir.resolve("state")).doesNotExist();
    }
  }

  private static Path executable(Path file) throws Exception {
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
