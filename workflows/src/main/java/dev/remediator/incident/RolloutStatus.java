package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A deployment's rollout, judged like {@code kubectl rollout status}.
 *
 * @param complete observedGeneration ≥ generation and updated == available == desired replicas
 * @param failed progressDeadlineSeconds exceeded ({@code ProgressDeadlineExceeded})
 * @param message what kubectl would print
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RolloutStatus(
    boolean complete,
    boolean failed,
    int desiredReplicas,
    int updatedReplicas,
    int availableReplicas,
    String message) {}
