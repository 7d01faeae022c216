package dev.remediator.config;

import java.util.List;

/**
 * The Alertmanager receiver and approval API.
 *
 * @param port HTTP port (default 8080)
 * @param tokenEnv env var holding the bearer token Alertmanager sends ({@code http_config.authorization})
 * @param tokenFile file holding that token (alternative to {@code tokenEnv})
 * @param authDisabled accept unauthenticated webhooks; for local development only
 * @param apiTokens tokens of the approval API, each mapped to the approver identity it speaks for
 */
public record ReceiverConfig(
    Integer port, String tokenEnv, String tokenFile, boolean authDisabled, List<ApiToken> apiTokens) {

  public int portOrDefault() {
    return port == null ? 8080 : port;
  }

  /** An approval-API token (from env or file) and the identity it stands for. */
  public record ApiToken(String identity, String tokenEnv, String tokenFile) {}
}
