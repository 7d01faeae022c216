package dev.remediator.kubernetes.real;

import dev.remediator.kubeplane.ControlPlane;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One run of the control plane's cached kubectl with the admin's kubeconfig, in the target namespace. */
record Kubectl(int exit, String out, String err) {
  static Kubectl run(String... args) {
    ControlPlane cp = RealApi.controlPlane();
    List<String> command = new ArrayList<>(List.of(cp.kubectl().toString(),
        "--kubeconfig=" + cp.adminKubeconfig(), "-n", ControlPlane.TARGET_NAMESPACE));
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile("kubectl", ".out");
      Path err = Files.createTempFile("kubectl", ".err");
      try {
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(RealApi.ROLLOUT.toSeconds(), TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new AssertionError("timed out: " + command);
        }
        return new Kubectl(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
