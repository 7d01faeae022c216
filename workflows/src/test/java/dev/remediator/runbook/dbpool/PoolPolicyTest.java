package dev.remediator.runbook.dbpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remediator.config.ConfigException;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ActionMode;
import dev.remediator.incident.IncidentInput;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.registry.Runbooks;
import io.temporal.api.enums.v1.EventType;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The pool runbook's own policy section ({@code policy.runbooks.dbpool}): configured with its keys directly under
 * {@code policy} as before, checked with the same errors, carried in the input and read back — also from inputs
 * (of the workflow and of its activities) recorded when the keys sat at the top of {@link RunbookPolicy}.
 */
class PoolPolicyTest {
  private static final DataConverter CONVERTER = DefaultDataConverter.STANDARD_INSTANCE;
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String TARGET = """
      targets:
        - service: auth-service
          namespace: prod
          database: authdb
          postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator}
      """;

  static final PoolPolicy DEFAULTS = new PoolPolicy(Duration.ofSeconds(30), Duration.ofMinutes(10),
      Duration.ofMinutes(1), 50, ActionMode.APPROVE, true, ActionMode.APPROVE, 1.5, Duration.ofHours(2));

  @Test
  void defaultsAreTheRunbooksNumbersAsBefore() {
    assertThat(PoolPolicy.of(ConfigLoader.parsePolicy(""))).isEqualTo(DEFAULTS);
    assertThat(PoolPolicy.of(Runbooks.defaultPolicy())).isEqualTo(DEFAULTS);
    assertThat(Runbooks.defaultPolicy().runbooks()).containsKey(DbPoolRunbook.NAME);
    assertThat(DEFAULTS.plansLeaksAtWarning()).isTrue();
  }

  @Test
  void keysDirectlyUnderPolicyInDefaultsAndTargetMergeKeyByKey() {
    var config = ConfigLoader.parse("""
        defaults:
          maxSessionsPerTermination: 5
          poolIncrease: off
          idleInTransactionTerminateAfter: 2h
        """ + TARGET + """
            policy:
              terminateSessions: dry_run
              terminateLeaksAtWarning: false
              poolIncreaseFactor: 1.2
              idleInTransactionTerminateAfter: 20m
        """, "cfg.yaml");
    RunbookPolicy policy = config.targets().get(0).policy();
    assertThat(PoolPolicy.of(policy)).isEqualTo(new PoolPolicy(Duration.ofSeconds(30), Duration.ofMinutes(20),
        Duration.ofMinutes(1), 5, ActionMode.DRY_RUN, false, ActionMode.OFF, 1.2, Duration.ofHours(2)));
    assertThat(PoolPolicy.of(policy).plansLeaksAtWarning()).isFalse();
    assertThat(policy.earlier()).isEmpty(); // configuration sets the section, never the keys of old inputs
  }

  @Test
  void theSectionItselfCanBeWrittenToo() {
    var config = ConfigLoader.parse(TARGET + """
            policy:
              longRunningQueryAfter: 5m
              runbooks:
                dbpool: {poolIncreaseRevertAfter: 30m, longRunningQueryAfter: 2m}
        """, "cfg.yaml");
    PoolPolicy own = PoolPolicy.of(config.targets().get(0).policy());
    assertThat(own.poolIncreaseRevertAfter()).isEqualTo(Duration.ofMinutes(30));
    assertThat(own.longRunningQueryAfter()).isEqualTo(Duration.ofMinutes(2)); // the section's key wins
  }

