package dev.remediator.incident;

import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.Objects;

/**
 * What the Temporal UI and {@code remediator incidents} show of an incident: typed search attributes (service,
 * namespace, database, severity, phase, alert) and the current details (phase, severity, pending plan, and the
 * exact JSON to paste in the UI's signal dialog). A workflow thread of its own upserts them whenever a value changed,
 * never a signal handler; runs recorded before that upserted on every phase entry and repeat ({@code legacy}).
 */
final class IncidentMetadata {
  private final IncidentState state;
  private final Target target;
  private final boolean legacy;
  private final java.util.function.Supplier<String> measurement;
  private List<String> published;

  IncidentMetadata(IncidentState state, Target target, boolean legacy, java.util.function.Supplier<String> measurement) {
    this.state = state;
    this.target = target;
    this.legacy = legacy;
    this.measurement = measurement;
  }

  /** New runs: a thread that publishes every change until the incident closes. */
  void start() {
    if (!legacy) {
      Async.procedure(() -> {
        while (true) {
          publish();
          if (state.phase == IncidentPhase.CLOSED) {
            return;
          }
          Workflow.await(() -> !values().equals(published) || state.phase == IncidentPhase.CLOSED);
        }
      });
    }
  }

  /** A phase was entered (legacy runs upsert here, in line; new runs' thread notices the change). */
  void phaseEntered() {
    if (legacy) {
      publish();
    } else {
      Workflow.setCurrentDetails(Reports.currentDetails(target, state, measurement.get()));
    }
  }

  /** Runs recorded before the alert model upserted on each new firing notification: their histories keep replaying. */
  void alertReceived(Alert previous, Alert alert) {
    if (alert.firing() && !sameNotification(previous, alert)) {
      publish();
    }
  }

  private static boolean sameNotification(Alert a, Alert b) {
    return a != null
        && Objects.equals(a.alertName(), b.alertName())
        && Objects.equals(a.status(), b.status())
        && Objects.equals(a.severity(), b.severity());
  }

  /** Publishes the search attributes if they changed (always, for a legacy run) and the current details. */
  void publish() {
    List<String> now = values();
    if (legacy || !now.equals(published)) {
      published = now;
      List<io.temporal.common.SearchAttributeUpdate<?>> updates = new java.util.ArrayList<>(List.of(
          IncidentSearchAttributes.SERVICE.valueSet(target.service()),
          IncidentSearchAttributes.NAMESPACE.valueSet(target.namespace()),
          IncidentSearchAttributes.DATABASE.valueSet(IncidentSearchAttributes.database(target)),
          IncidentSearchAttributes.SEVERITY.valueSet(now.get(0)),
          IncidentSearchAttributes.PHASE.valueSet(now.get(1)),
          IncidentSearchAttributes.ALERT_NAME.valueSet(now.get(2))));
      if (!legacy) {
        updates.add(pendingPlan(now.get(3)));
      }
      Workflow.upsertTypedSearchAttributes(updates.toArray(io.temporal.common.SearchAttributeUpdate<?>[]::new));
    }
    Workflow.setCurrentDetails(Reports.currentDetails(target, state, measurement.get()));
  }

  /**
   * The pending plan, unset when there is none (not ""), so {@code RemediatorPendingPlan IS NOT NULL} lists exactly
   * the incidents awaiting approval, never a closed one. The same one upsert per change as before: only its value.
   */
  private static io.temporal.common.SearchAttributeUpdate<String> pendingPlan(String planId) {
    return planId.isEmpty()
        ? IncidentSearchAttributes.PENDING_PLAN.valueUnset()
        : IncidentSearchAttributes.PENDING_PLAN.valueSet(planId);
  }

  private List<String> values() {
    String pending = state.phase == IncidentPhase.AWAITING_APPROVAL && state.plan != null ? state.plan.planId() : "";
    return List.of(Objects.requireNonNullElse(label(state.severity), ""), state.phase.name(),
        Objects.requireNonNullElse(state.alertName, ""), pending);
  }

  private static String label(Severity s) {
    return s == null ? null : s.label();
  }
}
