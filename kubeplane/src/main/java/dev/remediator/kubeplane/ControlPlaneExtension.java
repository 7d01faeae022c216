package dev.remediator.kubeplane;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One {@link ControlPlane} per test run, started by the first test class that asks for it and closed after the last
 * test (JUnit's root store). Without the binaries each class is disabled with the reason (Maven prints a
 * {@code [WARNING] Tests run: 1, …, Skipped: 1} line per class; the reason is in its report), unless {@code -Dremediator.requireKube=true} or {@code REMEDIATOR_REQUIRE_KUBE=true} makes that a failure.
 * With the binaries present a control plane that does not start is a failure, never a skip.
 */
public final class ControlPlaneExtension implements ExecutionCondition, BeforeAllCallback, ParameterResolver {
  private static ControlPlane instance;
  private static RuntimeException failed;
  private static boolean announced;

  /** The running control plane, started on first use; or the test is skipped (or fails where it is required). */
  public static synchronized ControlPlane require() {
    if (instance != null) {
      return instance;
    }
    if (failed != null) {
      throw new IllegalStateException("the control plane did not start (see the first failure)", failed);
    }
    String unavailable = ControlPlane.unavailableReason();
    if (unavailable == null) {
      try {
        instance = ControlPlane.start();
        return instance;
      } catch (RuntimeException e) {
        failed = e;
        throw e;
      }
    }
    if (required()) {
      Assertions.fail(unavailable + "; " + ControlPlane.REQUIRE_PROPERTY + "/" + ControlPlane.REQUIRE_ENV
          + " requires it");
    }
    if (!announced) {
      announced = true;
      System.err.println("\n[WARNING] SKIPPING every real-Kubernetes test: " + unavailable + ". Set "
          + ControlPlane.REQUIRE_ENV + "=true to make this a failure.\n");
    }
    Assumptions.abort(unavailable);
    throw new AssertionError("unreachable");
  }

  /** Whether a missing control plane fails the run instead of skipping its tests. */
  public static boolean required() {
    String p = System.getProperty(ControlPlane.REQUIRE_PROPERTY);
    if (p != null && !p.isBlank()) {
      return Boolean.parseBoolean(p.trim());
    }
    String e = System.getenv(ControlPlane.REQUIRE_ENV);
    return e != null && (e.trim().equals("1") || Boolean.parseBoolean(e.trim()));
  }

  /** Disables the class, before any of its callbacks run, when there is no control plane and none is required. */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String unavailable = instance == null ? ControlPlane.unavailableReason() : null;
    if (unavailable == null || required()) {
      return ConditionEvaluationResult.enabled("a Kubernetes control plane is installed or required");
    }
    return ConditionEvaluationResult.disabled("SKIPPING every real-Kubernetes test: " + unavailable + ". Set "
        + ControlPlane.REQUIRE_ENV + "=true to make this a failure.");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    ControlPlane cp = require(); // skips or fails the class here when there is none
    context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(ControlPlane.class, k -> cp, ControlPlane.class);
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == ControlPlane.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    return require();
  }
}
