package dev.remediator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.incident.Notification;
import dev.remediator.incident.NotificationActivities;
import dev.remediator.incident.NotificationResult.Delivery;
import dev.remediator.incident.NotificationResult;
import dev.remediator.notify.NotificationActivitiesImpl;
import io.temporal.activity.ActivityOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotificationSinkTest {
  @TempDir Path secrets;

  @Test
  void receivesEveryChannelTypeFromTheRealActivityAndPrintsOneLineEach() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (NotificationSink sink = NotificationSink.start(new PrintStream(printed, true, StandardCharsets.UTF_8))) {
      RemediatorConfig config = ConfigLoader.parse(sink.configYaml(secrets) + """
          targets:
            - {service: auth-service, namespace: prod, database: authdb,
               postgres: {url: "jdbc:postgresql://db/authdb", user: remediator}}
          """, "demo");
      List<String> channels = List.of(
          NotificationSink.SLACK_CHANNEL, NotificationSink.PAGER_CHANNEL, NotificationSink.WEBHOOK_CHANNEL);

      TestActivityEnvironment env = TestActivityEnvironment.newInstance();
      env.registerActivitiesImplementations(new NotificationActivitiesImpl(config.notifications()));
      NotificationActivities activities = env.newActivityStub(NotificationActivities.class,
          ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());
      NotificationResult result;
      try {
        result = activities.send(new Notification(
            "dbpool:prod:auth-service:authdb", "trigger", "critical", "database", channels,
            "auth-service connection pool at 91.9%", null, List.of("./remediator approve ...")));
      } finally {
        env.close();
      }

      assertThat(result.deliveries()).containsExactly(
          new Delivery(NotificationSink.SLACK_CHANNEL, true, 200, null),
          new Delivery(NotificationSink.PAGER_CHANNEL, true, 202, null),
          new Delivery(NotificationSink.WEBHOOK_CHANNEL, true, 200, null));
      assertThat(sink.received()).extracting(NotificationSink.Received::channel).containsExactlyElementsOf(channels);
      assertThat(sink.received()).allSatisfy(r -> assertThat(r.contentType()).isEqualTo("application/json"));
      assertThat(printed.toString(StandardCharsets.UTF_8).lines()).containsExactly(
          "      [notification sink] database-chat <- slack: [CRITICAL] auth-service connection pool at 91.9%"
              + " (dbpool:prod:auth-service:authdb)",
          "      [notification sink] database-pager <- pagerduty trigger dedup_key=dbpool:prod:auth-service:authdb"
              + " severity=critical: auth-service connection pool at 91.9%",
          "      [notification sink] incident-log <- webhook trigger: auth-service connection pool at 91.9%");
    }
  }
}
