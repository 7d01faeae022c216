package dev.remediator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.runbook.dbpool.PoolPolicy;
import dev.remediator.runbook.dbpool.SessionInfo;
import dev.remediator.runbook.dbpool.SessionOutcome;
import dev.remediator.runbook.dbpool.SessionOutcome.Result;
import dev.remediator.runbook.dbpool.TerminationResult;
import dev.remediator.runbook.dbpool.DatabaseActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rules (a)–(e) of safe termination against real sessions. Plans are built by hand from what PostgreSQL reports, so
 * a plan can name sessions the snapshot would never mark terminable: the termination must refuse them on its own.
 */
class TerminationTest {
  static PostgresFixture pg;
  static DatabaseActivitiesImpl activities;
  static RunbookPolicy policy;

  @BeforeAll
  static void start() {
    pg = new PostgresFixture();
    activities = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediator)));
    policy = ConfigLoader.parsePolicy("{idleInTransactionReportAfter: 200ms, idleInTransactionTerminateAfter: 1s}");
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  @AfterEach
  void closeSessions() {
    pg.closeSessions();
  }

  /** What the server says about a pid now, as a plan would carry it (identity from pg_stat_activity). */
  private static SessionInfo planned(int pid) throws Exception {
    String backendStart = pg.activity(pid, "to_char(backend_start AT TIME ZONE 'UTC', " + SessionRules.UTC + ")");
    String xactStart = pg.activity(pid, "to_char(xact_start AT TIME ZONE 'UTC', " + SessionRules.UTC + ")");
    return PlanEntries.idleInTransaction(pid, backendStart, xactStart);
  }

  private static List<SessionInfo> plan(int... pids) throws Exception {
    List<SessionInfo> plan = new ArrayList<>();
    for (int pid : pids) {
      plan.add(planned(pid));
    }
    return plan;
  }

  private static void awaitOldEnough() {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> pg.youngestIdleInTransactionSeconds()
            > PoolPolicy.of(policy).idleInTransactionTerminateAfter().toSeconds());
  }

  private static String detail(TerminationResult r, int pid) {
    return r.outcomes().stream().filter(o -> o.pid() == pid).findFirst().orElseThrow().detail();
  }

  @Test
  void neverTerminatesProtectedSessionsEvenWhenAPlanNamesThem() throws Exception {
    int superuser = pg.idleInTransaction(pg.appSuperuser);
    int exporter = pg.idleInTransaction(pg.app, "postgres_exporter", "SELECT 1");
    int impostor = pg.idleInTransaction(pg.app, "remediator", "SELECT 1");
    int otherApp = pg.idleInTransaction(pg.otherApp);
    int otherDatabase = pg.idleInTransactionOn(pg.app, "postgres");
    int leaked = pg.idleInTransaction(pg.app);
    awaitOldEnough();
    int walSender = pg.walSender();
    int launcher = backgroundPid();

    TerminationResult r =
        activities.terminate(
            pg.target, policy, plan(superuser, exporter, impostor, otherApp, otherDatabase, walSender, launcher, leaked));

    assertThat(r.outcomes())
        .extracting(SessionOutcome::pid, SessionOutcome::result)
        .containsExactly(
            tuple(superuser, Result.REFUSED),
            tuple(exporter, Result.REFUSED),
            tuple(impostor, Result.REFUSED),
            tuple(otherApp, Result.REFUSED),
            tuple(otherDatabase, Result.REFUSED),
            tuple(walSender, Result.REFUSED),
            tuple(launcher, Result.REFUSED),
            tuple(leaked, Result.TERMINATED));
    assertThat(detail(r, superuser)).isEqualTo("role " + pg.appSuperuser + " is a superuser");
    assertThat(detail(r, exporter)).isEqualTo("application_name postgres_exporter is never terminated");
    assertThat(detail(r, impostor)).isEqualTo("application_name remediator is never terminated");
    assertThat(detail(r, otherApp)).startsWith("not the application's (role " + pg.otherApp);
    assertThat(detail(r, otherDatabase)).isEqualTo("on database postgres, not " + pg.db);
    assertThat(detail(r, walSender)).isEqualTo("walsender process, not a client session");
    assertThat(detail(r, launcher)).isEqualTo("autovacuum launcher process, not a client session");
    for (int pid : new int[] {superuser, exporter, impostor, otherApp, otherDatabase, walSender, launcher}) {
      assertThat(pg.alive(pid)).as("pid %d", pid).isTrue();
    }
    assertThat(pg.alive(leaked)).isFalse();
  }

  /** The autovacuum launcher: a backend that is not a client session. */
  private static int backgroundPid() throws Exception {
    try (var c = pg.admin("postgres");
        var rs =
            c.createStatement()
                .executeQuery("SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void configuredExclusionsAreHonoured() throws Exception {
    var excluding =
        new DatabaseActivitiesImpl(
            new TargetDirectory(
                pg.config(
                    pg.remediator,
                    "applicationRoles: [" + pg.app + "]\nexcludeApplicationNames: [datadog-agent]")));
    int agent = pg.idleInTransaction(pg.app, "datadog-agent", "SELECT 1");
    int leaked = pg.idleInTransaction(pg.app);
    awaitOldEnough();

    assertThat(excluding.snapshot(pg.target, policy).terminableIdleInTransaction())
        .extracting(SessionInfo::pid)
        .containsExactly(leaked);
    TerminationResult r = excluding.terminate(pg.target, policy, plan(agent, leaked));

    assertThat(r.outcomes())
        .extracting(SessionOutcome::pid, SessionOutcome::result)
        .containsExactly(tuple(agent, Result.REFUSED), tuple(leaked, Result.TERMINATED));
    assertThat(pg.alive(agent)).isTrue();
  }

  @Test
  void applicationNamesAloneIdentifyTheApplication() throws Exception {
    var byName =
        new DatabaseActivitiesImpl(
            new TargetDirectory(pg.config(pg.remediator, "applicationNames: [auth-service]")));
    int named = pg.idleInTransaction(pg.otherApp, "auth-service", "SELECT 1");
    int unnamed = pg.idleInTransaction(pg.app);
    awaitOldEnough();

    TerminationResult r = byName.terminate(pg.target, policy, plan(named, unnamed));

    assertThat(r.outcomes())
        .extracting(SessionOutcome::pid, SessionOutcome::result)
        .containsExactly(tuple(named, Result.TERMINATED), tuple(unnamed, Result.REFUSED));
    assertThat(detail(r, unnamed)).contains("application_name PostgreSQL JDBC Driver");
  }

  @Test
  void withoutAnApplicationIdentityNothingIsTerminable() throws Exception {
    var unidentified = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediator, "")));
    int leaked = pg.idleInTransaction(pg.app);
    awaitOldEnough();

    assertThat(unidentified.snapshot(pg.target, policy).terminableIdleInTransaction()).isEmpty();
    TerminationResult r = unidentified.terminate(pg.target, policy, plan(leaked));

    assertThat(r.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.result()).isEqualTo(Result.REFUSED);
      assertThat(o.detail()).startsWith("no applicationRoles or applicationNames configured");
    });
    assertThat(pg.alive(leaked)).isTrue();
  }

  @Test
  void aReusedOrChangedPidIsNotTerminated() throws Exception {
    int pid = pg.idleInTransaction(pg.app);
    awaitOldEnough();
    SessionInfo real = planned(pid);
    // The plan saw another backend under this pid: a microsecond earlier start is already another session.
    String earlier = real.backendStart().replaceFirst("\\.(\\d{6})Z$", ".000000Z");
    SessionInfo reused = PlanEntries.idleInTransaction(pid, earlier, real.xactStart());

    TerminationResult r = activities.terminate(pg.target, policy, List.of(reused));

    assertThat(r.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.result()).isEqualTo(Result.CHANGED);
      assertThat(o.detail()).startsWith("pid now belongs to another backend");
    });
    assertThat(pg.alive(pid)).isTrue();
  }

  @Test
  void aSessionThatWorkedAgainInItsTransactionIsNotTerminated() throws Exception {
    int pid = pg.idleInTransaction(pg.app);
    awaitOldEnough();
    List<SessionInfo> plan = plan(pid);
    try (Statement s = pg.lastSession().createStatement()) {
      s.execute("SELECT count(*) FROM accounts"); // same transaction, but not forgotten: state_change is fresh
    }

    TerminationResult r = activities.terminate(pg.target, policy, plan);

    assertThat(r.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.result()).isEqualTo(Result.CHANGED);
      assertThat(o.detail()).startsWith("idle in transaction for only");
    });
    assertThat(pg.alive(pid)).isTrue();
  }

  @Test
  void aSessionThatCommittedAndStartedAnotherTransactionIsNotTerminated() throws Exception {
    int pid = pg.idleInTransaction(pg.app);
    awaitOldEnough();
    List<SessionInfo> plan = plan(pid);
    pg.lastSession().commit();
    try (Statement s = pg.lastSession().createStatement()) {
      s.execute("SELECT 1"); // a new transaction, idle again
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> pg.youngestIdleInTransactionSeconds() > 1.1);

    TerminationResult r = activities.terminate(pg.target, policy, plan);

    assertThat(r.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.result()).isEqualTo(Result.CHANGED);
      assertThat(o.detail()).startsWith("the planned transaction ended");
    });
    assertThat(pg.alive(pid)).isTrue();
  }

  @Test
  void theCapIsHonouredAndTheRestIsRefusedUntouched() throws Exception {
    RunbookPolicy capped =
        ConfigLoader.parsePolicy(
            "{idleInTransactionReportAfter: 200ms, idleInTransactionTerminateAfter: 1s, maxSessionsPerTermination: 3}");
    int[] pids = new int[5];
    for (int i = 0; i < pids.length; i++) {
      pids[i] = pg.idleInTransaction(pg.app);
    }
    awaitOldEnough();
    List<SessionInfo> plan = plan(pids);

    TerminationResult r = activities.terminate(pg.target, capped, plan);

    assertThat(r.outcomes()).extracting(SessionOutcome::result)
        .containsExactly(Result.TERMINATED, Result.TERMINATED, Result.TERMINATED, Result.REFUSED, Result.REFUSED);
    assertThat(detail(r, pids[3])).isEqualTo("cap of 3 sessions per action reached");
    assertThat(pg.alive(pids[3])).isTrue();
    assertThat(pg.alive(pids[4])).isTrue();

    // A retry of the same action (e.g. after a worker crash) terminates nothing new beyond the cap.
    TerminationResult retry = activities.terminate(pg.target, capped, plan);
    assertThat(retry.outcomes()).extracting(SessionOutcome::result)
        .containsExactly(Result.GONE, Result.GONE, Result.GONE, Result.TERMINATED, Result.TERMINATED);
    TerminationResult again = activities.terminate(pg.target, capped, plan);
    assertThat(again.terminated()).isZero();
    assertThat(again.outcomes()).extracting(SessionOutcome::result).containsOnly(Result.GONE);
  }

  @Test
  void duplicatesAndIncompletePlanEntriesAreRefused() throws Exception {
    int pid = pg.idleInTransaction(pg.app);
    int other = pg.idleInTransaction(pg.app);
    awaitOldEnough();
    SessionInfo p = planned(pid);
    SessionInfo noIdentity = PlanEntries.idleInTransaction(other, null, null);

    TerminationResult r = activities.terminate(pg.target, policy, List.of(p, p, noIdentity));

    assertThat(r.outcomes())
        .extracting(SessionOutcome::pid, SessionOutcome::result)
        .containsExactly(tuple(pid, Result.TERMINATED), tuple(pid, Result.REFUSED), tuple(other, Result.REFUSED));
    assertThat(pg.alive(other)).isTrue();
    assertThat(activities.terminate(pg.target, policy, List.of()).outcomes()).isEmpty();
  }

  @Test
  void superusersAreTerminatedOnlyWhenConfiguredAndOnlyBySuperusers() throws Exception {
    String allow = "applicationRoles: [" + pg.appSuperuser + "]\nterminateSuperusers: true";
    var leastPrivilege = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediator, allow)));
    var superRemediator = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.remediatorSuperuser, allow)));
    int pid = pg.idleInTransaction(pg.appSuperuser);
    awaitOldEnough();
    List<SessionInfo> plan = plan(pid);

    TerminationResult refused = leastPrivilege.terminate(pg.target, policy, plan);
    assertThat(refused.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.result()).isEqualTo(Result.REFUSED);
      assertThat(o.detail()).startsWith("server refused: ");
    });
    assertThat(pg.alive(pid)).isTrue();

    TerminationResult done = superRemediator.terminate(pg.target, policy, plan);
    assertThat(done.outcomes()).extracting(SessionOutcome::result).containsExactly(Result.TERMINATED);
    assertThat(pg.alive(pid)).isFalse();
  }

  @Test
  void aRoleWithoutPgSignalBackendIsToldSoAndNothingIsTerminated() throws Exception {
    var noSignal = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.noSignal)));
    int pid = pg.idleInTransaction(pg.app);
    awaitOldEnough();

    assertThatThrownBy(() -> noSignal.terminate(pg.target, policy, plan(pid)))
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(e -> {
          ApplicationFailure f = (ApplicationFailure) e;
          assertThat(f.isNonRetryable()).isTrue();
          assertThat(f.getType()).isEqualTo(PostgresConnector.DATABASE_PRIVILEGES);
          assertThat(f.getOriginalMessage())
              .contains("lacks pg_signal_backend to terminate other roles' sessions")
              .doesNotContain("pg_read_all_stats")
              .endsWith("GRANT pg_signal_backend TO " + pg.noSignal + ";");
        });
    assertThat(pg.alive(pid)).isTrue();
    // It may still look: diagnostics need only pg_read_all_stats.
    assertThat(noSignal.snapshot(pg.target, policy).idleInTransaction()).isEqualTo(1);
  }

  @Test
  void aNoInheritRoleDoesNotCountAsPrivilegedAndTheGivenSqlLetsItIn() throws Exception {
    var noInherit = new DatabaseActivitiesImpl(new TargetDirectory(pg.config(pg.noInherit)));
    pg.idleInTransaction(pg.app);
    // The role is a member of both roles already: a plain GRANT would change nothing.
    String remedy = pg.serverVersion() >= 160000
        ? "GRANT pg_read_all_stats, pg_signal_backend TO " + pg.noInherit + " WITH INHERIT TRUE;"
        : "GRANT pg_read_all_stats, pg_signal_backend TO " + pg.noInherit + "; ALTER ROLE " + pg.noInherit
            + " INHERIT;";

    assertThatThrownBy(() -> noInherit.snapshot(pg.target, policy))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("lacks pg_read_all_stats to see other roles' sessions");
    assertThatThrownBy(() -> noInherit.terminate(pg.target, policy, plan(pg.idle(pg.app))))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("As a superuser run: " + remedy);

    try (Connection c = pg.admin("postgres");
        Statement st = c.createStatement()) {
      st.execute(remedy);
      try {
        assertThat(noInherit.snapshot(pg.target, policy).idleInTransaction()).isPositive();
      } finally {
        st.execute(pg.serverVersion() >= 160000
            ? "GRANT pg_read_all_stats, pg_signal_backend TO " + pg.noInherit + " WITH INHERIT FALSE"
            : "ALTER ROLE " + pg.noInherit + " NOINHERIT");
      }
    }
  }

  @Test
  void theSnapshotAndTheTerminationAgreeOnTheRules() throws Exception {
    // Everything the snapshot marks terminable is terminated; everything else it lists is not.
    List<Integer> sessions = new ArrayList<>();
    for (String role : List.of(pg.app, pg.app, pg.otherApp, pg.appSuperuser)) {
      sessions.add(pg.idleInTransaction(role));
    }
    sessions.add(pg.idleInTransaction(pg.app, "postgres_exporter", "SELECT 1"));
    awaitOldEnough();

    var s = activities.snapshot(pg.target, policy);
    TerminationResult r = activities.terminate(pg.target, policy, s.idleInTransactionSessions());

    assertThat(s.idleInTransactionSessions()).hasSize(5);
    for (SessionInfo x : s.idleInTransactionSessions()) {
      Result expected = x.terminable() ? Result.TERMINATED : Result.REFUSED;
      assertThat(r.outcomes()).filteredOn(o -> o.pid() == x.pid()).singleElement()
          .satisfies(o -> assertThat(o.result()).isEqualTo(expected));
      assertThat(pg.alive(x.pid())).isEqualTo(!x.terminable());
    }
    assertThat(Stream.of(r.terminated())).containsExactly(2L);
  }

  @Test
  void aRetriedAttemptReportsWhatTheInterruptedOneTerminatedAndKeepsTheCapAcrossAttempts() throws Exception {
    RunbookPolicy capped =
        ConfigLoader.parsePolicy(
            "{idleInTransactionReportAfter: 200ms, idleInTransactionTerminateAfter: 1s, maxSessionsPerTermination: 4}");
    int[] pids = new int[6];
    for (int i = 0; i < pids.length; i++) {
      pids[i] = pg.idleInTransaction(pg.app);
    }
    awaitOldEnough();
    List<SessionInfo> plan = plan(pids);
    // The interrupted attempt terminated the first two sessions; only its first heartbeat reached the server.
    List<List<SessionOutcome>> progress = new ArrayList<>();
    activities.terminate(pg.target, capped, plan.subList(0, 2), 1, List.of(), progress::add);
    assertThat(progress).extracting(done -> done.stream().map(SessionOutcome::pid).toList())
        .containsExactly(List.of(pids[0]), List.of(pids[0], pids[1]));

    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(activities);
      List<TerminationResult> heartbeats = new CopyOnWriteArrayList<>();
      env.setActivityHeartbeatListener(TerminationResult.class, heartbeats::add);
      env.setHeartbeatDetails(new TerminationResult(progress.get(0), 1));
      DatabaseActivities retry =
          env.newActivityStub(
              DatabaseActivities.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofSeconds(30))
                  .setHeartbeatTimeout(Duration.ofSeconds(30))
                  .build());

      TerminationResult r = retry.terminateIdleInTransaction(pg.target, capped, plan);

      assertThat(r.attempt()).isGreaterThan(1);
      assertThat(r.outcomes()).extracting(SessionOutcome::pid, SessionOutcome::result)
          .containsExactly(
              tuple(pids[0], Result.TERMINATED),
              tuple(pids[1], Result.GONE),
              tuple(pids[2], Result.TERMINATED),
              tuple(pids[3], Result.TERMINATED),
              tuple(pids[4], Result.REFUSED),
              tuple(pids[5], Result.REFUSED));
      assertThat(detail(r, pids[0])).contains("by an interrupted earlier attempt");
      assertThat(detail(r, pids[1])).contains("it may have terminated it");
      // The cap of 4 counts the reported termination and the session gone on a retry: two new ones, not four.
      assertThat(detail(r, pids[4])).isEqualTo("cap of 4 sessions per action reached");
      assertThat(pg.alive(pids[2])).isFalse();
      assertThat(pg.alive(pids[3])).isFalse();
      assertThat(pg.alive(pids[4])).isTrue();
      assertThat(pg.alive(pids[5])).isTrue();
      // The retry heartbeats its own progress, earlier terminations included, for a retry after it.
      assertThat(heartbeats).first().satisfies(h ->
          assertThat(h.outcomes()).extracting(SessionOutcome::pid).containsExactly(pids[0]));
    } finally {
      env.close();
    }
  }

  /**
   * An activity scheduled by a worker from before the pool runbook's policy section (its input has the pool keys at
   * the top of the policy, no {@code runbooks.dbpool}) and run by this one reads the values that input carries.
   */
  @Test
  void anInputWithThePoolKeysAtTheTopOfThePolicyReadsThem() throws Exception {
    var converter = io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE;
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var old = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
        converter.toPayload(ConfigLoader.parsePolicy("")).orElseThrow().getData().toStringUtf8());
    ((com.fasterxml.jackson.databind.node.ObjectNode) old.get("runbooks")).remove("dbpool");
    old.put("idleInTransactionReportAfter", 0.2).put("idleInTransactionTerminateAfter", 1.0)
        .put("longRunningQueryAfter", 60.0).put("maxSessionsPerTermination", 2).put("terminateSessions", "APPROVE");
    RunbookPolicy oldShaped = converter.fromPayload(
        converter.toPayload("").orElseThrow().toBuilder()
            .setData(com.google.protobuf.ByteString.copyFromUtf8(old.toString())).build(),
        RunbookPolicy.class, RunbookPolicy.class);
    // What goes over the wire is that old shape again.
    var wire = json.readTree(converter.toPayload(oldShaped).orElseThrow().getData().toStringUtf8());
    assertThat(wire.get("maxSessionsPerTermination").asInt()).isEqualTo(2);
    assertThat(wire.get("runbooks").has("dbpool")).isFalse();
    int[] pids = {pg.idleInTransaction(pg.app), pg.idleInTransaction(pg.app), pg.idleInTransaction(pg.app)};
    await().atMost(Duration.ofSeconds(10)).until(() -> pg.youngestIdleInTransactionSeconds() > 1.0);

    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(activities);
      DatabaseActivities stub = env.newActivityStub(DatabaseActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30)).setHeartbeatTimeout(Duration.ofSeconds(30)).build());

      // Past the input's 1 s (not the default 10 min): listed as terminable, and terminated up to its cap of 2.
      List<SessionInfo> leaked = stub.snapshot(pg.target, oldShaped).idleInTransactionSessions();
      assertThat(leaked).extracting(SessionInfo::pid).containsExactlyInAnyOrder(pids[0], pids[1], pids[2]);
      assertThat(leaked).allMatch(SessionInfo::terminable);
      TerminationResult r = stub.terminateIdleInTransaction(pg.target, oldShaped, leaked);
      assertThat(r.outcomes()).extracting(SessionOutcome::result)
          .containsExactly(Result.TERMINATED, Result.TERMINATED, Result.REFUSED);
      assertThat(r.outcomes().get(2).detail()).isEqualTo("cap of 2 sessions per action reached");
    } finally {
      env.close();
    }
  }
}
