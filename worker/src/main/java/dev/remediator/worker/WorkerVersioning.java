package dev.remediator.worker;

import dev.remediator.config.WorkerConfig;
import io.temporal.common.VersioningBehavior;
import io.temporal.common.WorkerDeploymentVersion;
import io.temporal.worker.WorkerDeploymentOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The worker's place in a Temporal Worker Deployment: a deployment name and this build's ID. With versioning on, every
 * incident is PINNED: it runs to its end on the build that opened it, so the plan a build made is executed by the same
 * code (README "Changing a runbook in production"). {@link #OFF} (no deployment name): the worker is unversioned,
 * exactly as before versioning existed.
 *
 * @param deploymentName the Worker Deployment's name, null when versioning is off
 * @param buildId this build's ID, null when versioning is off
 * @param buildIdSource where the build ID came from (flag, environment, file, the jar), for the start line
 */
public record WorkerVersioning(String deploymentName, String buildId, String buildIdSource) {
  public static final WorkerVersioning OFF = new WorkerVersioning(null, null, null);

  /** The environment variables read when no flag is given. */
  public static final String DEPLOYMENT_ENV = "REMEDIATOR_DEPLOYMENT_NAME";
  public static final String BUILD_ID_ENV = "REMEDIATOR_BUILD_ID";

  /** Manifest entries of the product jar (root pom, shade plugin): the version and the git commit it was built from. */
  static final String VERSION_ENTRY = "Implementation-Version";
  static final String COMMIT_ENTRY = "Remediator-Git-Commit";

  public WorkerVersioning {
    if (deploymentName != null) {
      check(deploymentName, "deployment name");
      check(buildId, "build ID");
    }
  }

  private static void check(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("worker versioning: the " + what + " is empty");
    }
    if (!value.matches("[A-Za-z0-9][A-Za-z0-9._+-]{0,254}")) {
      throw new IllegalArgumentException("worker versioning: " + what + " '" + value + "' may only hold letters,"
          + " digits and . _ + - (at most 255, starting with a letter or digit)");
    }
    if (what.equals("deployment name") && value.contains(".")) {
      throw new IllegalArgumentException("worker versioning: deployment name '" + value + "' must not contain '.'");
    }
  }

  public boolean enabled() {
    return deploymentName != null;
  }

  /** As Temporal writes it in {@code TemporalWorkerDeploymentVersion}: {@code deployment:buildId}. */
  public String version() {
    return deploymentName + ":" + buildId;
  }

  /**
   * Flag, else environment, else the configuration file; the build ID defaults to {@link #defaultBuildId()}. No
   * deployment name anywhere: {@link #OFF}, whatever the build ID says.
   */
  public static WorkerVersioning resolve(
      String deploymentFlag, String buildIdFlag, WorkerConfig file, Map<String, String> env) {
    String deployment = first(deploymentFlag, env.get(DEPLOYMENT_ENV), file == null ? null : file.deploymentName());
    if (deployment == null) {
      return OFF;
    }
    if (blank(buildIdFlag) == null && blank(env.get(BUILD_ID_ENV)) == null
        && (file == null || blank(file.buildId()) == null)) {
      return new WorkerVersioning(deployment, defaultBuildId(), "from the jar");
    }
    String source = blank(buildIdFlag) != null ? "--build-id" : blank(env.get(BUILD_ID_ENV)) != null
        ? "$" + BUILD_ID_ENV : "worker.buildId";
    return new WorkerVersioning(deployment, first(buildIdFlag, env.get(BUILD_ID_ENV), file == null ? null
        : file.buildId()), source);
  }

  /** Temporal's options for this worker: versioning with PINNED incidents, or none when {@link #OFF}. */
  public WorkerDeploymentOptions options() {
    return WorkerDeploymentOptions.newBuilder()
        .setUseVersioning(true)
        .setVersion(new WorkerDeploymentVersion(deploymentName, buildId))
        .setDefaultVersioningBehavior(VersioningBehavior.PINNED)
        .build();
  }

  /**
   * This jar's build ID: {@code <version>-g<commit>} when the build recorded the git commit ({@code
   * -Dremediator.gitCommit}, which {@code ./remediator} passes), else {@code <version>-<first 12 hex of the jar's
   * SHA-256>}: two different jars never share a build ID. Outside a jar (classes from a directory): an error naming
   * {@code --build-id}.
   */
  public static String defaultBuildId() {
    Path jar = ownJar();
    if (jar == null) {
      throw new IllegalArgumentException("worker versioning: no build ID given and the worker does not run from a jar"
          + " (pass --build-id or set " + BUILD_ID_ENV + ")");
    }
    try (JarFile file = new JarFile(jar.toFile())) {
      Manifest m = file.getManifest();
      String version = m == null ? null : blank(m.getMainAttributes().getValue(VERSION_ENTRY));
      String commit = m == null ? null : blank(m.getMainAttributes().getValue(COMMIT_ENTRY));
      return buildId(version, commit, jar);
    } catch (IOException e) {
      throw new IllegalStateException("worker versioning: cannot read " + jar + " for its build ID: " + e, e);
    }
  }

  static String buildId(String version, String commit, Path jar) throws IOException {
    String v = version == null ? "unversioned" : version;
    return commit != null ? v + "-g" + commit : v + "-" + sha256(jar).substring(0, 12);
  }

  private static Path ownJar() {
    try {
      var source = WorkerVersioning.class.getProtectionDomain().getCodeSource();
      Path p = source == null ? null : Path.of(source.getLocation().toURI());
      return p != null && Files.isRegularFile(p) ? p : null;
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String first(String... values) {
    for (String v : values) {
      if (blank(v) != null) {
        return v.strip();
      }
    }
    return null;
  }

  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
