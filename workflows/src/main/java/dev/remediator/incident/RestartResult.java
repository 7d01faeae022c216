package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Outcome of a rolling restart request.
 *
 * @param restarted true if the {@code kubectl.kubernetes.io/restartedAt} annotation was set by this call
 * @param restartedAt the annotation value (RFC 3339), set now or found from an earlier call of the same request
 * @param refusal why the restart was refused (rollout in progress, cooldown), else null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RestartResult(boolean restarted, String restartedAt, String refusal) {}
