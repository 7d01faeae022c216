package dev.remediator.config.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remediator.config.ConfigException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of broken configuration files, as people break them: each error names the file, line and column, the key
 * path, what was expected and, for a misspelt key, the key that was meant. No Java class name ever reaches the
 * operator.
 */
class ConfigErrorsTest {
  /** Package-qualified names, Jackson's vocabulary, or "class". */
  static final Pattern JAVA =
      Pattern.compile("\\b[a-z]+\\.[a-z]+\\.[A-Za-z]|\\bclass\\b|Unrecognized field|ignorable|Cannot deserialize"
          + "|\\bjava\\b|jackson|remediator\\.config|\\$|`");

  static final String VALID =
      """
      taskQueue: remediator
      receiver:
        port: 8080
        tokenEnv: WEBHOOK_TOKEN
      notifications:
        channels:
          - name: database-pager
            type: pagerduty
            routingKeyEnv: PD_KEY
      defaults:
        approvalTimeout: 15m
        approvers: [alice]
        escalation:
          - name: database
            channels: [database-pager]
            ackTimeout: 15m
      targets:
        - service: auth-service
          namespace: prod
          database: authdb
          postgres:
            url: jdbc:postgresql://db:5432/authdb
            user: remediator
            passwordEnv: PGPASSWORD
          policy:
            maxRestarts: 1
      """;

  static Stream<Arguments> corpus() {
    return Stream.of(
        // misspelt keys, at every level
        bad("    database: authdb", "    databse: authdb",
            "cfg.yaml:20:5: targets[0].databse: unknown key 'databse'; did you mean 'database'?"),
        bad("  port: 8080", "  prot: 8080", "cfg.yaml:3:3: receiver.prot: unknown key 'prot'; did you mean 'port'?"),
        bad("targets:", "target:", "cfg.yaml:17:1: target: unknown key 'target'; did you mean 'targets'?"),
        bad("  approvalTimeout: 15m", "  approvalTimout: 15m",
            "cfg.yaml:11:3: defaults.approvalTimout: unknown key 'approvalTimout'; did you mean 'approvalTimeout'?"),
        bad("      maxRestarts: 1", "      maxRestart: 1",
            "cfg.yaml:26:7: targets[0].policy.maxRestart: unknown key 'maxRestart'; did you mean 'maxRestarts'?"),
        bad("      channels: [database-pager]", "      chanels: [database-pager]",
            "cfg.yaml:15:7: defaults.escalation[0].chanels: unknown key 'chanels'; did you mean 'channels'?"),
        bad("      passwordEnv: PGPASSWORD", "      pasword_env: PGPASSWORD",
            "cfg.yaml:24:7: targets[0].postgres.pasword_env: unknown key 'pasword_env'; did you mean 'passwordEnv'?"),
        bad("      routingKeyEnv: PD_KEY", "      routingkey: PD_KEY",
            "cfg.yaml:9:7: notifications.channels[0].routingkey: unknown key 'routingkey'; did you mean"),
        bad("  port: 8080", "  colour: blue", "cfg.yaml:3:3: receiver.colour: unknown key 'colour' (known here: "),
        // wrong kinds of values
        bad("  port: 8080", "  port: eighty", "cfg.yaml:3:3: receiver.port: expected a whole number, not 'eighty'"),
        bad("  approvalTimeout: 15m", "  approvalTimeout: soon",
            "cfg.yaml:11:3: defaults.approvalTimeout: not a duration: 'soon'"),
        bad("      maxRestarts: 1", "      terminateSessions: maybe",
            "cfg.yaml:26:7: targets[0].policy.terminateSessions: not an action mode: 'maybe'"),
        bad("      maxRestarts: 1", "      fourEyes: perhaps",
            "cfg.yaml:26:7: targets[0].policy.fourEyes: expected true or false"),
        bad("taskQueue: remediator", "taskQueue: [a, b]", "cfg.yaml:1:1: taskQueue: expected a text value"),
        bad("  approvers: [alice]", "  approvers: {alice: yes}", "cfg.yaml:12:3: defaults.approvers: expected a list"),
        bad("receiver:\n  port: 8080\n  tokenEnv: WEBHOOK_TOKEN", "receiver: [8080]",
            "cfg.yaml:2:1: receiver: expected a mapping of keys to values"),
        bad("  - service: auth-service", "  service: auth-service",
            "cfg.yaml:19:14: not valid YAML: mapping values are not allowed here"),
        bad("      maxRestarts: 1", "      maxRestarts: 1\n      verifySamples: 0",
            "cfg.yaml:27:7: targets[0].policy.verifySamples: must be at least 1"),
        bad("      maxRestarts: 1", "      rollback: sometimes",
            "cfg.yaml:26:7: targets[0].policy.rollback: not an action mode: 'sometimes'"),
        bad("      maxRestarts: 1", "      maxRestarts: 1\n      maxSessionsPerTermination: 0",
            "cfg.yaml:27:7: targets[0].policy.maxSessionsPerTermination: must be at least 1"),
        bad("  approvalTimeout: 15m", "  approvalTimeout: 15m\n  maxSessionsPerTermination: 0",
            "cfg.yaml:12:3: defaults.maxSessionsPerTermination: must be at least 1"),
        bad("      maxRestarts: 1", "      maxRestarts: 1\n      terminateSessions:",
            "cfg.yaml:27:7: targets[0].policy.terminateSessions: must be one of auto, approve, dry_run, off"),
        bad("      maxRestarts: 1", "      maxRestarts: 1\n      terminateSesions: off",
            "cfg.yaml:27:7: targets[0].policy.terminateSesions: unknown key 'terminateSesions'; did you mean"
                + " 'terminateSessions'?"),
        bad("      maxRestarts: 1", "      maxRestarts: 1\n      badRolloutAge: 0s",
            "cfg.yaml:27:7: targets[0].policy.badRolloutAge: must be a positive duration, e.g. 2h"),
        bad("  approvalTimeout: 15m", "  warningUtilization: 0.95",
            "cfg.yaml:11:3: defaults.warningUtilization: need 0 < warningUtilization < criticalUtilization <= 1"),
        // missing or inconsistent values
        bad("      url: jdbc:postgresql://db:5432/authdb\n", "",
            "cfg.yaml:21:5: targets[0].postgres.url: required (e.g. jdbc:postgresql://host:5432/authdb)"),
        bad("jdbc:postgresql://db", "postgres://db", "cfg.yaml:22:7: targets[0].postgres.url: must start with"),
        // a target without a database is one for runbooks that need none: it needs what one of them needs
        bad("    database: authdb\n    postgres:\n      url: jdbc:postgresql://db:5432/authdb\n"
                + "      user: remediator\n      passwordEnv: PGPASSWORD\n", "",
            "cfg.yaml:18:5: targets[0]: no database, and no runbook without one can act on it: servicedown needs"
                + " kubernetes.deployment, endpoints.health or endpoints.ready"),
        bad("    database: authdb\n", "",
            "targets[0].database: required with postgres (the database the pool's sessions use)"),
        bad("      type: pagerduty", "      type: pager",
            "cfg.yaml:8:7: notifications.channels[0].type: must be slack, pagerduty or webhook, not 'pager'"),
        bad("      channels: [database-pager]", "      channels: [database-pagr]",
            "cfg.yaml:13:3: defaults.escalation: tier database names channel 'database-pagr', which is not in"
                + " notifications.channels; did you mean 'database-pager'?"),
        // not YAML
        bad("  port: 8080", "  port: 8080\n   tokenFile: x", "cfg.yaml:4:"),
        bad("taskQueue: remediator", "taskQueue: 'remediator", "cfg.yaml:"));
  }

