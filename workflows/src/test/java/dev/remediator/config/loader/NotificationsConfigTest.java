package dev.remediator.config.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remediator.config.ConfigException;
import dev.remediator.config.NotificationsConfig;
import dev.remediator.config.RemediatorConfig;
import org.junit.jupiter.api.Test;

class NotificationsConfigTest {
  static final String TARGET =
      """
      targets:
        - service: auth-service
          namespace: prod
          database: authdb
          postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator}
      """;

  @Test
  void channelsAndTiersReferringToThemAreRead() {
    RemediatorConfig c = ConfigLoader.parse(
        """
        notifications:
          channels:
            - {name: db-chat, type: slack, urlFile: /etc/remediator/secrets/slack-db-url}
            - {name: db-pager, type: pagerduty, routingKeyEnv: PD_DB_ROUTING_KEY}
            - {name: audit, type: webhook, urlEnv: AUDIT_WEBHOOK_URL}
        defaults:
          escalation:
            - {name: database, channels: [db-chat, db-pager], ackTimeout: 10m}
            - {name: platform, channels: [audit], ackTimeout: 15m}
        """ + TARGET, "test");

    assertThat(c.notifications().channels()).extracting(NotificationsConfig.Channel::name)
        .containsExactly("db-chat", "db-pager", "audit");
    assertThat(c.targets().get(0).policy().escalation().get(0).channels()).containsExactly("db-chat", "db-pager");
  }

  @Test
  void badChannelsAreErrorsNamingTheProblem() {
    assertThatThrownBy(() -> ConfigLoader.parse(
        """
        notifications:
          channels:
            - {name: a, type: slack}
            - {name: a, type: pagerduty, urlEnv: X}
            - {name: b, type: teams, urlEnv: Y}
            - {type: webhook, urlEnv: Z}
        defaults:
          escalation:
            - {name: database, channels: [a, nowhere], ackTimeout: 10m}
        """ + TARGET, "f.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("f.yaml:3:7: notifications.channels[0]: urlEnv or urlFile is required (the URL is a secret)")
        .hasMessageContaining("f.yaml:4:7: notifications.channels[1]: channel a is configured twice")
        .hasMessageContaining("f.yaml:4:7: notifications.channels[1]: routingKeyEnv or routingKeyFile is required")
        .hasMessageContaining(
            "f.yaml:5:17: notifications.channels[2].type: must be slack, pagerduty or webhook, not 'teams'")
        .hasMessageContaining("f.yaml:6:7: notifications.channels[3]: name is required")
        .hasMessageContaining("f.yaml:8:3: defaults.escalation: tier database names channel 'nowhere', which is not in"
            + " notifications.channels");
  }
}
