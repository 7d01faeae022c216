package dev.remediator.config;

import dev.remediator.incident.RunbookPolicy;
import dev.remediator.incident.Target;
import java.time.Duration;
import java.util.List;

/**
 * One service Remediator may act on (its PostgreSQL pool, its Deployment). Only configured targets are ever touched.
 *
 * @param service the {@code service} alert label and the application's name
 * @param namespace the Kubernetes namespace (and {@code namespace} alert label)
 * @param database the database name (and {@code database} alert label); none for a target no runbook needing a
 *     database acts on (then no {@code postgres} either)
 * @param postgres how to reach the database; credentials are references to env vars or files
 * @param kubernetes the workload behind the service
 * @param endpoints the service's /health and /ready URLs
 * @param policy the runbook policy, merged over the file's {@code defaults}
 */
public record TargetConfig(
    String service,
    String namespace,
    String database,
    Postgres postgres,
    Kubernetes kubernetes,
    Endpoints endpoints,
    RunbookPolicy policy) {

  public Target target() {
    return new Target(namespace, service, database);
  }

  /**
   * @param url JDBC URL of the database, e.g. {@code jdbc:postgresql://db:5432/authdb}
   * @param user role name, or {@code userEnv}/{@code userFile} to read it
   * @param passwordEnv env var holding the password, or {@code passwordFile} to read it from a file
   * @param applicationRoles database roles of the application; only their sessions may be terminated
   * @param applicationNames {@code application_name}s of the application (alternative or addition to roles)
   * @param connectTimeout TCP/login timeout for every connection Remediator opens (default 5 s)
   * @param statementTimeout {@code statement_timeout} for its statements (default 10 s)
   */
  public record Postgres(
      String url,
      String user,
      String userEnv,
      String userFile,
      String passwordEnv,
      String passwordFile,
      List<String> applicationRoles,
      List<String> applicationNames,
      Duration connectTimeout,
      Duration statementTimeout,
      Boolean terminateSuperusers,
      List<String> excludeApplicationNames) {

    /** {@code application_name}s that are never terminated, whatever the configuration says. */
    public static final List<String> ALWAYS_EXCLUDED_APPLICATION_NAMES = List.of("remediator", "postgres_exporter");

    public boolean terminateSuperusersOrDefault() {
      return Boolean.TRUE.equals(terminateSuperusers);
    }

    /** The always-excluded names plus the configured ones. */
    public List<String> excludedApplicationNames() {
      List<String> all = new java.util.ArrayList<>(ALWAYS_EXCLUDED_APPLICATION_NAMES);
      if (excludeApplicationNames != null) {
        excludeApplicationNames.stream().filter(n -> n != null && !all.contains(n)).forEach(all::add);
      }
      return List.copyOf(all);
    }

    public Duration connectTimeoutOrDefault() {
      return connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
    }

    public Duration statementTimeoutOrDefault() {
      return statementTimeout == null ? Duration.ofSeconds(10) : statementTimeout;
    }

    /** The role name, resolved from the config value, env var or file. */
    public String resolveUser() {
      return Secrets.resolve("postgres user", user, userEnv, userFile);
    }

    /** The password, resolved from its env var or file at the moment of use; null when none is configured. */
    public String resolvePassword() {
      if (passwordEnv == null && passwordFile == null) {
        return null;
      }
      return Secrets.resolve("postgres password", null, passwordEnv, passwordFile);
    }
  }

  /**
   * @param deployment the Deployment to restart or resize
   * @param container the container whose env holds the pool settings (default: the deployment name)
   * @param podSelector label selector of the deployment's pods, e.g. {@code app=auth-service}
   * @param poolEnv the container's pool env vars, default {@code [DATABASE_POOL_SIZE, DATABASE_MAX_OVERFLOW]}
   */
  public record Kubernetes(String deployment, String container, String podSelector, List<String> poolEnv) {
    public String containerOrDefault() {
      return container == null || container.isBlank() ? deployment : container;
    }

    public List<String> poolEnvOrDefault() {
      return poolEnv == null || poolEnv.isEmpty() ? List.of("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW") : poolEnv;
    }
  }

  /** The service's probe URLs (the runbook's {@code curl -f .../health} and {@code .../ready}). */
  public record Endpoints(String health, String ready) {}
}
