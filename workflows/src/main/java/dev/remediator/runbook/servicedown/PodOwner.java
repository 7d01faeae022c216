package dev.remediator.runbook.servicedown;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Who owns a pod: its ReplicaSet and that ReplicaSet's Deployment (null when not found).
 *
 * @param ofTarget true if the Deployment is the target's configured one
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PodOwner(String pod, String replicaSet, String deployment, boolean ofTarget, String reason) {}
