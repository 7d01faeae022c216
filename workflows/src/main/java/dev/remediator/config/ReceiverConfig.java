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
 * @param trustedProxies addresses or CIDR ranges of the ingress or proxies in front of the receiver (e.g.
 *     {@code 10.0.0.0/8}); a request from one of them counts against the client its {@code X-Forwarded-For} names
 *     (the last address there that is not itself trusted), not against the proxy. Empty: the peer address.
 */
public record ReceiverConfig(
    Integer port, String tokenEnv, String tokenFile, boolean authDisabled, List<ApiToken> apiTokens,
    List<String> trustedProxies) {

  public ReceiverConfig(Integer port, String tokenEnv, String tokenFile, boolean authDisabled, List<ApiToken> apiTokens) {
    this(port, tokenEnv, tokenFile, authDisabled, apiTokens, null);
  }

  public List<String> trustedProxiesOrEmpty() {
    return trustedProxies == null ? List.of() : trustedProxies;
  }

  public int portOrDefault() {
    return port == null ? 8080 : port;
  }

  /** An approval-API token (from env or file) and the identity it stands for. */
  public record ApiToken(String identity, String tokenEnv, String tokenFile) {}
}
