package dev.remediator.kubernetes.real;

import static dev.remediator.kubernetes.real.RealApi.BAD;
import static dev.remediator.kubernetes.real.RealApi.GOOD;
import static dev.remediator.kubernetes.real.RealApi.NAME;
import static dev.remediator.kubernetes.real.RealApi.NS;
import static dev.remediator.kubernetes.real.RealApi.ROLLOUT;
import static dev.remediator.kubernetes.real.RealApi.TARGET;
import static dev.remediator.kubernetes.real.RealApi.admin;
import static dev.remediator.kubernetes.real.RealApi.targets;
import static dev.remediator.kubernetes.real.RealApi.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.SimilarIssues.Elsewhere;
import dev.remediator.incident.SimilarIssues.Finding;
import dev.remediator.incident.Target;
import dev.remediator.kubeplane.ControlPlane;
import dev.remediator.kubeplane.ControlPlaneExtension;
import dev.remediator.kubernetes.Deployments;
import dev.remediator.kubernetes.servicedown.WorkloadActivitiesImpl;
import dev.remediator.runbook.servicedown.SameChange;
import dev.remediator.runbook.servicedown.WorkloadActivities;
import dev.remediator.runbook.servicedown.WorkloadStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Service Down runbook's check for similar issues in other services ({@code similarElsewhere}, the activity the
 * worker registers) on the real control plane with the worker's token: Deployments the real controller rolled out,
 * their ReplicaSets and revision annotations as it wrote them, a namespace the worker's RBAC does not cover, a
 * configured Deployment that does not exist. The findings are checked against what the API server holds, and every
 * Deployment and ReplicaSet read is checked to be unwritten (resourceVersion before = after).
 *
 * <p>The window of "the same recent change" is a few seconds here (a policy's {@code badRolloutAge}), so "before the
 * window" and "after it" are real creation times a few seconds apart: the test awaits the clock passing them.
 */
@ExtendWith(ControlPlaneExtension.class)
class RealSimilarScanTest {
  static final String STAGING = "staging";
  /** The same release as the incident's, in another Deployment: rolled out to the failing image before the window. */
  static final String SAME_IMAGE = "auth-worker";
  /** Another image, unchanged since before the window. */
  static final String OTHER = "reports";
  /** Another image, changed (a real new revision) within the window of the incident's change. */
  static final String RECENT = "payments";
  /** Unchanged since before the window, but a {@code kubectl rollout restart} within it: routine, not a change. */
  static final String RESTARTED = "search";
  /** Changed within the window, then restarted after it: its newest change is still the same recent change. */
  static final String CHANGED_THEN_RESTARTED = "cart";
  /** Configured and allowed by the Role, but not in the cluster. */
  static final String MISSING = "ledger";
  /** In namespace staging, where the worker's ServiceAccount has no Role: a real RBAC Forbidden. */
  static final String ELSEWHERE = "inventory";
  static final List<String> IN_PROD = List.of(NAME, SAME_IMAGE, OTHER, RECENT, RESTARTED, CHANGED_THEN_RESTARTED);
  /** The Role the operator adds for the targets beyond deploy/'s (its comment: "add its name to resourceNames"). */
  static final String ROLE = "remediator-worker-similar-scan-test";
  static final Duration WINDOW = Duration.ofSeconds(8);

  static final String CONFIG =
      """
      targets:
        - {service: auth-service, namespace: prod, database: authdb,
           postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator},
           kubernetes: {deployment: auth-service, container: auth-service, podSelector: app=auth-service},
           endpoints: {health: "http://auth-service.prod.svc:8000/health"}}
        - {service: auth-admin, namespace: prod, kubernetes: {deployment: auth-service},
           endpoints: {health: "http://auth-service.prod.svc:8000/health"}}
      """
          + Stream.of(SAME_IMAGE, OTHER, RECENT, RESTARTED, CHANGED_THEN_RESTARTED, MISSING)
              .map(n -> target(NS, n)).reduce("", String::concat)
          + target(STAGING, ELSEWHERE);

  final TargetDirectory targets = targets(CONFIG);
  TestActivityEnvironment env;
  WorkloadActivities scanner;

  static String target(String namespace, String name) {
    return "  - {service: " + name + ", namespace: " + namespace + ", kubernetes: {deployment: " + name + "},"
        + " endpoints: {health: \"http://" + name + "." + namespace + ".svc:8000/health\"}}\n";
  }

  static Target of(String namespace, String name) {
    return new Target(namespace, name, null);
  }

  @BeforeEach
  void fresh() {
    cleanUp();
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new WorkloadActivitiesImpl(targets, RealApi::worker));
    scanner = env.newActivityStub(WorkloadActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
  }

  @AfterEach
  void cleanUp() {
    if (env != null) {
      env.close();
    }
    IN_PROD.forEach(RealApi::remove);
    if (admin().apps().deployments().inNamespace(STAGING).withName(ELSEWHERE).get() != null) {
      admin().apps().deployments().inNamespace(STAGING).withName(ELSEWHERE)
          .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
      await().atMost(ROLLOUT)
          .until(() -> admin().apps().deployments().inNamespace(STAGING).withName(ELSEWHERE).get() == null);
    }
    admin().rbac().roleBindings().inNamespace(NS).withName(ROLE).delete();
    admin().rbac().roles().inNamespace(NS).withName(ROLE).delete();
    // deploy/'s permissions alone again (DeployOnRealApiTest compares them with the README's table)
    await().atMost(ROLLOUT).until(() -> !workerMayGet(NS, OTHER));
  }

  @Test
  void findsTheSameImageAndTheSameRecentChangeAsTheApiServerHoldsThemAndWritesNothing() {
    grantTheOtherTargets();
    if (admin().namespaces().withName(STAGING).get() == null) {
      admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(STAGING).endMetadata().build())
          .create();
    }
    // Before the window: every Deployment created, the other release rolled out to the failing image (revision 2,
    // stuck: its new pod crash-loops), the one to be restarted with its only change.
    createAvailable(NS, NAME, GOOD);
    createAvailable(NS, SAME_IMAGE, GOOD);
    createAvailable(NS, OTHER, "registry.example/reports:1.0");
    createAvailable(NS, RECENT, "registry.example/payments:3.0");
    createAvailable(NS, RESTARTED, "registry.example/search:7.2");
    createAvailable(NS, CHANGED_THEN_RESTARTED, "registry.example/cart:4.0");
    // on the failing image too (its pod crash-loops): were it readable, it would be the same pattern
    admin().apps().deployments().inNamespace(STAGING).resource(RealApi.deployment(ELSEWHERE, BAD)
        .editMetadata().withNamespace(STAGING).endMetadata().editSpec().withReplicas(1).endSpec().build()).create();
    awaitNewestRevision(STAGING, ELSEWHERE, 1);
    setImage(NS, SAME_IMAGE, BAD);
    awaitNewestRevision(NS, SAME_IMAGE, 2);
    Instant before = Stream.of(SAME_IMAGE, OTHER, RECENT, RESTARTED, CHANGED_THEN_RESTARTED)
        .flatMap(n -> replicaSets(NS, n).stream()).map(rs -> Instant.parse(rs.getMetadata().getCreationTimestamp()))
        .max(Comparator.naturalOrder()).orElseThrow();
    // The window is about creation times: wait for the clock, not for a state.
    await().atMost(ROLLOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> Instant.now().isAfter(before.plus(WINDOW).plusSeconds(3)));

    // The incident's bad rollout, and within its window: a real change, a restart, a change to be restarted later.
    setImage(NS, NAME, BAD);
    setImage(NS, RECENT, "registry.example/payments:3.1");
    restart(RESTARTED);
    setImage(NS, CHANGED_THEN_RESTARTED, "registry.example/cart:4.1");
    awaitNewestRevision(NS, NAME, 2);
    awaitNewestRevision(NS, RECENT, 2);
    awaitNewestRevision(NS, RESTARTED, 2);
    awaitNewestRevision(NS, CHANGED_THEN_RESTARTED, 2);
    Instant changed = created(newest(NS, NAME));
    for (String n : List.of(RECENT, RESTARTED, CHANGED_THEN_RESTARTED)) {
      assertThat(Duration.between(changed, created(newest(NS, n))).abs())
          .as("setup: %s's revision 2 within the window of the incident's", n).isLessThanOrEqualTo(WINDOW);
    }
    await().atMost(ROLLOUT).pollInterval(Duration.ofMillis(200))
        .until(() -> Instant.now().isAfter(changed.plus(WINDOW).plusSeconds(3)));
    restart(CHANGED_THEN_RESTARTED);
    awaitNewestRevision(NS, CHANGED_THEN_RESTARTED, 3);
    Stream.of(RECENT, RESTARTED, CHANGED_THEN_RESTARTED).forEach(n -> awaitComplete(NS, n));
    awaitSettled(NS, NAME);
    awaitSettled(NS, SAME_IMAGE);

    // The incident's change as the workflow derives it (SameChange.of): the diagnosis's first look, worker's token.
    WorkloadStatus first = scanner.inspect(TARGET, Duration.ofMinutes(10), 5);
    WorkloadStatus.Revision failing = first.history().stream().filter(r -> r.revision() == 2).findFirst()
        .orElseThrow();
    assertThat(failing.images()).containsExactly(BAD);
    SameChange change = new SameChange(failing.revision(), failing.images(),
        Instant.parse(first.observedAt()).minusSeconds(failing.ageSeconds()).toString(), WINDOW);
    assertThat(Duration.between(changed, Instant.parse(change.changedAt())).abs())
        .isLessThanOrEqualTo(Duration.ofSeconds(1));

    Map<String, String> versions = resourceVersions();
    SimilarIssues found = scanner.similarElsewhere(TARGET,
        ConfigLoader.parsePolicy("{similarScanBudget: 20s, similarScanConcurrency: 4}"), change);
    assertThat(resourceVersions()).as("read-only: every Deployment and ReplicaSet as it was").isEqualTo(versions);

    // The incident's Deployment (also auth-admin's) is not listed; the others in the configuration's order.
    assertThat(found.targets()).extracting(Elsewhere::target, Elsewhere::finding).containsExactly(
        tuple(of(NS, SAME_IMAGE), Finding.SAME_PATTERN),
        tuple(of(NS, OTHER), Finding.CLEAN),
        tuple(of(NS, RECENT), Finding.SAME_PATTERN),
        tuple(of(NS, RESTARTED), Finding.CLEAN),
        tuple(of(NS, CHANGED_THEN_RESTARTED), Finding.SAME_PATTERN),
        tuple(of(NS, MISSING), Finding.UNCHECKED),
        tuple(of(STAGING, ELSEWHERE), Finding.UNCHECKED));
    Map<String, String> detail = new TreeMap<>();
    found.targets().forEach(e -> detail.put(e.target().service(), e.detail()));

    // What the API server holds: the templates' images, the ReplicaSets' revisions and creation times.
    assertThat(images(NS, SAME_IMAGE)).containsExactly(BAD);
    assertThat(revisionOf(newest(NS, SAME_IMAGE))).isEqualTo(2);
    assertThat(detail.get(SAME_IMAGE)).isEqualTo("runs the same image " + BAD);

    ReplicaSet other = newest(NS, OTHER);
    assertThat(revisionOf(other)).isEqualTo(1);
    assertThat(detail.get(OTHER)).isEqualTo("runs registry.example/reports:1.0; newest revision 1 at " + created(other));

    ReplicaSet recent = newest(NS, RECENT);
    assertThat(revisionOf(recent)).isEqualTo(2);
    assertThat(images(recent)).containsExactly("registry.example/payments:3.1");
    assertThat(detail.get(RECENT)).isEqualTo("new revision 2 at " + created(recent) + ", within 8 s of this"
        + " incident's");

    // A rollout restart is a revision too (the controller makes a ReplicaSet for it), but not a change.
    ReplicaSet restarted = newest(NS, RESTARTED);
    ReplicaSet restartedFrom = revision(NS, RESTARTED, 1);
    assertThat(revisionOf(restarted)).isEqualTo(2);
    assertThat(restarted.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKey("kubectl.kubernetes.io/restartedAt");
    assertThat(detail.get(RESTARTED)).isEqualTo("runs registry.example/search:7.2; newest revision 2 at "
        + created(restarted) + " (a rollout restart or pool-size change); its last change revision 1 at "
        + created(restartedFrom));

    ReplicaSet cartChange = revision(NS, CHANGED_THEN_RESTARTED, 2);
    assertThat(revisionOf(newest(NS, CHANGED_THEN_RESTARTED))).isEqualTo(3);
    assertThat(Duration.between(changed, created(newest(NS, CHANGED_THEN_RESTARTED)))).isGreaterThan(WINDOW);
    assertThat(detail.get(CHANGED_THEN_RESTARTED)).isEqualTo("new revision 2 at " + created(cartChange)
        + ", within 8 s of this incident's (revision 3 since: a rollout restart or pool-size change)");

    // Not found only because the Role names it: the API server answers 404, not 403.
    assertThat(detail.get(MISSING)).startsWith("not found: deployments.apps " + MISSING);
    assertThat(detail.get(ELSEWHERE))
        .startsWith("forbidden: cannot get deployments.apps in namespace staging — grant verb get on"
            + " deployments.apps in namespace staging to Remediator's service account")
        .hasSize(160).endsWith("…"); // BoundedScan clips the API server's message (which names the ServiceAccount)
    assertThat(admin().apps().deployments().inNamespace(STAGING).withName(ELSEWHERE).get()).isNotNull();

    assertThat(found.line()).startsWith("3 other services show the same pattern: " + SAME_IMAGE);
  }

  // ---- setup, as the admin ----------------------------------------------------------------------------------------

  /** A Role and binding for the worker beyond deploy/'s: get on the other targets' Deployments in prod, by name. */
  static void grantTheOtherTargets() {
    admin().rbac().roles().inNamespace(NS).resource(new RoleBuilder()
        .withNewMetadata().withName(ROLE).withNamespace(NS).endMetadata()
        .addNewRule().withApiGroups("apps").withResources("deployments")
        .withResourceNames(SAME_IMAGE, OTHER, RECENT, RESTARTED, CHANGED_THEN_RESTARTED, MISSING)
        .withVerbs("get").endRule()
        .build()).create();
    admin().rbac().roleBindings().inNamespace(NS).resource(new RoleBindingBuilder()
        .withNewMetadata().withName(ROLE).withNamespace(NS).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(ROLE).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(ControlPlane.WORKER)
        .withNamespace(ControlPlane.WORKER_NAMESPACE).endSubject()
        .build()).create();
    await().atMost(ROLLOUT).until(() -> workerMayGet(NS, OTHER));
  }

  static boolean workerMayGet(String namespace, String deployment) {
    return worker().authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
        .withNewSpec().withNewResourceAttributes().withGroup("apps").withResource("deployments").withVerb("get")
        .withNamespace(namespace).withName(deployment).endResourceAttributes().endSpec().build())
        .getStatus().getAllowed();
  }

  /** One replica of {@code image}, created and available. */
  static void createAvailable(String namespace, String name, String image) {
    admin().apps().deployments().inNamespace(namespace).resource(RealApi.deployment(name, image)
        .editMetadata().withNamespace(namespace).endMetadata().editSpec().withReplicas(1).endSpec().build()).create();
    awaitComplete(namespace, name);
  }

  static void setImage(String namespace, String name, String image) {
    admin().apps().deployments().inNamespace(namespace).withName(name).patch(
        PatchContext.of(PatchType.STRATEGIC_MERGE), "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\""
            + name + "\",\"image\":\"" + image + "\"}]}}}}");
  }

  static void restart(String name) {
    Kubectl k = Kubectl.run("rollout", "restart", "deployment/" + name);
    assertThat(k.exit()).as(k.err()).isZero();
  }

  static Deployment deployment(String namespace, String name) {
    return admin().apps().deployments().inNamespace(namespace).withName(name).get();
  }

  /** Observed, every replica updated and available, no old one left. */
  static void awaitComplete(String namespace, String name) {
    await().atMost(ROLLOUT).until(() -> {
      Deployment d = deployment(namespace, name);
      return d.getStatus() != null && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
          && Integer.valueOf(1).equals(d.getStatus().getUpdatedReplicas())
          && Integer.valueOf(1).equals(d.getStatus().getAvailableReplicas())
          && Integer.valueOf(1).equals(d.getStatus().getReplicas());
    });
  }

  /** A stuck bad rollout at rest: observed, the new ReplicaSet's pod created and crash-looping. */
  static void awaitSettled(String namespace, String name) {
    await().atMost(ROLLOUT).until(() -> {
      Deployment d = deployment(namespace, name);
      ReplicaSet rs = newest(namespace, name);
      return d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
          && rs.getStatus() != null && rs.getMetadata().getGeneration().equals(rs.getStatus().getObservedGeneration())
          && Integer.valueOf(1).equals(rs.getStatus().getReplicas())
          && Integer.valueOf(1).equals(d.getStatus().getUpdatedReplicas())
          && RealApi.pods(name).stream().filter(p -> p.getStatus().getContainerStatuses() != null)
                  .flatMap(p -> p.getStatus().getContainerStatuses().stream())
              .anyMatch(c -> c.getState().getWaiting() != null
                  && "CrashLoopBackOff".equals(c.getState().getWaiting().getReason()));
    });
  }

  static void awaitNewestRevision(String namespace, String name, long revision) {
    await().atMost(ROLLOUT).until(() -> {
      Deployment d = deployment(namespace, name);
      return d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
          && Deployments.revision(d.getMetadata().getAnnotations()) == revision
          && revisionOf(newest(namespace, name)) == revision;
    });
  }

  // ---- what the API server holds ----------------------------------------------------------------------------------

  static List<ReplicaSet> replicaSets(String namespace, String name) {
    return admin().apps().replicaSets().inNamespace(namespace).withLabel("app", name).list().getItems();
  }

  static ReplicaSet newest(String namespace, String name) {
    return replicaSets(namespace, name).stream().max(Comparator.comparingLong(RealSimilarScanTest::revisionOf))
        .orElseThrow();
  }

  static ReplicaSet revision(String namespace, String name, long revision) {
    return replicaSets(namespace, name).stream().filter(rs -> revisionOf(rs) == revision).findFirst().orElseThrow();
  }

  static long revisionOf(ReplicaSet rs) {
    return Deployments.revision(rs.getMetadata().getAnnotations());
  }

  static Instant created(ReplicaSet rs) {
    return Instant.parse(rs.getMetadata().getCreationTimestamp());
  }

  static List<String> images(String namespace, String name) {
    return deployment(namespace, name).getSpec().getTemplate().getSpec().getContainers().stream()
        .map(c -> c.getImage()).toList();
  }

  static List<String> images(ReplicaSet rs) {
    return rs.getSpec().getTemplate().getSpec().getContainers().stream().map(c -> c.getImage()).toList();
  }

  /** Every Deployment and ReplicaSet in prod and staging: kind/namespace/name → resourceVersion. */
  static Map<String, String> resourceVersions() {
    Map<String, String> versions = new TreeMap<>();
    for (String ns : List.of(NS, STAGING)) {
      admin().apps().deployments().inNamespace(ns).list().getItems().forEach(
          d -> versions.put("Deployment/" + ns + "/" + d.getMetadata().getName(), d.getMetadata().getResourceVersion()));
      admin().apps().replicaSets().inNamespace(ns).list().getItems().forEach(
          rs -> versions.put("ReplicaSet/" + ns + "/" + rs.getMetadata().getName(),
              rs.getMetadata().getResourceVersion()));
    }
    assertThat(versions).hasSizeGreaterThanOrEqualTo(2 * 7);
    return versions;
  }
}
