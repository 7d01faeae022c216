package dev.remediator.runbook.dbpool;

import dev.remediator.registry.RunbookWorkflows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.IncidentReport;
import dev.remediator.incident.IncidentState;
import dev.remediator.incident.IncidentStatus;
import dev.remediator.incident.Plan;
import dev.remediator.incident.PlannedAction;
import dev.remediator.runbook.servicedown.ServiceDownFindings;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 23: the pool runbook's state left the shell's payloads, and payload polymorphism names logical types, not
 * Java classes. Payloads written before — a continued run's state with the pool fields at its top, findings named
 * by class, reports and status answers with the pool fields at their top — still read, and a history recorded by
 * the code before the move ({@code histories/continued-earlier-state.json}) still replays.
 */
class EarlierPayloadsTest {
  private static final DataConverter CONVERTER = DefaultDataConverter.STANDARD_INSTANCE;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static WorkflowExecutionHistory history(String name) throws IOException {
    try (InputStream in = EarlierPayloadsTest.class.getResourceAsStream("/histories/" + name)) {
      return WorkflowExecutionHistory.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static <T> T read(String json, Class<T> type) {
    var payload = io.temporal.api.common.v1.Payload.newBuilder()
        .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
        .setData(com.google.protobuf.ByteString.copyFromUtf8(json)).build();
    return CONVERTER.fromPayload(payload, type, type);
  }

  private static JsonNode written(Object value) throws IOException {
    return JSON.readTree(CONVERTER.toPayload(value).orElseThrow().getData().toStringUtf8());
  }

  @Test
  void aContinuedRunRecordedBeforeTheMoveReplays() throws Exception {
    RunbookWorkflows.replay(history("continued-earlier-state.json"));
  }

  @Test
  void itsCarriedStateMovesIntoThePoolFindings() throws Exception {
    WorkflowExecutionHistory h = history("continued-earlier-state.json");
    Payloads input = h.getEvents().get(0).getWorkflowExecutionStartedEventAttributes().getInput();
    IncidentInput start = CONVERTER.fromPayloads(0, Optional.of(input), IncidentInput.class, IncidentInput.class);
    IncidentState carried = start.carried();
    assertThat(carried).as("the history is a continued run").isNotNull();
    assertThat(carried.findings).as("recorded before the pool runbook had findings").isNull();
    assertThat(carried.earlier()).containsKeys("firstSnapshot", "lastSnapshot", "sampledPeak", "samples", "pool");

    PoolFindings findings = PoolFindings.of(carried);

    assertThat(findings.sampledPeak).isEqualTo(27 / 37.0);
    assertThat(findings.samples).hasSize(13).anyMatch(s -> s.utilization() == 27 / 37.0);
    assertThat(findings.firstSnapshot.totalConnections()).isEqualTo(27);
    assertThat(findings.pool).isNotNull();
    assertThat(findings.kubernetesAvailable).isTrue();
    assertThat(findings.diagnosis.cause()).isEqualTo(RootCause.LOAD);
    assertThat(carried.findings).isSameAs(findings);
    assertThat(carried.earlier()).as("moved, not kept twice").isEmpty();

    JsonNode again = written(carried);
    assertThat(again.path("findings").path("@class").asText()).isEqualTo("dbpool");
    assertThat(again.has("sampledPeak")).isFalse();
    assertThat(read(again.toString(), IncidentState.class).findings).isInstanceOf(PoolFindings.class);
  }

  @Test
  void findingsNamedByTheirJavaClassStillRead() throws Exception {
    IncidentState state = read("{\"findings\":{\"@class\":\"dev.remediator.runbook.servicedown.ServiceDownFindings\","
        + "\"rollbacks\":1,\"badRevision\":7}}", IncidentState.class);
    assertThat(state.findings).isInstanceOf(ServiceDownFindings.class);
    assertThat(((ServiceDownFindings) state.findings).badRevision).isEqualTo(7);

    assertThat(written(state).path("findings").path("@class").asText()).isEqualTo("servicedown");
  }

  @Test
  void anUnknownFindingsNameIsAClearError() {
    assertThatThrownBy(() -> read("{\"findings\":{\"@class\":\"nosuchrunbook\"}}", IncidentState.class))
        .hasStackTraceContaining("no runbook registered a payload type named 'nosuchrunbook'");
  }

  @Test
  void aReportWrittenBeforeTheMoveStillReads() throws Exception {
    WorkflowExecutionHistory h = history("report-sampled-at-close.json");
    Payloads result = h.getEvents().stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED).findFirst().orElseThrow()
        .getWorkflowExecutionCompletedEventAttributes().getResult();
    IncidentReport report = CONVERTER.fromPayloads(0, Optional.of(result), IncidentReport.class,
        IncidentReport.class);

    PoolReportSection pool = PoolReportSection.of(report);
    assertThat(pool.sessionsFound()).isEqualTo(25);
    assertThat(pool.sessionsTerminated()).isEqualTo(25);
    assertThat(pool.utilizationBefore()).isGreaterThan(0.9);
    assertThat(report.samples()).isNotEmpty().allMatch(s -> s.value() > 0);
    assertThat(report.diagnosis().cause()).isEqualTo("LEAK");
    assertThat(report.runbook()).isNull();
  }

  @Test
  void aReportWrittenNowCarriesThePoolSectionByName() throws Exception {
    IncidentReport report = read("{\"incidentId\":\"x\",\"runbook\":{\"@type\":\"dbpool-report\","
        + "\"utilizationBefore\":0.9,\"utilizationAfter\":0.2,\"sessionsFound\":3,\"sessionsTerminated\":2}}",
        IncidentReport.class);
    assertThat(report.runbook()).isEqualTo(new PoolReportSection(0.9, 0.2, 3, 2));
    assertThat(written(report).path("runbook").path("@type").asText()).isEqualTo("dbpool-report");
    assertThat(written(report).has("sessionsFound")).isFalse();
  }

  @Test
  void aStatusOfAWorkerBeforeTheMoveStillReads() {
    IncidentStatus status = read("{\"incidentId\":\"x\",\"lastSnapshot\":{\"totalConnections\":30},"
        + "\"diagnosis\":{\"cause\":\"LEAK\",\"evidence\":[\"25 idle\"]},"
        + "\"poolRevertTo\":{\"replicas\":2,\"values\":[{\"name\":\"DATABASE_POOL_SIZE\",\"value\":\"5\"}]},"
        + "\"poolRevertAt\":\"2026-11-26T19:00:00Z\",\"poolRevertFinal\":true}", IncidentStatus.class);

    PoolStatusSection pool = PoolStatusSection.of(status);
    assertThat(pool.lastSnapshot().totalConnections()).isEqualTo(30);
    assertThat(pool.poolRevertTo().values()).extracting(PoolSettings.EnvValue::value).containsExactly("5");
    assertThat(pool.poolRevertAt()).isEqualTo("2026-11-26T19:00:00Z");
    assertThat(pool.poolRevertFinal()).isTrue();
    assertThat(status.diagnosis().cause()).isEqualTo("LEAK");
    assertThat(status.diagnosis().evidence()).containsExactly("25 idle");
  }

  /** A plan as every worker so far wrote it (in state, status answers, approvers' views): flat target fields. */
  private static final String EARLIER_PLAN = "{\"planId\":\"p-1\",\"createdAt\":\"2026-11-26T19:10:00Z\",\"actions\":["
      + "{\"type\":\"TERMINATE_SESSIONS\",\"mode\":\"APPROVE\",\"reason\":\"25 leaked\",\"sessions\":[{\"pid\":4242,"
      + "\"usename\":\"auth\",\"backendStart\":\"2026-11-26T18:00:00Z\",\"xactStart\":\"2026-11-26T18:01:00Z\","
      + "\"stateSeconds\":840.0,\"application\":true,\"terminable\":true}],\"poolValues\":[]},"
      + "{\"type\":\"ROLLING_RESTART\",\"mode\":\"APPROVE\",\"reason\":\"restart 1 of 2\",\"sessions\":[],"
      + "\"poolValues\":[]},"
      + "{\"type\":\"POOL_INCREASE\",\"mode\":\"APPROVE\",\"reason\":\"load\",\"sessions\":[],"
      + "\"poolValues\":[{\"name\":\"DATABASE_POOL_SIZE\",\"value\":\"15\"}]}]}";

  @Test
  void aPlanWrittenBeforeTheTargetsMovedReadsAsThePoolTargets() {
    IncidentStatus status = read("{\"incidentId\":\"x\",\"plan\":" + EARLIER_PLAN + "}", IncidentStatus.class);
    List<PlannedAction> actions = status.plan().actions();

    TerminationTarget sessions = actions.get(0).target(TerminationTarget.class);
    assertThat(sessions.sessions()).extracting(SessionInfo::pid).containsExactly(4242);
    assertThat(sessions.sessions().get(0).xactStart()).isEqualTo("2026-11-26T18:01:00Z");
    assertThat(actions.get(0).describe()).isEqualTo("terminate 1 session(s) idle in transaction");
    assertThat(actions.get(1).target()).isNull();
    assertThat(actions.get(1).describe()).isEqualTo("rolling restart of the deployment");
    assertThat(actions.get(2).target(PoolIncreaseTarget.class).poolValues())
        .containsExactly(new PoolSettings.EnvValue("DATABASE_POOL_SIZE", "15"));
    assertThat(actions.get(2).describe()).isEqualTo("temporary pool increase to DATABASE_POOL_SIZE=15");
  }

  /** Written now, a plan keeps the field names recorded plans carry: no class name, no new nesting. */
  @Test
  void aPlanWrittenNowKeepsTheFieldNames() throws Exception {
    Plan plan = read(EARLIER_PLAN, Plan.class);
    JsonNode json = written(plan);

    assertThat(json.path("actions").get(0).path("sessions").get(0).path("pid").asInt()).isEqualTo(4242);
    assertThat(json.path("actions").get(2).path("poolValues").get(0).path("value").asText()).isEqualTo("15");
    assertThat(json.toString()).doesNotContain("@type", "@class", "target", "TerminationTarget");
    assertThat(read(json.toString(), Plan.class)).isEqualTo(plan);
  }
}
