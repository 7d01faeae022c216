package dev.remediator.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.common.converter.JacksonJsonPayloadConverter;
import dev.remediator.config.NotificationsConfig;
import dev.remediator.config.NotificationsConfig.Channel;
import dev.remediator.runbook.dbpool.ConnectionSnapshot;
import dev.remediator.runbook.dbpool.PoolDiagnosis;
import dev.remediator.runbook.dbpool.PoolPageSection;
import dev.remediator.incident.EscalationDetails;
import dev.remediator.incident.LogSummary;
import dev.remediator.incident.Notification;
import dev.remediator.incident.NotificationResult;
import dev.remediator.incident.NotificationResult.Delivery;
import dev.remediator.incident.RolloutRevision;
import dev.remediator.runbook.dbpool.RootCause;
import dev.remediator.incident.TimelineEntry;
import dev.remediator.notify.RecordingServer.Answer;
import dev.remediator.incident.NotificationActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every channel type against a real local HTTP server that records what it receives. */
class NotificationActivitiesImplTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ID = "dbpool:prod:auth-service:authdb";
  static final String SLACK_PATH = "/services/T0001/B0002/XXXXsecretXXXX";
  static final List<String> HOW_TO_RESPOND = List.of(
      "Acknowledge: ./remediator ack " + ID + " --by NAME",
      "Temporal UI: signal 'acknowledge' on workflow " + ID);

  @TempDir Path secrets;
  RecordingServer server;
  NotificationActivitiesImpl notifications;

  @BeforeEach
  void start() throws IOException {
    server = new RecordingServer();
    notifications = new NotificationActivitiesImpl(new NotificationsConfig(List.of(
        new Channel("db-chat", "slack", null, file("slack-url", server.url(SLACK_PATH) + "\n"), null, null),
        new Channel("db-pager", "pagerduty", null, file("pd-url", server.url("/v2/enqueue")), null,
            file("pd-key", "R0UT1NGKEY0000000000000000000000")),
        new Channel("audit", "webhook", null, file("audit-url", server.url("/hooks/audit")), null, null),
        new Channel("broken", "webhook", null, file("broken-url", server.url("/hooks/broken")), null, null),
        new Channel("no-secret", "slack", "REMEDIATOR_TEST_UNSET_VARIABLE", null, null, null),
        new Channel("teams", "msteams", null, file("teams-url", server.url("/teams")), null, null))),
        3, Duration.ofMillis(10), Duration.ofMillis(500));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  String file(String name, String content) throws IOException {
    return Files.writeString(secrets.resolve(name), content).toString();
  }

  static Notification trigger(List<String> channels) {
    ConnectionSnapshot db = new ConnectionSnapshot("2026-11-26T17:40:00.000000Z", 34, 9, 0, 25, 842.4, 40, 3, 36,
        34.0 / 37, List.of(), List.of(), List.of(), List.of(),
        new PoolDiagnosis(RootCause.LEAK, List.of("25 of 34 connections idle in transaction, oldest 14 min")),
        List.of(), 0, 36, 0, 0, null);
    Map<String, Integer> counts = new TreeMap<>(Map.of(
        "Connection pool exhausted", 12, "Connection timeout", 3, "Too many connections", 0,
        "connection|pool|timeout|database", 17));
    LogSummary logs = new LogSummary(3, 4120, counts, List.of(
        "auth-service-7d9f-a: ERROR Connection pool exhausted: 30/30 in use <size=20>"));
    EscalationDetails details = new EscalationDetails(
        "approval timed out after 15m; utilization still above critical",
        List.of(new RolloutRevision(3, "2026-11-26T09:12:00Z", "upgrade SQLAlchemy to 2.0 (#1234)",
            List.of("registry.example/auth-service:2.4.1"), 3)),
        logs,
        List.of(new TimelineEntry("2026-11-26T17:40:01Z", "alertmanager", "DatabaseConnectionPoolCritical firing"),
            new TimelineEntry("2026-11-26T17:55:01Z", "remediator", "approval timed out; escalating")),
        List.of("Current connection pool utilization: 91.9%"),
        new PoolPageSection(34.0 / 37, db));
    return new Notification(ID, "trigger", "critical", "database", channels,
        "auth-service connection pool at 91.9% (authdb)", details, HOW_TO_RESPOND);
  }

  /** A Service Down page: the runbook's facts, no database, no pool utilization. */
  static Notification serviceDownTrigger(List<String> channels) {
    EscalationDetails details = new EscalationDetails("image or configuration error, which the runbook does not fix"
        + " automatically", List.of(), null, List.of(),
        List.of("Deployment now: 0 of 3 ready", "Likely cause: image or configuration error (ImagePullBackOff)",
            "For the development team (the runbook's escalation section)"), null);
    return new Notification("servicedown:prod:auth-service:authdb", "trigger", "critical", "development", channels,
        "auth-service down", details, List.of());
  }

  static JsonNode json(String text) throws IOException {
    return JSON.readTree(text);
  }

  @Test
  void slackGetsTheInformationToProvideAsBlocks() throws Exception {
    NotificationResult result = notifications.deliverAll(trigger(List.of("db-chat")));

    assertThat(result.deliveries()).containsExactly(new Delivery("db-chat", true, 200, null));
    List<RecordingServer.Request> got = server.to(SLACK_PATH);
    assertThat(got).hasSize(1);
    assertThat(got.get(0).method()).isEqualTo("POST");
    assertThat(got.get(0).contentType()).isEqualTo("application/json");
    assertThat(got.get(0).userAgent()).isEqualTo("remediator");
    assertThat(json(got.get(0).body())).isEqualTo(json("""
        {"text": "[CRITICAL] auth-service connection pool at 91.9% (authdb) (dbpool:prod:auth-service:authdb)",
         "blocks": [
          {"type": "header", "text": {"type": "plain_text",
             "text": "[CRITICAL] auth-service connection pool at 91.9% (authdb)"}},
          {"type": "section", "fields": [
             {"type": "mrkdwn", "text": "*Incident*\\n`dbpool:prod:auth-service:authdb`"},
             {"type": "mrkdwn", "text": "*Event*\\ntrigger"},
             {"type": "mrkdwn", "text": "*Severity*\\ncritical"},
             {"type": "mrkdwn", "text": "*Escalation tier*\\ndatabase"}]},
          {"type": "section", "text": {"type": "mrkdwn", "text": "*Information to provide*\\n• Why: approval timed out after 15m; utilization still above critical\\n• Current connection pool utilization: 91.9%\\n• Database: 34 of 37 usable connections (max_connections 40, 3 reserved): 9 active, 0 idle, 25 idle in transaction; longest query 842s; 0 blocked\\n• Likely cause: LEAK (25 of 34 connections idle in transaction, oldest 14 min)"}},
          {"type": "section", "text": {"type": "mrkdwn", "text": "*Recent application changes*\\n• revision 3 at 2026-11-26T09:12:00Z: registry.example/auth-service:2.4.1 — upgrade SQLAlchemy to 2.0 (#1234) (3 replicas)"}},
          {"type": "section", "text": {"type": "mrkdwn", "text": "*Error logs* (3 pods, 4120 lines)\\n• Connection pool exhausted: 12\\n• Connection timeout: 3\\n• Too many connections: 0\\n• connection|pool|timeout|database: 17\\n```auth-service-7d9f-a: ERROR Connection pool exhausted: 30/30 in use &lt;size=20&gt;```"}},
          {"type": "section", "text": {"type": "mrkdwn", "text": "*Timeline*\\n• 2026-11-26T17:40:01Z alertmanager: DatabaseConnectionPoolCritical firing\\n• 2026-11-26T17:55:01Z remediator: approval timed out; escalating"}},
          {"type": "section", "text": {"type": "mrkdwn", "text": "*How to respond*\\n• Acknowledge: ./remediator ack dbpool:prod:auth-service:authdb --by NAME\\n• Temporal UI: signal 'acknowledge' on workflow dbpool:prod:auth-service:authdb"}}
         ]}
        """));
  }

  @Test
  void pagerDutyTriggerAcknowledgeAndResolveShareTheIncidentAsDedupKey() throws Exception {
    server.answer("/v2/enqueue", Answer.of(202, "{\"status\":\"success\",\"dedup_key\":\"" + ID + "\"}"));

    NotificationResult triggered = notifications.deliverAll(trigger(List.of("db-pager")));
    notifications.deliverAll(new Notification(ID, "acknowledge", null, "database", List.of("db-pager"), null, null,
        List.of()));
    notifications.deliverAll(new Notification(ID, "resolve", "info", null, List.of("db-pager"), "recovered", null,
        List.of()));

    assertThat(triggered.deliveries()).containsExactly(new Delivery("db-pager", true, 202, null));
    List<RecordingServer.Request> events = server.to("/v2/enqueue");
    assertThat(events).hasSize(3).allSatisfy(r -> assertThat(r.contentType()).isEqualTo("application/json"));
    assertThat(json(events.get(0).body())).isEqualTo(json("""
        {"routing_key": "R0UT1NGKEY0000000000000000000000",
         "event_action": "trigger",
         "dedup_key": "dbpool:prod:auth-service:authdb",
         "payload": {
           "summary": "auth-service connection pool at 91.9% (authdb)",
           "source": "dbpool:prod:auth-service:authdb",
           "severity": "critical",
           "class": "Connection pool",
           "group": "database",
           "custom_details": {
             "escalation_tier": "database",
             "reason": "approval timed out after 15m; utilization still above critical",
             "facts": ["Current connection pool utilization: 91.9%"],
             "current_utilization": "91.9%",
             "database": {"taken_at": "2026-11-26T17:40:00.000000Z", "connections": 34, "usable_connections": 37,
               "max_connections": 40, "active": 9, "idle": 0, "idle_in_transaction": 25,
               "longest_query_seconds": 842, "blocked_sessions": 0, "likely_cause": "LEAK",
               "evidence": ["25 of 34 connections idle in transaction, oldest 14 min"]},
             "recent_changes": ["revision 3 at 2026-11-26T09:12:00Z: registry.example/auth-service:2.4.1 — upgrade SQLAlchemy to 2.0 (#1234) (3 replicas)"],
             "error_logs": {"pods": 3, "lines_scanned": 4120,
               "counts": {"Connection pool exhausted": 12, "Connection timeout": 3, "Too many connections": 0,
                          "connection|pool|timeout|database": 17},
               "samples": ["auth-service-7d9f-a: ERROR Connection pool exhausted: 30/30 in use <size=20>"]},
             "timeline": ["2026-11-26T17:40:01Z alertmanager: DatabaseConnectionPoolCritical firing",
                          "2026-11-26T17:55:01Z remediator: approval timed out; escalating"],
             "how_to_respond": ["Acknowledge: ./remediator ack dbpool:prod:auth-service:authdb --by NAME",
                                "Temporal UI: signal 'acknowledge' on workflow dbpool:prod:auth-service:authdb"]}},
         "client": "Remediator"}
        """));
    assertThat(json(events.get(1).body())).isEqualTo(json("""
        {"routing_key": "R0UT1NGKEY0000000000000000000000", "event_action": "acknowledge",
         "dedup_key": "dbpool:prod:auth-service:authdb"}
        """));
    assertThat(json(events.get(2).body())).isEqualTo(json("""
        {"routing_key": "R0UT1NGKEY0000000000000000000000", "event_action": "resolve",
         "dedup_key": "dbpool:prod:auth-service:authdb"}
        """));
  }

  @Test
  void aServiceDownPageCarriesTheRunbooksFactsAndNoPoolUtilization() throws Exception {
    server.answer("/v2/enqueue", Answer.of(202, "{\"status\":\"success\"}"));

    notifications.deliverAll(serviceDownTrigger(List.of("db-chat", "db-pager")));

    String slack = json(server.to(SLACK_PATH).get(0).body()).toString();
    assertThat(slack).contains("• Deployment now: 0 of 3 ready")
        .contains("• Likely cause: image or configuration error (ImagePullBackOff)")
        .contains("• For the development team").doesNotContain("utilization").doesNotContain("Database:");
    JsonNode details = json(server.to("/v2/enqueue").get(0).body()).at("/payload/custom_details");
    assertThat(details.get("facts")).hasSize(3);
    assertThat(details.has("current_utilization")).isFalse();
    assertThat(details.has("database")).isFalse();
    assertThat(details.get("escalation_tier").asText()).isEqualTo("development");
  }

  /**
   * A page a worker from before the runbook's section scheduled: the pool fields at the top of the details (and,
   * earlier still, no facts). Its JSON still reads, and the page still shows the utilization and the database.
   */
  @Test
  void aPageRecordedBeforeFactsStillShowsTheUtilization() throws Exception {
    Notification n = trigger(List.of("db-chat", "db-pager"));
    ObjectMapper payloads = JacksonJsonPayloadConverter.newDefaultObjectMapper();
    ObjectNode old = payloads.valueToTree(n.details());
    JsonNode section = old.remove("runbook");
    old.set("utilization", section.get("utilization"));
    old.set("database", section.get("database"));
    old.remove("facts");
    EscalationDetails legacy = payloads.treeToValue(old, EscalationDetails.class);
    assertThat(legacy.runbook()).isNull();

    notifications.deliverAll(new Notification(n.incidentId(), n.event(), n.severity(), n.tier(), n.channels(),
        n.summary(), legacy, n.howToRespond()));

    assertThat(server.to(SLACK_PATH).get(0).body()).contains("Current connection pool utilization: 91.9%",
        "Database: 34 of 37 usable connections", "Likely cause: LEAK");
    JsonNode details = json(server.to("/v2/enqueue").get(0).body()).path("payload").path("custom_details");
    assertThat(details.path("current_utilization").asText()).isEqualTo("91.9%");
    assertThat(details.path("database").path("idle_in_transaction").asInt()).isEqualTo(25);
  }

  /** A Service Down page from before the section: utilization 0 and no database at the top; it shows neither. */
  @Test
  void anEarlierServiceDownPageShowsNoPool() throws Exception {
    Notification n = serviceDownTrigger(List.of("db-chat", "db-pager"));
    ObjectMapper payloads = JacksonJsonPayloadConverter.newDefaultObjectMapper();
    ObjectNode old = payloads.valueToTree(n.details());
    old.remove("runbook");
    old.put("utilization", 0.0);
    old.putNull("database");
    EscalationDetails legacy = payloads.treeToValue(old, EscalationDetails.class);

    notifications.deliverAll(new Notification(n.incidentId(), n.event(), n.severity(), n.tier(), n.channels(),
        n.summary(), legacy, n.howToRespond()));

    assertThat(server.to(SLACK_PATH).get(0).body()).contains("Deployment now: 0 of 3 ready")
        .doesNotContain("utilization").doesNotContain("Database:");
    JsonNode details = json(server.to("/v2/enqueue").get(0).body()).path("payload").path("custom_details");
    assertThat(details.has("current_utilization")).isFalse();
    assertThat(details.has("database")).isFalse();
  }

  @Test
  void aGenericWebhookGetsTheNotificationItself() throws Exception {
    Notification n = trigger(List.of("audit"));

    assertThat(notifications.deliverAll(n).deliveries()).containsExactly(new Delivery("audit", true, 200, null));

    assertThat(json(server.to("/hooks/audit").get(0).body())).isEqualTo(json(JSON.writeValueAsString(n)));
    assertThat(JSON.treeToValue(json(server.to("/hooks/audit").get(0).body()), Notification.class)).isEqualTo(n);
  }

  @Test
  void serverErrorsAreRetriedAFewTimesWithTheSameBody() {
    server.answer(SLACK_PATH, Answer.of(503, "busy"), Answer.of(502, "bad gateway"), Answer.of(200, "ok"));

    NotificationResult result = notifications.deliverAll(trigger(List.of("db-chat")));

    assertThat(result.deliveries()).containsExactly(new Delivery("db-chat", true, 200, null));
    assertThat(server.to(SLACK_PATH)).hasSize(3)
        .extracting(RecordingServer.Request::body).containsOnly(server.to(SLACK_PATH).get(0).body());
  }

  @Test
  void persistentServerErrorsGiveUpAfterTheLastAttempt() {
    server.answer(SLACK_PATH, Answer.of(500, "boom"), Answer.of(500, "boom"), Answer.of(500, "boom"),
        Answer.of(200, "ok"));

    NotificationResult result = notifications.deliverAll(trigger(List.of("db-chat")));

    assertThat(result.deliveries())
        .containsExactly(new Delivery("db-chat", false, 500, "HTTP 500: boom (after 3 attempts)"));
    assertThat(server.to(SLACK_PATH)).hasSize(3);
  }

  @Test
  void clientErrorsAreNotRetriedAndNeverShowTheSecretUrl() {
    server.answer(SLACK_PATH, Answer.of(400, "invalid_payload"));

    NotificationResult result = notifications.deliverAll(trigger(List.of("db-chat")));

    assertThat(result.deliveries()).containsExactly(new Delivery("db-chat", false, 400, "HTTP 400: invalid_payload"));
    assertThat(server.to(SLACK_PATH)).hasSize(1);
    assertThat(result.toString()).doesNotContain("secret", "127.0.0.1");
  }

  @Test
  void aTimeoutIsRetried() {
    server.answer("/hooks/audit", Answer.hanging(), Answer.of(200, "ok"));

    NotificationResult result = notifications.deliverAll(trigger(List.of("audit")));

    assertThat(result.deliveries()).containsExactly(new Delivery("audit", true, 200, null));
    assertThat(server.to("/hooks/audit")).hasSize(2);
  }

  @Test
  void oneFailingChannelDoesNotStopTheOthers() {
    server.answer("/hooks/broken", Answer.of(404, "no such hook"));

    NotificationResult result = notifications.deliverAll(
        trigger(List.of("broken", "nowhere", "no-secret", "teams", "db-chat", "audit")));

    assertThat(result.deliveries()).containsExactly(
        new Delivery("broken", false, 404, "HTTP 404: no such hook"),
        new Delivery("nowhere", false, 0, "channel 'nowhere' is not configured (notifications.channels)"),
        new Delivery("no-secret", false, 0,
            "channel no-secret webhook URL: environment variable REMEDIATOR_TEST_UNSET_VARIABLE is not set"),
        new Delivery("teams", false, 0, "channel 'teams' has unknown type 'msteams' (slack, pagerduty or webhook)"),
        new Delivery("db-chat", true, 200, null),
        new Delivery("audit", true, 200, null));
    assertThat(result.anyDelivered()).isTrue();
    assertThat(server.to("/teams")).isEmpty();
  }

  @Test
  void badNotificationsAreRefusedBeforeSendingAnything() {
    ApplicationFailure f = catchThrowableOfType(ApplicationFailure.class, () -> notifications.deliverAll(
        new Notification(ID, "escalate", "critical", null, List.of("db-chat"), "x", null, List.of())));

    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage()).isEqualTo("event must be one of trigger, acknowledge, resolve; got escalate");
    assertThat(catchThrowableOfType(ApplicationFailure.class, () -> notifications.deliverAll(
        new Notification(ID, "trigger", "sev1", null, List.of("db-chat"), "x", null, List.of())))
        .getOriginalMessage()).isEqualTo("severity must be one of critical, error, warning, info; got sev1");
    assertThat(server.requests).isEmpty();
  }

  @Test
  void aRetriedSendSkipsTheChannelsAnInterruptedAttemptDelivered() throws Exception {
    server.answer("/hooks/broken", Answer.of(404, "gone")); // once: the retry gets 200
    List<List<Delivery>> progress = new java.util.ArrayList<>();
    NotificationResult first =
        notifications.deliverAll(trigger(List.of("db-chat", "broken")), List.of(), progress::add);
    assertThat(first.deliveries()).extracting(Delivery::delivered).containsExactly(true, false);
    assertThat(progress).containsExactly(
        List.of(new Delivery("db-chat", true, 200, null)), List.of(new Delivery("db-chat", true, 200, null)));

    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(notifications);
      List<NotificationResult> heartbeats = new CopyOnWriteArrayList<>();
      env.setActivityHeartbeatListener(NotificationResult.class, heartbeats::add);
      env.setHeartbeatDetails(first); // the attempt died after these deliveries were recorded
      NotificationActivities retry = env.newActivityStub(NotificationActivities.class,
          ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

      NotificationResult r = retry.send(trigger(List.of("db-chat", "broken", "audit")));

      assertThat(r.deliveries()).containsExactly(
          new Delivery("db-chat", true, 200, null),
          new Delivery("broken", true, 200, null),
          new Delivery("audit", true, 200, null));
      assertThat(server.to(SLACK_PATH)).as("not sent again").hasSize(1);
      assertThat(server.to("/hooks/broken")).as("undelivered: tried again").hasSize(2);
      assertThat(server.to("/hooks/audit")).hasSize(1);
      assertThat(heartbeats).first().isEqualTo(new NotificationResult(List.of(new Delivery("db-chat", true, 200, null))));
    } finally {
      env.close();
    }
  }
}
