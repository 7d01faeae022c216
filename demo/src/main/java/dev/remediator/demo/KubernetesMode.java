package dev.remediator.demo;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Which cluster the demos run on ({@code demo --kubernetes=simulated|real}). */
public enum KubernetesMode {
  /** fabric8's mock API server with the demo's own controller thread ({@link SimulatedCluster}): no prerequisite. */
  SIMULATED,
  /**
   * A real control plane ({@code dev.remediator.kubeplane.ControlPlane}: API server with RBAC, controllers, KWOK) from
   * the binaries {@code scripts/install-kube-control-plane.sh} builds ({@link RealCluster}).
   */
  REAL;

  /** picocli: {@code simulated} or {@code real}, any case. */
  public static final class Converter implements ITypeConverter<KubernetesMode> {
    @Override
    public KubernetesMode convert(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not one of simulated, real");
      }
    }
  }
}
