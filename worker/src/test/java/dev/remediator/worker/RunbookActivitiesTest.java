package dev.remediator.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.loader.ConfigLoader;
import io.temporal.common.metadata.POJOActivityImplMetadata;
import io.temporal.common.metadata.POJOActivityMethodMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The worker serves every activity a recorded incident scheduled: an incident running when a worker of this version
 * takes over schedules the same activity types again (a retry, the next step), and one no registered implementation
 * answers would wait out its timeouts. Replay cannot see this (it runs no activity). Also: no activity type is
 * registered twice (the SDK refuses to start such a worker).
 */
class RunbookActivitiesTest {
  static final Pattern ACTIVITY_TYPE =
      Pattern.compile("\"activityType\"\\s*:\\s*\\{\\s*\"name\"\\s*:\\s*\"([A-Za-z0-9_]+)\"");

  static final RemediatorConfig CONFIG = ConfigLoader.parse("""
      targets:
        - service: auth-service
          namespace: prod
          database: authdb
          postgres: {url: "jdbc:postgresql://127.0.0.1:1/authdb", user: remediator}
      """, "test configuration");

  @Test
  void everyActivityTypeOfTheRecordedHistoriesIsRegisteredOnce() throws IOException {
    List<String> registered = new ArrayList<>();
    for (Object impl : RunbookActivities.all(CONFIG, () -> {
      throw new AssertionError("no Kubernetes client is made to register the activities");
    })) {
      for (POJOActivityMethodMetadata m : POJOActivityImplMetadata.newInstance(impl.getClass()).getActivityMethods()) {
        registered.add(m.getActivityTypeName());
      }
    }
    assertThat(registered).as("activity types registered").doesNotHaveDuplicates();

    Set<String> recorded = new TreeSet<>();
    Path histories = Path.of(System.getProperty("basedir", "")).toAbsolutePath()
        .resolveSibling("workflows").resolve("src/test/resources/histories");
    try (Stream<Path> files = Files.list(histories)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        Matcher m = ACTIVITY_TYPE.matcher(Files.readString(f));
        while (m.find()) {
          recorded.add(m.group(1));
        }
      }
    }
    // Both runbooks' histories are read: the pool's database and pool-size steps, Service Down's rollback and
    // look-up of the pool incident, the shared probe and rollout wait.
    assertThat(recorded).as("activity types in " + histories)
        .contains("Snapshot", "SetPoolSettings", "RestorePoolSettings", "Rollback", "RelatedIncident", "Probe",
            "AwaitRollout");
    assertThat(registered).containsAll(recorded);
  }
}