  @Test
  void problemsNameTheKeyWhereItWasWritten() {
    assertThatThrownBy(() -> ConfigLoader.parse(TARGET + "    policy:\n      maxSessionsPerTermination: 0\n",
        "cfg.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("cfg.yaml:7:7: targets[0].policy.maxSessionsPerTermination: must be at least 1");
    assertThatThrownBy(() -> ConfigLoader.parse("defaults:\n  maxSessionsPerTermination: -1\n" + TARGET, "cfg.yaml"))
        .hasMessage("cfg.yaml:2:3: defaults.maxSessionsPerTermination: must be at least 1");
    assertThatThrownBy(() -> ConfigLoader.parse(TARGET + "    policy:\n      terminateSessions:\n", "cfg.yaml"))
        .hasMessage("cfg.yaml:7:7: targets[0].policy.terminateSessions: must be one of auto, approve, dry_run, off");
    assertThatThrownBy(() -> ConfigLoader.parse(TARGET + "    policy:\n      poolIncrease: sometimes\n",
        "cfg.yaml"))
        .hasMessage("cfg.yaml:7:7: targets[0].policy.poolIncrease: not an action mode: 'sometimes' (use auto,"
            + " approve, dry_run or off)");
    assertThatThrownBy(() -> ConfigLoader.parse(TARGET + "    policy:\n      terminateSesions: off\n", "cfg.yaml"))
        .hasMessageContaining("cfg.yaml:7:7: targets[0].policy.terminateSesions: unknown key 'terminateSesions';"
            + " did you mean 'terminateSessions'?");
  }

  @Test
  void theWorkflowInputCarriesTheSection() {
    RunbookPolicy policy = ConfigLoader.parsePolicy("maxSessionsPerTermination: 7\npoolIncrease: auto");
    RunbookPolicy carried = CONVERTER.fromPayload(
        CONVERTER.toPayload(policy).orElseThrow(), RunbookPolicy.class, RunbookPolicy.class);
    assertThat(PoolPolicy.of(carried).maxSessionsPerTermination()).isEqualTo(7);
    assertThat(PoolPolicy.of(carried).poolIncrease()).isEqualTo(ActionMode.AUTO);
  }

  /** Every recorded history's input had the keys at the top of the policy; they read as the values it recorded. */
  @Test
  void recordedInputsReadTheirPoolKeys() throws Exception {
    for (String name : new String[] {"approved-termination.json", "continued-earlier-state.json",
        "escalated-acknowledged.json", "pool-increase-reverted.json", "report-sampled-at-close.json",
        "servicedown-rolled-back.json"}) {
      RunbookPolicy policy = firstInput(name).policy();
      assertThat(policy.runbooks()).as(name).doesNotContainKey(DbPoolRunbook.NAME);
      assertThat(policy.earlier()).as(name).containsKeys("terminateSessions", "poolIncreaseFactor");
      ActionMode increase = name.equals("pool-increase-reverted.json") ? ActionMode.AUTO : ActionMode.APPROVE;
      assertThat(PoolPolicy.of(policy)).as(name).isEqualTo(new PoolPolicy(Duration.ofSeconds(30),
          Duration.ofMinutes(10), Duration.ofMinutes(1), 50, ActionMode.APPROVE, true, increase, 1.5,
          Duration.ofHours(2)));
      // Continue-as-new hands the policy on as it came: the next run reads the same.
      RunbookPolicy next = CONVERTER.fromPayload(
          CONVERTER.toPayload(policy).orElseThrow(), RunbookPolicy.class, RunbookPolicy.class);
      assertThat(PoolPolicy.of(next)).as(name).isEqualTo(PoolPolicy.of(policy));
    }
  }

  @Test
  void anOldInputsOtherValuesAreReadNotTheDefaults() throws Exception {
    ObjectNode old = (ObjectNode) JSON.readTree(
        CONVERTER.toPayload(firstInput("continued-earlier-state.json").policy()).orElseThrow().getData()
            .toStringUtf8());
    old.put("maxSessionsPerTermination", 3).put("terminateSessions", "OFF").put("idleInTransactionReportAfter", 0.5)
        .put("poolIncreaseFactor", 2.0).put("poolIncreaseRevertAfter", 600.0).putNull("terminateLeaksAtWarning");
    RunbookPolicy policy = CONVERTER.fromPayload(payload(old.toString()), RunbookPolicy.class, RunbookPolicy.class);
    PoolPolicy own = PoolPolicy.of(policy);
    assertThat(own).isEqualTo(new PoolPolicy(Duration.ofMillis(500), Duration.ofMinutes(10), Duration.ofMinutes(1),
        3, ActionMode.OFF, true, ActionMode.APPROVE, 2.0, Duration.ofMinutes(10)));
    assertThat(own.plansLeaksAtWarning()).isFalse(); // terminateSessions off
  }

  private static IncidentInput firstInput(String history) throws Exception {
    String json;
    try (InputStream in = PoolPolicyTest.class.getResourceAsStream("/histories/" + history)) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    var started = WorkflowExecutionHistory.fromJson(json).getEvents().get(0);
    assertThat(started.getEventType()).isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    var input = started.getWorkflowExecutionStartedEventAttributes().getInput().getPayloads(0);
    return CONVERTER.fromPayload(input, IncidentInput.class, IncidentInput.class);
  }

  private static io.temporal.api.common.v1.Payload payload(String json) {
    return io.temporal.api.common.v1.Payload.newBuilder()
        .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
        .setData(com.google.protobuf.ByteString.copyFromUtf8(json)).build();
  }
}
