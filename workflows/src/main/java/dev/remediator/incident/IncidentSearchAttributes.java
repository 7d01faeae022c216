package dev.remediator.incident;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Typed search attributes of incidents (all Keyword), so incidents can be listed and filtered in the Temporal UI and
 * by {@code remediator incidents}: e.g. {@code RemediatorService = "auth-service" AND ExecutionStatus = "Running"}.
 * A cluster must have them registered ({@code temporal operator search-attribute create}); the embedded server gets
 * them from the worker in dev mode.
 */
public final class IncidentSearchAttributes {
  public static final SearchAttributeKey<String> SERVICE = SearchAttributeKey.forKeyword("RemediatorService");
  public static final SearchAttributeKey<String> NAMESPACE = SearchAttributeKey.forKeyword("RemediatorNamespace");
  public static final SearchAttributeKey<String> DATABASE = SearchAttributeKey.forKeyword("RemediatorDatabase");
  public static final SearchAttributeKey<String> SEVERITY = SearchAttributeKey.forKeyword("RemediatorSeverity");
  public static final SearchAttributeKey<String> PHASE = SearchAttributeKey.forKeyword("RemediatorPhase");
  public static final SearchAttributeKey<String> ALERT_NAME = SearchAttributeKey.forKeyword("RemediatorAlertName");
  /**
   * The plan awaiting approval, unset when none (runs recorded before that set ""): {@code remediator incidents}
   * lists it without a query per incident, and {@code RemediatorPendingPlan IS NOT NULL} finds what awaits approval.
   */
  public static final SearchAttributeKey<String> PENDING_PLAN = SearchAttributeKey.forKeyword("RemediatorPendingPlan");

  public static final List<SearchAttributeKey<String>> ALL =
      List.of(SERVICE, NAMESPACE, DATABASE, SEVERITY, PHASE, ALERT_NAME, PENDING_PLAN);

  private IncidentSearchAttributes() {}
}
