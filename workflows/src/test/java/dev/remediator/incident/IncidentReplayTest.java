package dev.remediator.incident;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.registry.RunbookWorkflows;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays recorded incident histories against today's workflow code: a change that would break incidents already in
 * flight (a non-deterministic change without {@code Workflow.getVersion}) fails here, not in production.
 */
class IncidentReplayTest {

  static List<String> histories() throws IOException, URISyntaxException {
    Path dir = Path.of(IncidentReplayTest.class.getResource("/histories").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
    }
  }

  @org.junit.jupiter.api.BeforeAll
  static void warmUp() {
    Warmup.dataConverter();
  }

  @Test
  void historiesAreRecorded() throws Exception {
    assertThat(histories()).hasSizeGreaterThanOrEqualTo(3);
  }

  @ParameterizedTest
  @MethodSource("histories")
  void replaysWithoutNonDeterminism(String history) throws Exception {
    RunbookWorkflows.replayResource("histories/" + history);
  }
}
