package dev.remediator.config;

import java.util.List;

/**
 * Notification channels, referred to by name from the policy's escalation tiers. URLs and keys are secrets: they
 * come from env vars or files.
 *
 * @param channels the configured channels
 */
public record NotificationsConfig(List<Channel> channels) {

  /**
   * @param name how tiers refer to it, e.g. {@code database-pager}
   * @param type {@code slack}, {@code pagerduty} or {@code webhook}
   * @param urlEnv env var holding the webhook URL (Slack, generic webhook; PagerDuty: optional events URL)
   * @param urlFile file holding the URL (alternative)
   * @param routingKeyEnv PagerDuty integration (routing) key env var
   * @param routingKeyFile PagerDuty routing key file (alternative)
   */
  public record Channel(
      String name, String type, String urlEnv, String urlFile, String routingKeyEnv, String routingKeyFile) {}
}
