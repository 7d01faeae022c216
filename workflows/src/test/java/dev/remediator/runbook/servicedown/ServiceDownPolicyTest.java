package dev.remediator.runbook.servicedown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.remediator.config.ConfigException;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ActionMode;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.registry.Runbooks;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The runbook's own policy section: configured, aliased, defaulted, checked, carried in the input and read back. */
class ServiceDownPolicyTest {
  static final String TARGET = """
      targets:
        - service: auth-service
          namespace: prod
          database: authdb
          postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator}
      """;

  @Test
  void defaultsAreTheRunbooksOwn() {
    assertThat(ServiceDownPolicy.of(ConfigLoader.parsePolicy("")))
        .isEqualTo(new ServiceDownPolicy(ActionMode.APPROVE, Duration.ofHours(2)));
  }

  @Test
  void sectionInDefaultsAndTargetPolicyMergesKeyByKey() {
    var config = ConfigLoader.parse("""
        defaults:
          runbooks:
            servicedown: {badRolloutAge: 30m}
        """ + TARGET + """
            policy:
              runbooks:
                servicedown: {rollback: auto}
        """, "cfg.yaml");
    assertThat(ServiceDownPolicy.of(config.targets().get(0).policy()))
        .isEqualTo(new ServiceDownPolicy(ActionMode.AUTO, Duration.ofMinutes(30)));
  }

  @Test
  void keysDirectlyUnderPolicyStillCount() {
    var config = ConfigLoader.parse("defaults:\n  rollback: dry_run\n  badRolloutAge: 15m\n" + TARGET, "cfg.yaml");
    assertThat(ServiceDownPolicy.of(config.targets().get(0).policy()))
        .isEqualTo(new ServiceDownPolicy(ActionMode.DRY_RUN, Duration.ofMinutes(15)));
  }

  @Test
  void problemsNameWhereTheKeyWasWritten() {
    assertThatThrownBy(() -> ConfigLoader.parse(TARGET + """
            policy:
              runbooks:
                servicedown: {rolback: auto}
        """, "cfg.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("targets[0].policy.runbooks.servicedown.rolback: unknown key 'rolback'; did you mean"
            + " 'rollback'?");
    assertThatThrownBy(() -> ConfigLoader.parse("defaults:\n  runbooks:\n    servicedown:\n      badRolloutAge: 0s\n"
        + TARGET, "cfg.yaml"))
        .hasMessageContaining("cfg.yaml:4:7: defaults.runbooks.servicedown.badRolloutAge: must be a positive duration");
    assertThatThrownBy(() -> ConfigLoader.parsePolicy("runbooks:\n  servicedown:\n    rollback: sometimes\n"))
        .hasMessageContaining("runbooks.servicedown.rollback: not an action mode: 'sometimes'");
  }

  @Test
  void theWorkflowInputCarriesTheSection() {
    RunbookPolicy policy = ConfigLoader.parsePolicy("rollback: auto\nbadRolloutAge: 45m");
    var converter = DefaultDataConverter.STANDARD_INSTANCE;
    RunbookPolicy carried = converter.fromPayload(
        converter.toPayload(policy).orElseThrow(), RunbookPolicy.class, RunbookPolicy.class);
    assertThat(ServiceDownPolicy.of(carried)).isEqualTo(new ServiceDownPolicy(ActionMode.AUTO, Duration.ofMinutes(45)));
  }

  @Test
  void inputsRecordedBeforeTheSectionKeepTheirKeys() throws Exception {
    ObjectNode before = recordedBeforeTheSection();
    before.put("rollback", "AUTO").put("badRolloutAge", 900.0);
    RunbookPolicy old = fromJson(before.toString());
    assertThat(ServiceDownPolicy.of(old)).isEqualTo(new ServiceDownPolicy(ActionMode.AUTO, Duration.ofMinutes(15)));
    assertThat(fromJson(converterJson(old))).isEqualTo(old); // kept through continue-as-new
    // Before the rollback had a mode of its own, the restart's stood for it.
    ObjectNode older = recordedBeforeTheSection().put("rollingRestart", "DRY_RUN");
    assertThat(ServiceDownPolicy.of(fromJson(older.toString())))
        .isEqualTo(new ServiceDownPolicy(ActionMode.DRY_RUN, Duration.ofHours(2)));
  }

  /** A policy as inputs recorded before runbook sections carried it. */
  private static ObjectNode recordedBeforeTheSection() throws Exception {
    ObjectNode json = (ObjectNode) new ObjectMapper().readTree(converterJson(Runbooks.defaultPolicy()));
    json.remove("runbooks");
    return json;
  }

  private static String converterJson(RunbookPolicy p) {
    return DefaultDataConverter.STANDARD_INSTANCE.toPayload(p).orElseThrow().getData().toStringUtf8();
  }

  private static RunbookPolicy fromJson(String json) {
    var payload = DefaultDataConverter.STANDARD_INSTANCE.toPayload("x").orElseThrow().toBuilder()
        .setData(com.google.protobuf.ByteString.copyFromUtf8(json)).build();
    return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, RunbookPolicy.class, RunbookPolicy.class);
  }
}
