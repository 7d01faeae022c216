package dev.remediator.config.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remediator.config.ConfigException;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.incident.ActionMode;
import dev.remediator.runbook.dbpool.PoolPolicy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  static final String TARGET =
      """
        - service: auth-service
          namespace: prod
          database: authdb
          postgres:
            url: jdbc:postgresql://db:5432/authdb
            user: remediator
      """;

  @Test
  void aTargetWithoutADatabaseIsOneForTheServiceDownRunbook() {
    RemediatorConfig c = ConfigLoader.parse(
        """
        targets:
          - service: web
            namespace: prod
            kubernetes: {deployment: web}
            endpoints: {health: "http://web/health"}
        """, "test");

    TargetConfig t = c.targets().get(0);
    assertThat(t.database()).isNull();
    assertThat(t.target().id()).isEqualTo("prod/web");
    assertThat(dev.remediator.runbook.servicedown.ServiceDownRunbook.DEFINITION.incidentId(t.target()))
        .isEqualTo("servicedown:prod:web");
    assertThat(c.target("prod/web")).contains(t);
    assertThat(c.targetForLabels(java.util.Map.of("namespace", "prod", "service", "web"))).isEmpty();
  }

  @Test
  void targetPolicyIsMergedOverFileDefaultsOverRunbookDefaults() {
    RemediatorConfig c =
        ConfigLoader.parse(
            """
            defaults:
              approvers: [alice]
              approvalTimeout: 5m
            targets:
            """
                + TARGET
                + "    policy:\n"
                + "      terminateSessions: dry_run\n"
                + "      idleInTransactionTerminateAfter: 2h\n",
            "test");

    var policy = c.targets().get(0).policy();
    assertThat(policy.approvers()).containsExactly("alice");
    assertThat(policy.approvalTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(PoolPolicy.of(policy).terminateSessions()).isEqualTo(ActionMode.DRY_RUN);
    assertThat(PoolPolicy.of(policy).idleInTransactionTerminateAfter()).isEqualTo(Duration.ofHours(2));
    assertThat(policy.warningUtilization()).isEqualTo(0.70); // the runbook's
    assertThat(c.taskQueueOrDefault()).isEqualTo("remediator");
  }

  @Test
  void targetsAreFoundOnlyByAllThreeLabels() {
    RemediatorConfig c = ConfigLoader.parse("targets:\n" + TARGET, "test");

    assertThat(c.targetForLabels(Map.of("namespace", "prod", "service", "auth-service", "database", "authdb")))
        .isPresent();
    assertThat(c.targetForLabels(Map.of("namespace", "prod", "service", "auth-service"))).isEmpty();
    assertThat(c.targetForLabels(Map.of("namespace", "staging", "service", "auth-service", "database", "authdb")))
        .isEmpty();
  }

  @Test
  void typosAndBadValuesAreErrorsNamingTheProblem() {
    assertThatThrownBy(() -> ConfigLoader.parse("targets:\n" + TARGET + "    policy: {aprovers: [x]}\n", "f.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("f.yaml")
        .hasMessageContaining("aprovers");
    assertThatThrownBy(() -> ConfigLoader.parse("targets:\n" + TARGET + "    policy: {approvalTimeout: soon}\n", "f"))
        .hasMessageContaining("not a duration: 'soon'");
    assertThatThrownBy(() -> ConfigLoader.parse("targets:\n" + TARGET + "    extra: 1\n", "f"))
        .hasMessageContaining("extra");
    assertThatThrownBy(() -> ConfigLoader.parse("targets: []\n", "f")).hasMessageContaining("no targets");
    assertThatThrownBy(() -> ConfigLoader.parse("targets:\n" + TARGET + TARGET, "f"))
        .hasMessageContaining("configured twice");
  }
}
