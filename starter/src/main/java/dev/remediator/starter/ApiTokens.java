package dev.remediator.starter;

import dev.remediator.config.ConfigException;
import dev.remediator.config.ReceiverConfig;
import dev.remediator.config.Secrets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Bearer tokens of the approval API, each standing for one identity ({@code receiver.apiTokens}). Secrets come from
 * env vars or files, resolved once at startup; an unresolvable one is a configuration error.
 */
final class ApiTokens {
  private record Entry(String identity, byte[] token) {}

  private final List<Entry> entries;

  private ApiTokens(List<Entry> entries) {
    this.entries = entries;
  }

  static ApiTokens resolve(ReceiverConfig receiver) {
    List<Entry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    List<ReceiverConfig.ApiToken> configured = receiver.apiTokens() == null ? List.of() : receiver.apiTokens();
    for (int i = 0; i < configured.size(); i++) {
      ReceiverConfig.ApiToken t = configured.get(i);
      if (t == null || t.identity() == null || t.identity().isBlank()) {
        throw new ConfigException("receiver.apiTokens[" + i + "]: identity is required");
      }
      String token = Secrets.resolve("API token of " + t.identity(), null, t.tokenEnv(), t.tokenFile());
      if (token.length() < 16) {
        throw new ConfigException("API token of " + t.identity() + " is shorter than 16 characters");
      }
      if (!seen.add(token)) {
        throw new ConfigException("API token of " + t.identity() + " is also used by another identity");
      }
      entries.add(new Entry(t.identity(), token.getBytes(StandardCharsets.UTF_8)));
    }
    return new ApiTokens(List.copyOf(entries));
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The identity the bearer token in this {@code Authorization} header stands for. */
  Optional<String> identify(String authorization) {
    byte[] given = bearer(authorization);
    if (given == null) {
      return Optional.empty();
    }
    String match = null;
    for (Entry e : entries) { // compare with every entry: timing does not tell which one matched
      if (MessageDigest.isEqual(given, e.token()) && match == null) {
        match = e.identity();
      }
    }
    return Optional.ofNullable(match);
  }

  /** The token of a {@code Bearer} authorization header, or null. */
  static byte[] bearer(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
  }
}
