package dev.remediator.runbook.dbperf;

import dev.remediator.config.RemediatorConfig;
import dev.remediator.config.TargetConfig;
import dev.remediator.runbook.Runbook;
import java.util.Map;
import java.util.Optional;

/**
 * Which configured target a Database Performance alert is about: one incident per database. postgres_exporter names
 * the database {@code datname}; rules may name it {@code database}. The first target configured with that database
 * (and a {@code postgres.url}), in configuration order, stands for it, so every alert of a database lands in one
 * incident ({@code dbperf:<namespace>:<service>:<database>} of that target) whichever services share it. A {@code
 * namespace} label, when present, must match too.
 */
final class DbPerfTargets implements Runbook.Targets {
  static final DbPerfTargets INSTANCE = new DbPerfTargets();

  private DbPerfTargets() {}

  @Override
  public Optional<TargetConfig> forLabels(RemediatorConfig config, Map<String, String> labels) {
    String database = database(labels);
    String namespace = labels.get("namespace");
    if (database == null || config.targets() == null) {
      return Optional.empty();
    }
    return config.targets().stream()
        .filter(t -> t != null && database.equals(t.database()) && t.postgres() != null
            && t.postgres().url() != null && !t.postgres().url().isBlank())
        .filter(t -> namespace == null || namespace.equals(t.namespace()))
        .findFirst();
  }

  @Override
  public String noTarget(String runbook, Map<String, String> labels) {
    String database = database(labels);
    if (database == null) {
      return "no configured target of runbook " + runbook + ": alert " + labels.get("alertname")
          + " names no database (label datname or database)";
    }
    return "no configured target of runbook " + runbook + " has database " + database
        + (labels.get("namespace") == null ? "" : " in namespace " + labels.get("namespace"))
        + " with a postgres.url (alert " + labels.get("alertname") + ")";
  }

  /** {@code datname} (postgres_exporter), else {@code database}; null when neither is set. */
  static String database(Map<String, String> labels) {
    String datname = labels.get("datname");
    String database = datname == null || datname.isBlank() ? labels.get("database") : datname;
    return database == null || database.isBlank() ? null : database;
  }
}
