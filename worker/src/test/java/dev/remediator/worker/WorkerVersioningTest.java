package dev.remediator.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remediator.config.WorkerConfig;
import io.temporal.common.VersioningBehavior;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the worker's deployment name and build ID come from, and that no deployment name means no versioning. */
class WorkerVersioningTest {
  @TempDir Path dir;

  @Test
  void offWithoutADeploymentNameWhateverTheBuildId() {
    assertThat(WorkerVersioning.resolve(null, "B", new WorkerConfig(null, "C"), Map.of("REMEDIATOR_BUILD_ID", "D")))
        .isEqualTo(WorkerVersioning.OFF);
    assertThat(WorkerVersioning.OFF.enabled()).isFalse();
  }

  @Test
  void flagBeatsEnvironmentBeatsFile() {
    WorkerConfig file = new WorkerConfig("from-file", "file-build");
    Map<String, String> env = Map.of("REMEDIATOR_DEPLOYMENT_NAME", "from-env", "REMEDIATOR_BUILD_ID", "env-build");
    WorkerVersioning flags = WorkerVersioning.resolve("from-flag", "flag-build", file, env);
    assertThat(flags).isEqualTo(new WorkerVersioning("from-flag", "flag-build", "--build-id"));
    assertThat(WorkerVersioning.resolve(null, null, file, env))
        .isEqualTo(new WorkerVersioning("from-env", "env-build", "$REMEDIATOR_BUILD_ID"));
    assertThat(WorkerVersioning.resolve(null, null, file, Map.of()))
        .isEqualTo(new WorkerVersioning("from-file", "file-build", "worker.buildId"));
  }

  @Test
  void pinsIncidentsToTheBuild() {
    var options = new WorkerVersioning("remediator", "1.4.0-g3f2a9c1e", "test").options();
    assertThat(options.isUsingVersioning()).isTrue();
    assertThat(options.getDefaultVersioningBehavior()).isEqualTo(VersioningBehavior.PINNED);
    assertThat(options.getVersion().getDeploymentName()).isEqualTo("remediator");
    assertThat(options.getVersion().getBuildId()).isEqualTo("1.4.0-g3f2a9c1e");
  }

  @Test
  void defaultBuildIdIsVersionAndCommitElseVersionAndJarHash() throws Exception {
    Path jar = Files.writeString(dir.resolve("a.jar"), "one");
    Path other = Files.writeString(dir.resolve("b.jar"), "two");
    assertThat(WorkerVersioning.buildId("1.4.0", "3f2a9c1e", jar)).isEqualTo("1.4.0-g3f2a9c1e");
    String hashed = WorkerVersioning.buildId("1.4.0", null, jar);
    assertThat(hashed).matches("1\\.4\\.0-[0-9a-f]{12}");
    assertThat(WorkerVersioning.buildId("1.4.0", null, other)).as("another jar, another build").isNotEqualTo(hashed);
  }

  @Test
  void badNamesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> WorkerVersioning.resolve("my.deployment", "B", null, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not contain '.'");
    assertThatThrownBy(() -> WorkerVersioning.resolve("remediator", "has space", null, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("build ID 'has space' may only hold");
  }
}
