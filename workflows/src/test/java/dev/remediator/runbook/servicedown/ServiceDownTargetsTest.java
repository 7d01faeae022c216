package dev.remediator.runbook.servicedown;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Alert labels → the configured target of the Deployment, one incident per Deployment. */
class ServiceDownTargetsTest {
  static final RemediatorConfig CONFIG = ConfigLoader.parse("""
      targets:
        - service: auth-service
          namespace: prod
          database: authdb
          postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator}
          kubernetes: {deployment: auth-service}
        - service: auth-service
          namespace: prod
          database: sessions
          postgres: {url: "jdbc:postgresql://db:5432/sessions", user: remediator}
          kubernetes: {deployment: auth-service}
        - service: auth-service-worker
          namespace: prod
          database: authdb
          postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator}
          kubernetes: {deployment: auth-service-worker}
        - service: billing
          namespace: prod
          database: billingdb
          postgres: {url: "jdbc:postgresql://db:5432/billingdb", user: remediator}
        - service: auth-service
          namespace: staging
          database: authdb
          postgres: {url: "jdbc:postgresql://db:5432/authdb", user: remediator}
          kubernetes: {deployment: auth-service}
      """, "test");

  static Optional<String> target(Map<String, String> labels) {
    return ServiceDownTargets.forLabels(CONFIG, labels).map(t -> t.target().id());
  }

  @Test
  void serviceDownNamesNamespaceAndService() {
    assertThat(target(Map.of("alertname", "ServiceDown", "namespace", "prod", "service", "auth-service")))
        .contains("prod/auth-service/authdb");
    assertThat(target(Map.of("alertname", "ServiceDown", "namespace", "staging", "service", "auth-service")))
        .contains("staging/auth-service/authdb");
    // billing has no kubernetes.deployment: nothing this runbook may act on.
    assertThat(target(Map.of("alertname", "ServiceDown", "namespace", "prod", "service", "billing"))).isEmpty();
    assertThat(target(Map.of("alertname", "ServiceDown", "namespace", "dev", "service", "auth-service"))).isEmpty();
    assertThat(target(Map.of("alertname", "ServiceDown", "service", "auth-service"))).isEmpty();
  }

  @Test
  void crashLoopingNamesAPodOfTheDeploymentTheLongestMatchingNameWins() {
    assertThat(target(Map.of("alertname", "KubePodCrashLooping", "namespace", "prod",
        "pod", "auth-service-7d9f8c6b5-x2x4q", "container", "auth-service"))).contains("prod/auth-service/authdb");
    assertThat(target(Map.of("alertname", "KubePodCrashLooping", "namespace", "prod",
        "pod", "auth-service-worker-6c7d8e9f-abcde"))).contains("prod/auth-service-worker/authdb");
    // Not a Deployment's pod name (a StatefulSet's, a bare pod), another namespace, no pod label.
    assertThat(target(Map.of("alertname", "KubePodCrashLooping", "namespace", "prod", "pod", "auth-service-0")))
        .isEmpty();
    assertThat(target(Map.of("alertname", "KubePodCrashLooping", "namespace", "prod", "pod", "auth-service")))
        .isEmpty();
    assertThat(target(Map.of("alertname", "KubePodCrashLooping", "namespace", "dev",
        "pod", "auth-service-7d9f8c6b5-x2x4q"))).isEmpty();
    assertThat(target(Map.of("alertname", "KubePodCrashLooping", "namespace", "prod"))).isEmpty();
    assertThat(target(Map.of("alertname", "DatabaseConnectionPoolHigh", "namespace", "prod",
        "service", "auth-service"))).isEmpty();
  }

  @Test
  void bothAlertsOfOneDeploymentNameItsFirstConfiguredTarget() {
    TargetConfig byService = ServiceDownTargets.forLabels(CONFIG,
        Map.of("alertname", "ServiceDown", "namespace", "prod", "service", "auth-service")).orElseThrow();
    TargetConfig byPod = ServiceDownTargets.forLabels(CONFIG,
        Map.of("alertname", "KubePodCrashLooping", "namespace", "prod", "pod", "auth-service-7d9f8c6b5-x2x4q"))
        .orElseThrow();

    assertThat(byService).isSameAs(byPod).isSameAs(CONFIG.targets().get(0));
    assertThat(ServiceDownTargets.representative(CONFIG, CONFIG.targets().get(1))).isSameAs(CONFIG.targets().get(0));
    assertThat(ServiceDownTargets.representative(CONFIG, CONFIG.targets().get(4))).isSameAs(CONFIG.targets().get(4));
  }
}
