package dev.remediator.runbook.dbperf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.loader.ConfigLoader;
import dev.remediator.registry.Runbooks;
import dev.remediator.runbook.Runbook;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Alert labels → the configured target of the database, one incident per database. */
class DbPerfTargetsTest {
  static final RemediatorConfig CONFIG = ConfigLoader.parse("""
      targets:
        - service: web
          namespace: shop
          kubernetes: {deployment: web}
          endpoints: {health: "http://web/health"}
        - service: orders-service
          namespace: shop
          database: orders
          postgres: {url: "jdbc:postgresql://db:5432/orders", user: remediator, applicationRoles: [orders]}
        - service: orders-worker
          namespace: shop
          database: orders
          postgres: {url: "jdbc:postgresql://db:5432/orders", user: remediator, applicationRoles: [worker]}
        - service: orders-service
          namespace: staging
          database: orders
          postgres: {url: "jdbc:postgresql://staging-db:5432/orders", user: remediator, applicationRoles: [orders]}
        - service: billing
          namespace: shop
          database: billing
          postgres: {url: "jdbc:postgresql://db:5432/billing", user: remediator, applicationRoles: [billing]}
      """, "test");

  static final Runbook RUNBOOK = Runbooks.forAlert(DbPerfRunbook.LOCK_WAITS).orElseThrow();

  static Optional<String> incident(Map<String, String> labels) {
    return RUNBOOK.targets().forLabels(CONFIG, labels).map(t -> RUNBOOK.incidentId(t.target()));
  }

  @Test
  void everyAlertOfTheRunbookIsRoutedToIt() {
    assertThat(RUNBOOK).isSameAs(DbPerfRunbook.DEFINITION);
    for (String alert : DbPerfRunbook.DEFINITION.alertNames()) {
      assertThat(Runbooks.forAlert(alert)).as(alert).contains(DbPerfRunbook.DEFINITION);
    }
    assertThat(DbPerfRunbook.DEFINITION.alertNames()).containsExactly("PostgresLockWaits",
        "PostgresLongRunningTransaction", "PostgresDeadlocks", "PostgresHighRollbackRate", "PostgresDeadTuplesHigh");
    assertThat(Runbooks.criticalAlerts()).doesNotContainAnyElementsOf(DbPerfRunbook.DEFINITION.alertNames());
  }

  @Test
  void datnameAndNamespaceNameTheFirstTargetOfTheDatabase() {
    assertThat(incident(Map.of("alertname", "PostgresLockWaits", "datname", "orders", "namespace", "shop")))
        .contains("dbperf:shop:orders-service:orders");
    // a second alert of the same database, named by the rule's database label: the same incident
    assertThat(incident(Map.of("alertname", "PostgresDeadlocks", "database", "orders", "namespace", "shop")))
        .contains("dbperf:shop:orders-service:orders");
    // without a namespace: the first target configured with the database, in configuration order
    assertThat(incident(Map.of("alertname", "PostgresHighRollbackRate", "datname", "orders")))
        .contains("dbperf:shop:orders-service:orders");
    assertThat(incident(Map.of("alertname", "PostgresLockWaits", "datname", "orders", "namespace", "staging")))
        .contains("dbperf:staging:orders-service:orders");
    // datname wins over database: postgres_exporter's own label
    assertThat(incident(Map.of("alertname", "PostgresLockWaits", "datname", "billing", "database", "orders")))
        .contains("dbperf:shop:billing:billing");
  }

  @Test
  void anUnknownDatabaseOrNoneNamedIsAClearRefusal() {
    Map<String, String> unknown = Map.of("alertname", "PostgresLockWaits", "datname", "inventory", "namespace", "shop");
    assertThat(incident(unknown)).isEmpty();
    assertThat(RUNBOOK.targets().noTarget("dbperf", unknown)).isEqualTo("no configured target of runbook dbperf has"
        + " database inventory in namespace shop with a postgres.url (alert PostgresLockWaits)");
    assertThat(incident(Map.of("alertname", "PostgresLockWaits", "datname", "orders", "namespace", "other")))
        .isEmpty();
    Map<String, String> none = Map.of("alertname", "PostgresDeadlocks", "namespace", "shop");
    assertThat(incident(none)).isEmpty();
    assertThat(RUNBOOK.targets().noTarget("dbperf", none)).isEqualTo("no configured target of runbook dbperf: alert"
        + " PostgresDeadlocks names no database (label datname or database)");
  }
}
