package dev.remediator.worker;

import dev.remediator.incident.IncidentSearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the incident search attributes exist in the namespace before any incident runs: an incident that
 * upserts an unknown attribute would be stuck. Adds the missing ones (the embedded server always allows it; a cluster
 * needs operator permission) or fails with the command an operator must run. The embedded server registers them the
 * same way at start ({@code EmbeddedTemporal}): being in memory, a restarted one has lost them.
 */
public final class SearchAttributeRegistration {
  private static final Logger log = LoggerFactory.getLogger(SearchAttributeRegistration.class);

  private SearchAttributeRegistration() {}

  /** The namespace's custom attributes; empty where the server cannot list them (the embedded test server). */
  private static Map<String, IndexedValueType> existing(OperatorServiceStubs operator, String namespace) {
    try {
      return operator
          .blockingStub()
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build())
          .getCustomAttributesMap();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return Map.of();
      }
      throw e;
    }
  }

  /** Over the client's own connection, in the client's namespace. */
  static void ensure(WorkflowClient client) {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(client.getWorkflowServiceStubs().getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      ensure(operator, client.getOptions().getNamespace());
    } finally {
      operator.shutdown();
    }
  }

  /** Adds the incident search attributes {@code namespace} lacks; fails with the operator's command if it cannot. */
  public static void ensure(OperatorServiceStubs operator, String namespace) {
    try {
      Map<String, IndexedValueType> existing = existing(operator, namespace);
      List<String> missing =
          IncidentSearchAttributes.ALL.stream()
              .map(SearchAttributeKey::getName)
              .filter(name -> !existing.containsKey(name))
              .toList();
      if (missing.isEmpty()) {
        return;
      }
      AddSearchAttributesRequest.Builder add = AddSearchAttributesRequest.newBuilder().setNamespace(namespace);
      missing.forEach(name -> add.putSearchAttributes(name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
      try {
        operator.blockingStub().addSearchAttributes(add.build());
        log.info("Registered search attributes {} in namespace {}", missing, namespace);
      } catch (StatusRuntimeException e) {
        // Another worker (a restart, a second replica) registered them first; the embedded server cannot list
        // them, so "missing" above may be wrong there. Either way they exist: that is all we need.
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
          throw e;
        }
        log.info("Search attributes {} already registered in namespace {}", missing, namespace);
      }
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException(
          "Search attributes " + IncidentSearchAttributes.ALL.stream().map(SearchAttributeKey::getName).toList()
              + " are not registered in namespace " + namespace + " and could not be added (" + e.getStatus()
              + "). Register them once: for each name run `temporal operator search-attribute create --namespace "
              + namespace + " --name <name> --type Keyword` (see deploy/README.md).",
          e);
    }
  }
}
