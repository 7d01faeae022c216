package dev.remediator.runbook.dbperf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remediator.config.ConfigException;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.ActionMode;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.registry.Runbooks;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The runbook's policy section through the configuration loader: defaulted, merged, checked, carried in the input. */
class PerformancePolicyTest {
  static final String TARGET = """
      targets:
        - service: orders-service
          namespace: shop
          database: orders
          postgres: {url: "jdbc:postgresql://db:5432/orders", user: remediator, applicationRoles: [orders]}
      """;

  @Test
  void defaultsAreTheSections() {
    assertThat(PerformancePolicy.of(ConfigLoader.parsePolicy(""))).isEqualTo(PerformancePolicy.SECTION.defaults());
    assertThat(Runbooks.policyDefaults()).containsKey(DbPerfRunbook.NAME);
    assertThat(PerformancePolicy.of(Runbooks.defaultPolicy())).isEqualTo(PerformancePolicy.SECTION.defaults());
  }

  @Test
  void sectionInDefaultsAndTargetPolicyMergesKeyByKey() {
    var config = ConfigLoader.parse("""
        defaults:
          runbooks:
            dbperf: {cancelGrace: 30s, maxBlockersPerAction: 2}
        """ + TARGET + """
            policy:
              runbooks:
                dbperf: {terminateBlockers: 'off', analyzeTables: auto}
        """, "cfg.yaml");
    PerformancePolicy p = PerformancePolicy.of(config.targets().get(0).policy());
    assertThat(p.cancelGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.maxBlockersPerAction()).isEqualTo(2);
    assertThat(p.terminateBlockers()).isEqualTo(ActionMode.OFF);
    assertThat(p.analyzeTables()).isEqualTo(ActionMode.AUTO);
    assertThat(p.cancelBlockers()).isEqualTo(ActionMode.APPROVE);
    assertThat(p.recoveredSamples()).isEqualTo(3);
  }

  @Test
  void badKeysAndValuesAreClearErrors() {
    assertThatThrownBy(() -> ConfigLoader.parse(TARGET + """
            policy:
              runbooks:
                dbperf: {cancelBlocker: auto}
        """, "cfg.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("targets[0].policy.runbooks.dbperf.cancelBlocker: unknown key 'cancelBlocker'");
    assertThatThrownBy(() -> ConfigLoader.parsePolicy("runbooks:\n  dbperf:\n    maxBlockersPerAction: 0\n"))
        .hasMessageContaining("runbooks.dbperf.maxBlockersPerAction: must be at least 1");
  }

  @Test
  void theWorkflowInputCarriesTheSection() {
    RunbookPolicy policy = ConfigLoader.parsePolicy("runbooks: {dbperf: {cancelGrace: 45s}}");
    var converter = DefaultDataConverter.STANDARD_INSTANCE;
    RunbookPolicy back = converter.fromPayload(converter.toPayload(policy).orElseThrow(), RunbookPolicy.class,
        RunbookPolicy.class);
    assertThat(PerformancePolicy.of(back).cancelGrace()).isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void aSectionRecordedBeforeTheSimilarScanKeysReadsTheirDefaultsAndBadOnesAreErrors() {
    var section = (com.fasterxml.jackson.databind.node.ObjectNode) PerformancePolicy.SECTION.defaultsPayload();
    section.remove("similarScanBudget");
    section.remove("similarScanConcurrency");
    RunbookPolicy recorded = RunbookPolicy.runbookDefaults(java.util.Map.of(DbPerfRunbook.NAME, section));
    PerformancePolicy p = PerformancePolicy.of(recorded);
    assertThat(p.similarScanBudget()).isEqualTo(Duration.ofSeconds(20));
    assertThat(p.similarScanConcurrency()).isEqualTo(4);
    assertThat(PerformancePolicy.of(ConfigLoader.parsePolicy("runbooks: {dbperf: {similarScanBudget: 5s}}"))
        .similarScanBudget()).isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> ConfigLoader.parsePolicy("runbooks: {dbperf: {similarScanConcurrency: 0}}"))
        .hasMessageContaining("runbooks.dbperf.similarScanConcurrency: must be at least 1");
  }
}
