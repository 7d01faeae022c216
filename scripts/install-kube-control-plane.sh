#!/usr/bin/env bash
# Builds a pinned Kubernetes control plane for the real-API tests (issue 28) from the Go module proxy alone — no binary
# download: kube-apiserver, kube-controller-manager, kube-scheduler and kubectl (k8s.io/kubernetes), etcd
# (go.etcd.io/etcd/server/v3) and kwok (sigs.k8s.io/kwok: nodes and pods without a kubelet), plus the KWOK stages the
# tests need (node fast, pod fast, and a crash-loop stage that reports what a kubelet reports).
# Idempotent: a binary already in the cache is reused. Progress goes to stderr; the last line on stdout is the cache
# directory alone, for scripts: REMEDIATOR_KUBE_DIR="$(scripts/install-kube-control-plane.sh | tail -1)".
# Cold builds take many minutes (see docs/kubernetes-control-plane.md); GO_BUILD_FLAGS (default "-p 2") and
# NICE (default 19) keep them polite on a shared machine.
set -euo pipefail
kube_version="${KUBE_VERSION:-1.34.4}"
etcd_version="${ETCD_VERSION:-3.6.16}"
kwok_version="${KWOK_VERSION:-0.8.0}"
dir="${REMEDIATOR_KUBE_CACHE:-$HOME/.cache/remediator/kube-$kube_version}"
build_flags="${GO_BUILD_FLAGS:--p 2}"
nice_level="${NICE:-19}"
here="$(cd "$(dirname "$0")" && pwd)"

command -v go >/dev/null || { echo "go is required (the Go toolchain builds the control plane)" >&2; exit 1; }
mkdir -p "$dir/bin" "$dir/src" "$dir/stages"
log() { echo "[kube-control-plane] $*" >&2; }

# Runs "go build" of one main package inside a wrapper module, timing it; the binary lands in $dir/bin/$name.
build() { # name module-dir package
  local name="$1" src="$2" pkg="$3" start
  if [ -x "$dir/bin/$name" ]; then log "$name: present"; return; fi
  log "$name: building $pkg (cold builds take minutes)..."
  start=$(date +%s)
  # shellcheck disable=SC2086
  (cd "$src" && nice -n "$nice_level" go build $build_flags -trimpath -ldflags=-s -o "$dir/bin/$name.tmp" "$pkg") >&2
  mv "$dir/bin/$name.tmp" "$dir/bin/$name"
  log "$name: built in $(( $(date +%s) - start )) s"
  echo "$name $(( $(date +%s) - start ))" >>"$dir/build-times.txt"
}

# A wrapper module that requires <module>@<version> (and, for k8s.io/kubernetes, pins each staging module it replaces
# with ./staging to the matching v0 release, as its own go.mod cannot be used from the proxy).
wrapper() { # name module version
  local src="$dir/src/$1" module="$2" version="$3"
  if [ -f "$src/.ready-$version" ]; then echo "$src"; return; fi
  log "$1: resolving $module@$version through the Go module proxy..."
  rm -rf "$src" && mkdir -p "$src"
  (
    cd "$src"
    go mod init "remediator.local/$1" >/dev/null 2>&1
    if [ "$module" = k8s.io/kubernetes ]; then
      gomod="$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
      grep -E '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" | awk '{print $1}' | while read -r m; do
        go mod edit -replace "$m=$m@v0.${version#v1.}"
      done
    fi
    go mod edit -require "$module@$version"
  ) >&2
  echo "$src"
}

# go mod tidy needs imports: a tools.go behind a build tag keeps the main packages in the module graph.
tidy() { # src packages...
  local src="$1"; shift
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for p in "$@"; do printf '\t_ "%s"\n' "$p"; done
    printf ')\n'
  } >"$src/tools.go"
  (cd "$src" && go mod tidy) >&2
}

# etcd 3.6 (Debian's 3.4 lacks the RequestWatchProgress storage feature that KWOK's watch-list client needs).
if [ ! -x "$dir/bin/etcd" ]; then
  src="$(wrapper etcd go.etcd.io/etcd/server/v3 "v$etcd_version")"
  [ -f "$src/.ready-v$etcd_version" ] || { tidy "$src" go.etcd.io/etcd/server/v3; touch "$src/.ready-v$etcd_version"; }
  build etcd "$src" go.etcd.io/etcd/server/v3
fi

# kwok: nodes and pods without a kubelet; its module also carries the stage files.
if [ ! -x "$dir/bin/kwok" ] || [ ! -f "$dir/stages/node-fast.yaml" ]; then
  src="$(wrapper kwok sigs.k8s.io/kwok "v$kwok_version")"
  [ -f "$src/.ready-v$kwok_version" ] || { tidy "$src" sigs.k8s.io/kwok/cmd/kwok; touch "$src/.ready-v$kwok_version"; }
  build kwok "$src" sigs.k8s.io/kwok/cmd/kwok
fi

# The Kubernetes control plane: the API server first (the others then reuse most of its build cache).
kube_bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
missing=0
for b in "${kube_bins[@]}"; do [ -x "$dir/bin/$b" ] || missing=1; done
if [ "$missing" = 1 ]; then
  src="$(wrapper kubernetes k8s.io/kubernetes "v$kube_version")"
  if [ ! -f "$src/.ready-v$kube_version" ]; then
    tidy "$src" $(for b in "${kube_bins[@]}"; do echo "k8s.io/kubernetes/cmd/$b"; done)
    touch "$src/.ready-v$kube_version"
  fi
  for b in "${kube_bins[@]}"; do build "$b" "$src" "k8s.io/kubernetes/cmd/$b"; done
fi

# KWOK stages: the stock node/fast and pod/fast stages (plain resource files in the kwok module), and our crash-loop
# stage (the stock pod/chaos marks pods Failed, which a kubelet does not do for a crash-looping container).
kwok_mod="$(cd "$dir/src/kwok" 2>/dev/null && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok 2>/dev/null || true)"
for s in node/fast pod/fast; do
  out="$dir/stages/${s/\//-}.yaml"
  [ -f "$out" ] && continue
  [ -n "$kwok_mod" ] || { log "kwok module source not found for the stages"; exit 1; }
  log "stage $s: from $kwok_mod/kustomize/stage/$s"
  : >"$out.tmp"
  for f in "$kwok_mod/kustomize/stage/$s"/*.yaml; do
    [ "$(basename "$f")" = kustomization.yaml ] && continue
    { echo '---'; cat "$f"; } >>"$out.tmp"
  done
  mv "$out.tmp" "$out"
done
cp "$here/kube/pod-crashloop.yaml" "$dir/stages/pod-crashloop.yaml"

for b in etcd kwok "${kube_bins[@]}"; do [ -x "$dir/bin/$b" ] || { log "missing $dir/bin/$b"; exit 1; }; done
log "binaries in $dir/bin: $(cd "$dir/bin" && echo *)"
[ -f "$dir/build-times.txt" ] && log "cold build times (s): $(tr '\n' ' ' <"$dir/build-times.txt")"
echo "$dir"
