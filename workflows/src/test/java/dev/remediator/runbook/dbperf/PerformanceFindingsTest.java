package dev.remediator.runbook.dbperf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.incident.ActionMode;
import dev.remediator.incident.ActionType;
import dev.remediator.incident.IncidentState;
import dev.remediator.incident.Plan;
import dev.remediator.incident.PlannedAction;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The runbook's findings and plans travel through Temporal's data converter (continue-as-new carries the state,
 * queries and histories the plans) under their logical names, and read back as the runbook's own types.
 */
class PerformanceFindingsTest {
  static final io.temporal.common.converter.DataConverter CONVERTER = DefaultDataConverter.STANDARD_INSTANCE;

  @Test
  void findingsReadBackWithTheirDiagnosisAndTheTransactionsActedOn() {
    DbPerfWorld world = DbPerfWorld.lockContention(3, true);
    IncidentState state = new IncidentState();
    PerformanceFindings f = new PerformanceFindings();
    f.firstSnapshot = world.diagnose(null, null);
    f.lastSnapshot = f.firstSnapshot;
    f.diagnosis = PerformanceDiagnosis.of(f.firstSnapshot, PerformancePolicy.SECTION.defaults());
    f.cancelled.add(world.blocker);
    f.analyzed.add("public.orders");
    f.cancelDidNotClear = true;
    state.findings = f;

    String json = CONVERTER.toPayload(state).orElseThrow().getData().toStringUtf8();
    assertThat(json).contains("\"@class\":\"dbperf\"");
    IncidentState back = CONVERTER.fromPayload(CONVERTER.toPayload(state).orElseThrow(), IncidentState.class,
        IncidentState.class);

    PerformanceFindings read = (PerformanceFindings) back.findings;
    assertThat(read.diagnosis).isEqualTo(f.diagnosis);
    assertThat(read.cause()).isEqualTo(PerformanceCause.LOCK_CONTENTION);
    assertThat(read.wasCancelled(world.blocker)).isTrue();
    assertThat(read.firstSnapshot).isEqualTo(f.firstSnapshot);
    assertThat(read.analyzed).containsExactly("public.orders");
    assertThat(read.cancelDidNotClear).isTrue();
  }

  @Test
  void plansReadBackWithTheirExactTargets() {
    BackendSession blocker = DbPerfWorld.lockContention(1, false).blocker;
    Plan plan = new Plan("plan-1", "2026-12-01T10:00:00Z", List.of(
        new PlannedAction(ActionType.TERMINATE_BLOCKERS, ActionMode.APPROVE, "why",
            new BlockersTarget(BlockersTarget.Signal.TERMINATE, List.of(blocker))),
        new PlannedAction(ActionType.ANALYZE_TABLES, ActionMode.AUTO, "stale",
            new TablesTarget(List.of("public.orders")))));

    Plan back = CONVERTER.fromPayload(CONVERTER.toPayload(plan).orElseThrow(), Plan.class, Plan.class);

    assertThat(back).isEqualTo(plan);
    assertThat(back.actions().get(0).describe()).isEqualTo("terminate 1 blocking session(s): pid 4242"
        + " (app/orders-service, active, transaction 120 s)");
    assertThat(back.actions().get(1).describe()).isEqualTo("ANALYZE public.orders");
  }
}
