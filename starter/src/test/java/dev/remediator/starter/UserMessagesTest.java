package dev.remediator.starter;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.Test;

class UserMessagesTest {
  @Test
  void aWorkflowsRefusalInItsOwnWords() {
    ApplicationFailure refusal =
        ApplicationFailure.newFailure("alice is not an approver of prod/auth-service/authdb",
            "java.lang.IllegalArgumentException");
    assertThat(refusal.getMessage()).contains("java.lang.IllegalArgumentException");
    RuntimeException wrapped = new RuntimeException("io.temporal.client.WorkflowUpdateException: failed", refusal);

    assertThat(UserMessages.of(wrapped)).isEqualTo("alice is not an approver of prod/auth-service/authdb");
  }

  @Test
  void grpcStatusAsCodeAndDescription() {
    RuntimeException e = new RuntimeException(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());
    assertThat(UserMessages.of(e)).isEqualTo("UNAVAILABLE: io exception");
  }

  @Test
  void neverAClassName() {
    assertThat(UserMessages.of(new IllegalStateException(
        new NullPointerException("Cannot invoke \"java.util.List.size()\" because \"x\" is null"))))
        .doesNotContain("java.util").isEqualTo("Cannot invoke \"size()\" because \"x\" is null");
    assertThat(UserMessages.of(new IllegalStateException((String) null))).isEqualTo("unexpected failure (see the log)");
    assertThat(UserMessages.clean("Unrecognized field \"x\" (class dev.remediator.config.TargetConfig)"))
        .doesNotContain("dev.remediator");
  }
}
