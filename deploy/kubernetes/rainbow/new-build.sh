#!/usr/bin/env bash
# One worker build for a rainbow deployment (README.md here): writes a kustomization that renders the worker
# Deployment `remediator-worker-<build>` (its pods labelled remediator.dev/build-id=<BUILD_ID>, running image tag
# <IMAGE_TAG> as that Worker Versioning build), with its own copy of the configuration, so that each build runs with
# the runbook configuration it was released with.
#
#   deploy/kubernetes/rainbow/new-build.sh BUILD_ID IMAGE_TAG [DIR]    # DIR: default builds/<BUILD_ID> here
#   kubectl apply -k deploy/kubernetes/rainbow/builds/<BUILD_ID>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:?usage: new-build.sh BUILD_ID IMAGE_TAG [DIR]}"
tag="${2:?usage: new-build.sh BUILD_ID IMAGE_TAG [DIR]}"
dir="${3:-$here/builds/$build}"
# The build ID is a label value (and the worker's --build-id): 63 characters, letters, digits, - _ . inside.
if ! [[ "$build" =~ ^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$ ]]; then
  echo "new-build.sh: build ID '$build' must be a Kubernetes label value (letters, digits, - _ . ; at most 63)" >&2
  exit 2
fi
suffix="$(printf '%s' "$build" | tr 'A-Z._' 'a-z--')"
if [ -e "$dir/kustomization.yaml" ]; then
  echo "new-build.sh: $dir exists: a build is released once (make a new build ID for a change)" >&2
  exit 2
fi
mkdir -p "$dir"
kube="$(cd "$here/.." && pwd)"
rel="$(python3 -c 'import os,sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$kube" "$(cd "$dir" && pwd)")"
cp "$kube/base/remediator.yaml" "$dir/remediator.yaml"
cp "$kube/overlays/prod/temporal.env" "$dir/temporal.env"
cat >"$dir/kustomization.yaml" <<YAML
# Worker build $build (image tag $tag), written by deploy/kubernetes/rainbow/new-build.sh: one Deployment of the
# rainbow. Keep it applied until \`remediator versions\` says its workers can be shut down, then:
#   kubectl delete -k <this directory>
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

resources:
  - $rel/base/worker

components:
  - $rel/components/worker-versioning

nameSuffix: -$suffix

labels:
  - pairs:
      app.kubernetes.io/part-of: remediator
      app.kubernetes.io/managed-by: kustomize
    includeSelectors: false
  - pairs:
      remediator.dev/build-id: "$build"
    includeSelectors: true
    includeTemplates: true

images:
  - name: remediator
    newName: registry.example.com/remediator/remediator
    newTag: "$tag"

# This build's configuration, as released with it (a later change to the base's does not reach running builds).
configMapGenerator:
  - name: remediator-config
    namespace: remediator
    files:
      - remediator.yaml
  - name: remediator-temporal
    namespace: remediator
    envs:
      - temporal.env

patches:
  # As overlays/prod's worker: three replicas over nodes and zones, the production resources.
  - target:
      kind: Deployment
    patch: |-
      - op: replace
        path: /spec/replicas
        value: 3
      - op: add
        path: /spec/template/spec/topologySpreadConstraints/-
        value:
          maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: remediator
              app.kubernetes.io/component: worker
      - op: replace
        path: /spec/template/spec/containers/0/resources
        value:
          requests: {cpu: 200m, memory: 512Mi}
          limits: {cpu: "1", memory: 1Gi}
YAML
echo "$dir"
