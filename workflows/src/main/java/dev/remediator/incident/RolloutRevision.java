package dev.remediator.incident;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** One revision of the deployment (a ReplicaSet): the runbook's "recent application changes". */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RolloutRevision(long revision, String createdAt, String changeCause, List<String> images, int replicas) {}