  private static Arguments bad(String from, String to, String expected) {
    assertThat(VALID).as("corpus entry must apply: " + from).contains(from);
    return Arguments.of(VALID.replace(from, to), expected);
  }

  @Test
  void theBaseOfTheCorpusIsValid() {
    assertThat(ConfigLoader.parse(VALID, "cfg.yaml").targets()).hasSize(1);
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void saysWhereAndWhatAndNeverJava(String yaml, String expected) {
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "cfg.yaml"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> {
          assertThat(e.getMessage()).contains(expected);
          assertThat(e.getMessage()).doesNotContainPattern(JAVA);
          assertThat(e.getMessage()).startsWith("cfg.yaml:");
        });
  }

  @Test
  void everyProblemIsReportedOnItsOwnLine() {
    String yaml = VALID.replace("jdbc:postgresql://db", "mysql://db").replace("type: pagerduty", "type: pager");
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "cfg.yaml"))
        .hasMessage("cfg.yaml:8:7: notifications.channels[0].type: must be slack, pagerduty or webhook, not 'pager'\n"
            + "cfg.yaml:22:7: targets[0].postgres.url: must start with jdbc:postgresql:");
  }

  @Test
  void didYouMeanOnlyWhenItIsPlausible() {
    var known = java.util.List.of("service", "namespace", "database", "postgres", "kubernetes", "endpoints", "policy");
    assertThat(ConfigProblems.closest("databse", known)).isEqualTo("database");
    assertThat(ConfigProblems.closest("Namespace", known)).isEqualTo("namespace");
    assertThat(ConfigProblems.closest("postgresql", known)).isEqualTo("postgres");
    assertThat(ConfigProblems.closest("k8s", known)).isNull();
    assertThat(ConfigProblems.closest("colour", known)).isNull();
  }
}
