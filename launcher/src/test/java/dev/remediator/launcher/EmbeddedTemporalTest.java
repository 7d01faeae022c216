package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remediator.incident.IncidentSearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import org.junit.jupiter.api.Test;

/** The embedded server starts with the incident search attributes, so a worker that outlived a restart still works. */
class EmbeddedTemporalTest {

  @Test
  void startsWithTheIncidentSearchAttributesRegistered() {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      OperatorServiceStubs operator =
          OperatorServiceStubs.newServiceStubs(
              OperatorServiceStubsOptions.newBuilder().setTarget(temporal.address()).validateAndBuildWithDefaults());
      try {
        for (var key : IncidentSearchAttributes.ALL) {
          AddSearchAttributesRequest again =
              AddSearchAttributesRequest.newBuilder()
                  .setNamespace("default")
                  .putSearchAttributes(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                  .build();
          assertThatThrownBy(() -> operator.blockingStub().addSearchAttributes(again))
              .as(key.getName())
              .isInstanceOfSatisfying(StatusRuntimeException.class,
                  e -> org.assertj.core.api.Assertions.assertThat(e.getStatus().getCode())
                      .isEqualTo(Status.Code.ALREADY_EXISTS));
        }
      } finally {
        operator.shutdownNow();
      }
    }
  }
}
