package dev.remediator.incident;

import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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

  /**
   * What a new incident's start sets, so it is listed before its first workflow task runs: the target, the opening
   * alert's severity and name, phase {@link IncidentPhase#OPENED}, no pending plan. The same values as the workflow's
   * first upsert ({@code IncidentMetadata}) but the phase, which that upsert then replaces.
   */
  public static SearchAttributes atStart(Target target, Alert opening, Set<String> criticalAlerts) {
    return SearchAttributes.newBuilder()
        .set(SERVICE, target.service())
        .set(NAMESPACE, target.namespace())
        .set(DATABASE, database(target))
        .set(SEVERITY, Severity.of(opening, criticalAlerts).label())
        .set(PHASE, IncidentPhase.OPENED.name())
        .set(ALERT_NAME, Objects.requireNonNullElse(opening.alertName(), ""))
        .build();
  }

  /** The database attribute: "" for a target without one (a runbook that needs none), as the workflow sets it. */
  static String database(Target target) {
    return Objects.requireNonNullElse(target.database(), "");
  }

  private IncidentSearchAttributes() {}
}
