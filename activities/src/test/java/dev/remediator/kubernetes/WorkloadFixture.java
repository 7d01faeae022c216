package dev.remediator.kubernetes;

import static dev.remediator.kubernetes.KubeFixture.NAME;
import static dev.remediator.kubernetes.KubeFixture.NS;

import dev.remediator.kubernetes.servicedown.TemplateDiff;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.time.Instant;
import java.util.List;

/**
 * The test as the deployment controller and kubelet for the Service Down runbook: it writes the ReplicaSets a
 * rollout creates (revision annotation, pod-template-hash label, ownerReferences), their pods with container
 * statuses, and the events, exactly as the controllers would. The mock API server stores them (CRUD); it runs no
 * controller, so nothing here happens by itself.
 */
final class WorkloadFixture {
  final KubeFixture k8s;

  WorkloadFixture(KubeFixture k8s) {
    this.k8s = k8s;
  }

  /** Controller: a new revision of the Deployment's current template, as ReplicaSet {@code NAME-hash}. */
  ReplicaSet replicaSet(String hash, long revision, int replicas, int ready) {
    return replicaSet(NAME, hash, revision, replicas, ready, k8s.get().getSpec().getTemplate());
  }

  ReplicaSet replicaSet(String deployment, String hash, long revision, int replicas, int ready, PodTemplateSpec t) {
    Deployment d = k8s.client.apps().deployments().inNamespace(NS).withName(deployment).get();
    PodTemplateSpec template = new PodTemplateSpecBuilder(t)
        .editOrNewMetadata().addToLabels(TemplateDiff.POD_TEMPLATE_HASH, hash).endMetadata().build();
    ReplicaSet rs = new ReplicaSetBuilder()
        .withNewMetadata().withName(deployment + "-" + hash).withNamespace(NS)
        .addToLabels("app", deployment).addToLabels(TemplateDiff.POD_TEMPLATE_HASH, hash)
        .addToAnnotations(Deployments.REVISION, Long.toString(revision))
        .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName(deployment)
        .withUid(d.getMetadata().getUid()).withController(true).endOwnerReference()
        .endMetadata()
        .withNewSpec().withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", deployment).addToMatchLabels(TemplateDiff.POD_TEMPLATE_HASH, hash)
        .endSelector()
        .withTemplate(template).endSpec()
        .withNewStatus().withReplicas(replicas).withReadyReplicas(ready).withAvailableReplicas(ready).endStatus()
        .build();
    return k8s.client.apps().replicaSets().inNamespace(NS).resource(rs).create();
  }

  /** Controller: the Deployment's revision annotation, as it sets it when a ReplicaSet becomes the new one. */
  Deployment revision(long revision) {
    return k8s.client.apps().deployments().inNamespace(NS).withName(NAME).edit(d -> {
      d.getMetadata().getAnnotations().put(Deployments.REVISION, Long.toString(revision));
      return d;
    });
  }

  /** Kubelet: a pod of a ReplicaSet with the given container statuses (Ready when every container is). */
  void pod(ReplicaSet rs, String suffix, String phase, ContainerStatus... statuses) {
    boolean ready = statuses.length > 0 && List.of(statuses).stream().allMatch(ContainerStatus::getReady);
    k8s.client.pods().inNamespace(NS).resource(new PodBuilder()
        .withNewMetadata().withName(rs.getMetadata().getName() + "-" + suffix).withNamespace(NS)
        .withLabels(rs.getSpec().getSelector().getMatchLabels())
        .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet").withName(rs.getMetadata().getName())
        .withUid(rs.getMetadata().getUid()).withController(true).endOwnerReference()
        .endMetadata()
        .withSpec(rs.getSpec().getTemplate().getSpec())
        .withNewStatus().withPhase(phase)
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .withContainerStatuses(statuses).endStatus()
        .build()).create();
  }

  static ContainerStatus running(String name) {
    return new ContainerStatusBuilder().withName(name).withReady(true).withRestartCount(0)
        .withNewState().withNewRunning().withStartedAt("2026-11-29T20:00:00Z").endRunning().endState().build();
  }

  static ContainerStatus crashLooping(String name, int restarts, String lastReason, int exitCode) {
    return new ContainerStatusBuilder().withName(name).withReady(false).withRestartCount(restarts)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
        .withMessage("back-off 5m0s restarting failed container=" + name).endWaiting().endState()
        .withNewLastState().withNewTerminated().withReason(lastReason).withExitCode(exitCode).endTerminated()
        .endLastState().build();
  }

  static ContainerStatus waiting(String name, String reason, String message) {
    return new ContainerStatusBuilder().withName(name).withReady(false).withRestartCount(0)
        .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState().build();
  }

  /** Kubelet/scheduler: an event about an object, last seen at {@code at}. */
  void event(String name, String kind, String object, String type, String reason, String message, int count,
      Instant at) {
    k8s.client.v1().events().inNamespace(NS).resource(new EventBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewInvolvedObject().withKind(kind).withName(object).withNamespace(NS).endInvolvedObject()
        .withType(type).withReason(reason).withMessage(message).withCount(count)
        .withFirstTimestamp(Deployments.rfc3339(at.minusSeconds(600)))
        .withLastTimestamp(Deployments.rfc3339(at))
        .build()).create();
  }
}
