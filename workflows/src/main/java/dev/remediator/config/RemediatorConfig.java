package dev.remediator.config;

import dev.remediator.incident.Target;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole configuration file: which targets exist and how the worker and receiver behave.
 * Read with {@code config.loader.ConfigLoader}; every target's policy is already merged over the defaults.
 *
 * @param taskQueue the Temporal task queue of the worker (default {@code remediator})
 * @param receiver the Alertmanager receiver and approval API
 * @param notifications channels for escalation and updates
 * @param targets the only services Remediator may act on
 * @param worker the worker's Worker Versioning identity (optional: unversioned when absent)
 */
public record RemediatorConfig(
    String taskQueue, ReceiverConfig receiver, NotificationsConfig notifications, List<TargetConfig> targets,
    WorkerConfig worker) {

  public RemediatorConfig(
      String taskQueue, ReceiverConfig receiver, NotificationsConfig notifications, List<TargetConfig> targets) {
    this(taskQueue, receiver, notifications, targets, null);
  }

  public WorkerConfig workerOrDefault() {
    return worker == null ? new WorkerConfig(null, null) : worker;
  }

  public static final String DEFAULT_TASK_QUEUE = "remediator";

  public String taskQueueOrDefault() {
    return taskQueue == null || taskQueue.isBlank() ? DEFAULT_TASK_QUEUE : taskQueue;
  }

  public ReceiverConfig receiverOrDefault() {
    return receiver == null ? new ReceiverConfig(null, null, null, false, List.of()) : receiver;
  }

  /** The target with this {@link Target#id()}, if configured. */
  public Optional<TargetConfig> target(String targetId) {
    return targets.stream().filter(t -> t.target().id().equals(targetId)).findFirst();
  }

  /**
   * The configured target named by an alert's labels ({@code namespace}, {@code service}, {@code database}).
   * All three must match exactly: an alert never reaches a target by a partial or fuzzy match.
   */
  public Optional<TargetConfig> targetForLabels(Map<String, String> labels) {
    String ns = labels.get("namespace");
    String svc = labels.get("service");
    String db = labels.get("database");
    if (ns == null || svc == null || db == null) {
      return Optional.empty();
    }
    return target(new Target(ns, svc, db).id());
  }
}
