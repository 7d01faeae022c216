package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.KubeFixture.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.remediator.activities.TargetDirectory;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.SimilarIssues;
import dev.remediator.incident.SimilarIssues.Elsewhere;
import dev.remediator.incident.SimilarIssues.Finding;
import dev.remediator.incident.Target;
import dev.remediator.kubernetes.servicedown.WorkloadActivitiesImpl;
import dev.remediator.runbook.servicedown.SameChange;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Service Down runbook's check for similar issues against fabric8's mock API server: the other targets'
 * Deployments on the failing revision's image or with a new revision within the window, one that is Forbidden
 * (an expectation: the mock enforces no RBAC), one that does not exist; only gets and lists are sent.
 */
class SimilarWorkloadScanTest {
  static final String BAD_IMAGE = "registry.example/auth-service:2.5.0";
  static final Target AUTH = new Target(NS, "auth-service", "authdb");
  static final Target ORDERS = new Target(NS, "orders-service", null);
  static final Target REPORTS = new Target(NS, "reports-service", null);
  static final Target PAYMENTS = new Target(NS, "payments-service", null);
  static final Target LEDGER = new Target(NS, "ledger-service", null);

  static final String CONFIG = """
      targets:
        - {service: auth-service, namespace: prod, database: authdb,
           postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator},
           kubernetes: {deployment: auth-service},
           endpoints: {health: "http://auth-service.prod.svc:8000/health"}}
        - {service: auth-admin, namespace: prod, kubernetes: {deployment: auth-service},
           endpoints: {health: "http://auth-service.prod.svc:8000/health"}}
        - {service: billing, namespace: prod, database: billingdb,
           postgres: {url: "jdbc:postgresql://db:5432/billingdb", user: remediator},
           kubernetes: {deployment: billing}}
        - {service: orders-service, namespace: prod, kubernetes: {deployment: orders},
           endpoints: {health: "http://orders.prod.svc:8000/health"}}
        - {service: reports-service, namespace: prod, kubernetes: {deployment: reports},
           endpoints: {health: "http://reports.prod.svc:8000/health"}}
        - {service: payments-service, namespace: prod, kubernetes: {deployment: payments},
           endpoints: {health: "http://payments.prod.svc:8000/health"}}
        - {service: ledger-service, namespace: prod, kubernetes: {deployment: ledger},
           endpoints: {health: "http://ledger.prod.svc:8000/health"}}
      """;

  final KubeFixture k8s = new KubeFixture();
  final WorkloadFixture cluster = new WorkloadFixture(k8s);
  WorkloadActivitiesImpl activities;

  @BeforeEach
  void cluster() {
    k8s.server.expect().get().withPath("/apis/apps/v1/namespaces/prod/deployments/payments")
        .andReturn(403, """
            {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,
             "message":"deployments.apps \\"payments\\" is forbidden: User \\"system:serviceaccount:remediator:remediator\\" cannot get resource \\"deployments\\""}
            """).always();
    for (String[] d : new String[][] {{"auth-service", BAD_IMAGE}, {"orders", BAD_IMAGE},
        {"reports", "registry.example/reports:1.0"}}) {
      Deployment created = k8s.client.apps().deployments().inNamespace(NS).resource(deployment(d[0], d[1])).create();
      cluster.replicaSet(d[0], "5d8f7b9c4", 1, 1, 1, created.getSpec().getTemplate());
    }
    activities = new WorkloadActivitiesImpl(new TargetDirectory(ConfigLoader.parse(CONFIG, "test")),
        () -> k8s.client, Duration.ZERO);
  }

  @AfterEach
  void close() {
    k8s.close();
  }

  private static Deployment deployment(String name, String image) {
    return new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).addToLabels("app", name).endMetadata()
        .withNewSpec().withReplicas(1)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName(name).withImage(image).endContainer().endSpec()
        .endTemplate().endSpec().build();
  }

  private static RunbookPolicy policy() {
    return ConfigLoader.parsePolicy("{similarScanBudget: 5s, similarScanConcurrency: 2}");
  }

  @Test
  void listsTheDeploymentsOnTheFailingImageAndTheUncheckedOnesWithTheReasonReadOnly() {
    SameChange change = new SameChange(2, List.of(BAD_IMAGE), Instant.now().minus(Duration.ofDays(1)).toString(),
        Duration.ofHours(2));
    k8s.sent.clear();
    SimilarIssues found = activities.similarElsewhere(AUTH, policy(), change);

    // auth-admin shares the incident's Deployment, billing has no probe (no Service Down target): neither is listed.
    assertThat(found.targets()).extracting(Elsewhere::target, Elsewhere::finding).containsExactly(
        tuple(ORDERS, Finding.SAME_PATTERN), tuple(REPORTS, Finding.CLEAN), tuple(PAYMENTS, Finding.UNCHECKED),
        tuple(LEDGER, Finding.UNCHECKED));
    assertThat(found.targets().get(0).detail()).isEqualTo("runs the same image " + BAD_IMAGE);
    assertThat(found.targets().get(1).detail()).startsWith("runs registry.example/reports:1.0; newest revision 1");
    assertThat(found.targets().get(2).detail()).startsWith("forbidden: cannot get deployments.apps");
    assertThat(found.targets().get(3).detail()).startsWith("not found: deployments.apps ledger");
    assertThat(found.line()).startsWith("1 other service shows the same pattern: orders-service (runs the same image "
        + BAD_IMAGE + "); 2 not checked: payments-service (forbidden");
    assertThat(k8s.sent).extracting(KubeFixture.Sent::method).containsOnly("GET"); // never acts on them
  }

  @Test
  void aNewRevisionWithinTheWindowOfTheIncidentsChangeIsTheSameRecentChange() {
    SameChange change = new SameChange(2, List.of("registry.example/other:9"), Instant.now().toString(),
        Duration.ofHours(2));
    SimilarIssues found = activities.similarElsewhere(AUTH, policy(), change);

    assertThat(found.with(Finding.SAME_PATTERN)).extracting(Elsewhere::target).containsExactly(ORDERS, REPORTS);
    assertThat(found.targets().get(1).detail()).startsWith("new revision 1 at ").endsWith("within 2 h of this"
        + " incident's");
  }
}
