#!/usr/bin/env bash
# Validates everything under deploy/ without a cluster, a Docker engine or network access beyond Debian's
# package mirror (only when a tool is missing):
#
#   - every kustomize overlay renders; the rendered RBAC grants exactly what the worker's activities use
#     (apps/deployments get,patch; apps/replicasets get,list; pods list,get; pods/log get; events list), in the target
#     namespace only, with no ClusterRole/ClusterRoleBinding; workloads are hardened (non-root, read-only
#     root fs, probes, requests/limits, PDB, ...); prod ships no Secret
#   - negative self-tests: doctored manifests (extra verb `delete`, ClusterRole, ...) MUST be rejected,
#     and mutated alert rules (70 % -> >=, shorter `for`, ...) MUST fail the promtool unit tests, so neither
#     check can silently pass
#   - promtool check rules / test rules / check config; amtool check-config and routing
#   - the Grafana dashboard: valid, every metric it queries served by the worker or receiver (as scraped by
#     DashboardMetricsTest into grafana/metrics-seen.txt) or recorded by the rules; provisioned in compose
#   - Temporal Helm values and docker-compose: versions, PostgreSQL, namespace, search attributes; the
#     namespace/search-attribute script against a stub `temporal` CLI; `docker compose config`
#
# Usage: bash deploy/check.sh   (from any directory; exit status 0 only when every check passed)
# Last line: "deploy-checks: N passed, M failed".
set -euo pipefail

DEPLOY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0

# check NAME COMMAND...: runs the command, one line of result; its output is shown only on failure.
check() {
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    echo "ok   $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    [ -n "$out" ] && printf '%s\n' "$out" | head -40 | sed 's/^/       /'
    failed=$((failed + 1))
  fi
  return 0
}

# ---------------------------------------------------------------------------------------------- tools
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  COMPOSE=(docker-compose)
else
  COMPOSE=(docker-compose)
  missing+=(docker-compose)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (apt-get)"
  if ! { $SUDO env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get update -qq &&
         $SUDO env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a \
           apt-get install -y -qq --no-install-recommends "${missing[@]}"; } </dev/null >"$WORK/apt.log" 2>&1; then
    cat "$WORK/apt.log"
    echo "FAIL apt-get install ${missing[*]}"
    echo "deploy-checks: $passed passed, $((failed + 1)) failed"
    exit 1
  fi
fi
for tool in kubectl python3 promtool amtool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL $tool is not installed"
    echo "deploy-checks: $passed passed, $((failed + 1)) failed"
    exit 1
  fi
done

# Rendered YAML -> stream of JSON documents, offline (no PyYAML, no API server): kubectl's local mode.
to_json() {
  kubectl label --local -f - -o json --overwrite remediator.dev/rendered-for-check=true
}

# ------------------------------------------------------------------------------------------ kubernetes
declare -A TARGET_NS=([dev]=dev [prod]=prod)

render() {
  kubectl kustomize "$DEPLOY/kubernetes/$1" >"$WORK/$2.yaml" && to_json <"$WORK/$2.yaml" >"$WORK/$2.json"
}

check "kustomize renders base" render base base
for overlay in dev prod; do
  check "kustomize renders overlays/$overlay" render "overlays/$overlay" "$overlay"
done

rbac_ok() { # TARGET_NAMESPACE JSON
  python3 "$DEPLOY/scripts/check_manifests.py" rbac --target-namespace "$1" <"$2"
}
workloads_ok() { # JSON [--forbid-secrets]
  local json=$1
  shift
  python3 "$DEPLOY/scripts/check_manifests.py" workloads "$@" <"$json"
}
for overlay in dev prod; do
  check "rbac overlays/$overlay: only the allowed verbs, in namespace ${TARGET_NS[$overlay]} only, no cluster roles" \
    rbac_ok "${TARGET_NS[$overlay]}" "$WORK/$overlay.json"
  if [ "$overlay" = prod ]; then
    check "workloads overlays/$overlay: non-root, read-only rootfs, probes, limits, PDB, no Secrets" \
      workloads_ok "$WORK/$overlay.json" --forbid-secrets
  else
    check "workloads overlays/$overlay: non-root, read-only rootfs, probes, limits, PDB" \
      workloads_ok "$WORK/$overlay.json"
  fi
done

# Rainbow deployments (kubernetes/rainbow/README.md): overlays/prod-versioned without a worker Deployment, plus two
# builds made by rainbow/new-build.sh, is a complete production stack with one worker Deployment per build ID.
rainbow_renders() {
  local b
  kubectl kustomize "$DEPLOY/kubernetes/overlays/prod-versioned" >"$WORK/rainbow.yaml" || return 1
  for b in 1.4.0 1.5.0-rc1; do
    rm -rf "$WORK/rainbow-builds/$b"
    "$DEPLOY/kubernetes/rainbow/new-build.sh" "$b" "$b" "$WORK/rainbow-builds/$b" >/dev/null || return 1
    { echo '---'; kubectl kustomize "$WORK/rainbow-builds/$b"; } >>"$WORK/rainbow.yaml" || return 1
  done
  to_json <"$WORK/rainbow.yaml" >"$WORK/rainbow.json"
}
rainbow_builds_ok() { # one worker Deployment per build, each selecting only its build's pods, named by its label
  python3 "$DEPLOY/scripts/check_manifests.py" rainbow 1.4.0 1.5.0-rc1 <"$WORK/rainbow.json"
}
check "kustomize renders overlays/prod-versioned + two rainbow builds" rainbow_renders
check "rainbow: one worker Deployment per build ID, versioning env from the pod's build label" rainbow_builds_ok
check "rbac overlays/prod-versioned + builds: only the allowed verbs, in namespace prod only, no cluster roles" \
  rbac_ok prod "$WORK/rainbow.json"
check "workloads overlays/prod-versioned + builds: non-root, read-only rootfs, probes, limits, PDB, no Secrets" \
  workloads_ok "$WORK/rainbow.json" --forbid-secrets

# The checker must reject each doctored input, for the reason its `# expect:` line names.
rejects() {
  local mode=$1 fixture=$2 expect out
  expect=$(sed -n 's/^# expect: //p' "$fixture" | head -1)
  [ -n "$expect" ] || { echo "no '# expect:' line in $fixture"; return 1; }
  local extra=()
  if [ "$mode" = rbac ]; then extra=(--target-namespace prod); else extra=(--forbid-secrets); fi
  if out=$( { cat "$WORK/prod.yaml"; echo '---'; cat "$fixture"; } | to_json \
      | python3 "$DEPLOY/scripts/check_manifests.py" "$mode" "${extra[@]}"); then
    echo "the $mode checker ACCEPTED $fixture: it would not catch this drift"
    return 1
  fi
  if ! grep -qF -- "$expect" <<<"$out"; then
    echo "rejected, but not for the expected reason ($expect):"
    echo "$out"
    return 1
  fi
}
for fixture in "$DEPLOY"/kubernetes/tests/rbac/*.yaml; do
  check "self-test: rbac checker rejects tests/rbac/$(basename "$fixture")" rejects rbac "$fixture"
done
for fixture in "$DEPLOY"/kubernetes/tests/workloads/*.yaml; do
  check "self-test: workload checker rejects tests/workloads/$(basename "$fixture")" rejects workloads "$fixture"
done

check "runbook config keys (docker-compose config)" \
  python3 "$DEPLOY/scripts/check_manifests.py" config "$DEPLOY/compose/remediator.yaml"

# ---------------------------------------------------------------------------------------- prometheus
check "promtool check rules prometheus/rules.yaml" promtool check rules "$DEPLOY/prometheus/rules.yaml"
check "promtool test rules prometheus/rules.test.yaml" promtool test rules "$DEPLOY/prometheus/rules.test.yaml"
check "promtool check config prometheus/prometheus.yaml" promtool check config "$DEPLOY/prometheus/prometheus.yaml"

# Mutation self-test: each change below breaks a runbook threshold, a `for` or a self-monitoring rule;
# the unit tests must notice every one of them. A mutation that no longer applies fails the check too.
mutant_caught() {
  local from=$1 to=$2 dir="$WORK/mutant"
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$DEPLOY/prometheus/rules.test.yaml" "$dir/"
  python3 - "$DEPLOY/prometheus/rules.yaml" "$dir/rules.yaml" "$from" "$to" <<'EOF' || return 1
import re, sys
src, dst, a, b = sys.argv[1:5]
text = open(src, encoding="utf-8").read()
pattern = a[3:] if a.startswith("re:") else re.escape(a)
found = len(re.findall(pattern, text))
if found != 1:
    sys.exit("mutation %r applies %d times, not once: update the self-test" % (a, found))
open(dst, "w", encoding="utf-8").write(re.sub(pattern, lambda _: b, text))
EOF
  if promtool test rules "$dir/rules.test.yaml" >"$dir/out" 2>&1; then
    echo "rules.test.yaml still passes with this mutation"
    return 1
  fi
  # It must fail on an assertion, not because the mutant no longer parses.
  if ! grep -q "exp:" "$dir/out" || ! grep -q "got:" "$dir/out"; then
    echo "promtool did not fail on a test assertion:"
    cat "$dir/out"
    return 1
  fi
}
mutant() {
  check "self-test: rule tests catch mutant: $1" mutant_caught "$2" "$3"
}
W=$'\n        labels:\n          severity: warning'
C=$'\n        labels:\n          severity: critical'
mutant "warning fires at exactly 70%"        "> 0.70" ">= 0.70"
mutant "critical fires at exactly 90%"       "> 0.90" ">= 0.90"
mutant "warning for 4m30s instead of 5m"     "> 0.70
        for: 5m$W" "> 0.70
        for: 4m30s$W"
mutant "warning for 5m30s instead of 5m"     "> 0.70
        for: 5m$W" "> 0.70
        for: 5m30s$W"
mutant "critical for 1m30s instead of 2m"    "for: 2m$C" "for: 1m30s$C"
mutant "critical for 2m30s instead of 2m"    "for: 2m$C" "for: 2m30s$C"
# The runbook's formula taken literally (one max() over every server Prometheus scrapes).
mutant "connection limits of another server"  're:max by \(cluster\) \(\n(?:.*\n)*?          \)' \
  'sum(pg_stat_activity_count{datname="authdb"}) / (max(pg_settings_max_connections) - max(pg_settings_superuser_reserved_connections))'
mutant "utilization over every database"     'pg_stat_activity_count{datname="authdb"}' 'pg_stat_activity_count{datname=~".+"}'
mutant "workers absent ignores down targets" 'absent(up{job="remediator-worker"} == 1)' 'absent(up{job="remediator-worker"})'
mutant "approval alert at exactly 10m"       "> 600" ">= 600"
mutant "escalated counted as failed"         'outcome="failed"' 'outcome=~"failed|escalated"'
mutant "4xx counted as receiver errors"      'code=~"5.."' 'code=~"[45].."'
# Service Down runbook.
mutant "ServiceDown when one probe of several fails" "max by (cluster, namespace, service) (probe_success" \
  "min by (cluster, namespace, service) (probe_success"
mutant "ServiceDown for 30s instead of 1m"   "== 0
        for: 1m$C" "== 0
        for: 30s$C"
mutant "ServiceDown for 1m30s instead of 1m" "== 0
        for: 1m$C" "== 0
        for: 1m30s$C"
mutant "ServiceDown on unlabelled probes"    'probe_success{namespace!="", service!=""}' 'probe_success'
mutant "KubePodCrashLooping on any reason"   'reason="CrashLoopBackOff", job=' 'job='
mutant "KubePodCrashLooping for 10m"         'for: 15m
        labels:
          severity: warning
        annotations:
          summary: "Pod is crash looping."' 'for: 10m
        labels:
          severity: warning
        annotations:
          summary: "Pod is crash looping."'
# Database Performance runbook.
mutant "PostgresLockWaits at exactly 30 s"   "(pg_lock_waits_max_wait_seconds) > 30" "(pg_lock_waits_max_wait_seconds) >= 30"
mutant "PostgresLockWaits for 30s"           "remediator:pg_database_target:info
        for: 1m$C" "remediator:pg_database_target:info
        for: 30s$C"
mutant "dbperf alerts for unmapped databases"  'pg_stat_database_numbackends{datname="authdb"}' 'pg_stat_database_numbackends'
mutant "LongRunningTransaction at exactly 5m" ") > 300" ") >= 300"
mutant "LongRunningTransaction counts autovacuum" '{backend_type!~"autovacuum worker|autovacuum launcher|walsender"}' ''
mutant "LongRunningTransaction for 30s"      "remediator:pg_database_target:info
        for: 1m$W" "remediator:pg_database_target:info
        for: 30s$W"
mutant "PostgresDeadlocks on 2"              "[5m])) >= 3" "[5m])) >= 2"
mutant "PostgresDeadlocks over 10m"          "increase(pg_stat_database_deadlocks[5m])" "increase(pg_stat_database_deadlocks[10m])"
mutant "HighRollbackRate at exactly 2%"      ") > 0.02" ") >= 0.02"
mutant "HighRollbackRate traffic floor > 1/s" ") >= 1
          )" ") > 1
          )"
mutant "HighRollbackRate for 4m30s"          "for: 5m
        labels:
          severity: warning
        annotations:
          summary: \"High rollback" "for: 4m30s
        labels:
          severity: warning
        annotations:
          summary: \"High rollback"
mutant "DeadTuplesHigh at exactly 20%"       ") > 0.2
" ") >= 0.2
"
mutant "DeadTuplesHigh floor at 10000"       "(pg_stat_user_tables_n_dead_tup > 10000)" "(pg_stat_user_tables_n_dead_tup >= 10000)"
mutant "DeadTuplesHigh for 14m30s"           "for: 15m$W
        annotations:
          summary: \"Dead" "for: 14m30s$W
        annotations:
          summary: \"Dead"

# ------------------------------------------------------------------------------------------- grafana
dashboard_ok() {
  python3 "$DEPLOY/scripts/check_dashboard.py" "$1" "$DEPLOY/prometheus/rules.yaml" "$DEPLOY/grafana/metrics-seen.txt"
}
check "grafana/remediator.json: valid dashboard; every metric served by worker/receiver or recorded by a rule" \
  dashboard_ok "$DEPLOY/grafana/remediator.json"
# Self-test: a dashboard querying a metric nobody serves, or broken JSON, MUST be rejected.
dashboard_rejects() {
  local doctored="$WORK/doctored-dashboard.json"
  python3 - "$DEPLOY/grafana/remediator.json" "$doctored" "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
if sys.argv[3] == "unknown-metric":
    d["panels"][1]["targets"][0]["expr"] = "sum(remediator_incidents_opened_total)"
    text = json.dumps(d)
else:
    text = json.dumps(d)[:-2]
open(sys.argv[2], "w", encoding="utf-8").write(text)
EOF
  if dashboard_ok "$doctored" >/dev/null; then
    echo "the dashboard checker ACCEPTED a dashboard with: $1"
    return 1
  fi
}
check "self-test: dashboard checker rejects a metric nobody serves" dashboard_rejects unknown-metric
check "self-test: dashboard checker rejects invalid JSON" dashboard_rejects truncated
compose_provisions_grafana() {
  python3 - "$DEPLOY/docker-compose.yaml" <<'EOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
for want in ("image: grafana/grafana", "./grafana/provisioning:/etc/grafana/provisioning:ro",
             "./grafana/remediator.json:/var/lib/grafana/dashboards/remediator.json:ro",
             "image: prom/prometheus", "./prometheus/rules.yaml:/etc/prometheus/rules.yaml:ro"):
    if want not in text:
        sys.exit("docker-compose.yaml lacks: " + want)
EOF
}
check "docker-compose provisions Prometheus (rules) and Grafana (datasource, dashboard)" compose_provisions_grafana

# ------------------------------------------------------------------------------------- alertmanager
AM="$DEPLOY/alertmanager/alertmanager.yaml"
check "amtool check-config alertmanager/alertmanager.yaml" amtool check-config "$AM"
routes_to() {
  local expected=$1
  shift
  amtool config routes test --config.file="$AM" --verify.receivers="$expected" "$@"
}
check "alertmanager routes DatabaseConnectionPoolCritical to remediator and oncall" \
  routes_to remediator,oncall alertname=DatabaseConnectionPoolCritical severity=critical namespace=prod service=auth-service database=authdb
check "alertmanager routes DatabaseConnectionPoolHigh to remediator" \
  routes_to remediator alertname=DatabaseConnectionPoolHigh severity=warning namespace=prod service=auth-service database=authdb
check "alertmanager routes ServiceDown to remediator and oncall" \
  routes_to remediator,oncall alertname=ServiceDown severity=critical cluster=eu-1 namespace=prod service=auth-service
check "alertmanager routes KubePodCrashLooping to remediator" \
  routes_to remediator alertname=KubePodCrashLooping severity=warning namespace=prod pod=auth-service-7d9f8c6b5-x2x4q container=auth-service
check "alertmanager routes PostgresLockWaits to remediator and oncall" \
  routes_to remediator,oncall alertname=PostgresLockWaits severity=critical cluster=eu-1 namespace=prod service=auth-service database=authdb datname=authdb
for alert in PostgresLongRunningTransaction PostgresDeadlocks PostgresHighRollbackRate PostgresDeadTuplesHigh; do
  check "alertmanager routes $alert to remediator" \
    routes_to remediator alertname=$alert severity=warning cluster=eu-1 namespace=prod service=auth-service database=authdb datname=authdb
done
check "alertmanager routes Remediator self-alerts to oncall only" \
  routes_to oncall alertname=RemediatorWorkersAbsent component=remediator severity=critical job=remediator-worker
remediator_webhook_ok() {
  python3 - "$AM" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
# The `remediator` receiver block: from its `- name:` line to the next receiver or top-level key.
m = re.search(r"^  - name: remediator\n((?:    .*\n|\s*\n)+)", text, re.M)
if not m:
    sys.exit("no receiver named remediator")
block = m.group(1)
want = {
    "url": r"url: http://remediator-receiver\.remediator\.svc:8080/webhooks/alertmanager\s*$",
    "send_resolved: true": r"send_resolved: true\s*$",
    "authorization type Bearer": r"authorization:\s*\n\s+type: Bearer\s*$",
    "credentials_file": r"credentials_file: /\S+\s*$",
}
missing = [k for k, rx in want.items() if not re.search(rx, block, re.M)]
if missing:
    sys.exit("receiver remediator lacks: %s" % ", ".join(missing))
EOF
}
check "alertmanager webhook: receiver URL, bearer credentials_file, send_resolved" remediator_webhook_ok

# ------------------------------------------------------------------------------------------ temporal
check "temporal values.yaml and docker-compose.yaml (versions, PostgreSQL, namespace, search attributes)" \
  python3 "$DEPLOY/scripts/check_temporal.py" "$DEPLOY"

# setup-namespace.sh against a stub `temporal` CLI: creates exactly what is missing, nothing else.
setup_script_behaves() {
  local stub="$WORK/stub" log="$WORK/stub.log"
  mkdir -p "$stub"
  cat >"$stub/temporal" <<'EOF'
#!/bin/sh
echo "$*" >>"$STUB_LOG"
case "$1 $2 $3" in
  "operator cluster health") echo SERVING ;;
  "operator namespace describe") [ "$STUB_NAMESPACE_EXISTS" = 1 ] ;;
  "operator namespace create") : ;;
  "operator search-attribute list")
    printf '  Name  Type\n  RemediatorPhaseOld  Keyword\n'
    for a in $STUB_EXISTING; do printf '  %s  Keyword\n' "$a"; done ;;
  "operator search-attribute create") : ;;
  *) echo "unexpected temporal call: $*" >&2; exit 2 ;;
esac
EOF
  chmod +x "$stub/temporal"
  # 1) fresh cluster: namespace and all six attributes created
  : >"$log"
  PATH="$stub:$PATH" STUB_LOG="$log" STUB_NAMESPACE_EXISTS=0 STUB_EXISTING="" RETRY_DELAY=0 \
    sh "$DEPLOY/temporal/setup-namespace.sh" >/dev/null
  grep -qx "operator namespace create --namespace remediator --retention 30d" "$log" || { echo "namespace not created"; cat "$log"; return 1; }
  [ "$(grep -c '^operator search-attribute create .* --type Keyword$' "$log")" = 7 ] || { echo "expected 7 Keyword creations"; cat "$log"; return 1; }
  # 2) re-run on a set-up cluster (one attribute missing): only that one is created, namespace untouched
  : >"$log"
  PATH="$stub:$PATH" STUB_LOG="$log" STUB_NAMESPACE_EXISTS=1 RETRY_DELAY=0 \
    STUB_EXISTING="RemediatorService RemediatorNamespace RemediatorDatabase RemediatorSeverity RemediatorAlertName RemediatorPendingPlan" \
    sh "$DEPLOY/temporal/setup-namespace.sh" >/dev/null
  ! grep -q "namespace create" "$log" || { echo "re-created an existing namespace"; return 1; }
  if [ "$(grep -c '^operator search-attribute create' "$log")" != 1 ] ||
    ! grep -qx "operator search-attribute create --namespace remediator --name RemediatorPhase --type Keyword" "$log"; then
    echo "expected exactly RemediatorPhase to be created"
    cat "$log"
    return 1
  fi
}
check "temporal/setup-namespace.sh creates the namespace and only the missing search attributes" setup_script_behaves

check "docker compose config (deploy/docker-compose.yaml)" \
  "${COMPOSE[@]}" -f "$DEPLOY/docker-compose.yaml" config -q
sample_alert_ok() {
  python3 - "$DEPLOY/compose/sample-alert-critical.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
need = {"alertname", "cluster", "database", "namespace", "service", "severity"}
for a in d["alerts"]:
    missing = need - set(a["labels"])
    if missing:
        sys.exit("alert without labels %s" % sorted(missing))
    if not {"summary", "description", "runbook_url"} <= set(a["annotations"]):
        sys.exit("alert without summary/description/runbook_url")
EOF
}
check "compose/sample-alert-critical.json: webhook payload with the receiver's labels" sample_alert_ok

# ------------------------------------------------------------------------------------------- docker
dockerfile_ok() {
  local f="$DEPLOY/docker/Dockerfile" line
  for line in '^FROM maven:3\.9-eclipse-temurin-17 AS build$' 'mvn -B -DskipTests package' \
      'launcher/target/remediator\.jar' '^FROM eclipse-temurin:17-jre$' '^USER 10001:10001$' \
      '^ENTRYPOINT \["java","-XX:MaxRAMPercentage=75","-jar","/app/remediator\.jar"\]$'; do
    if ! grep -q -- "$line" "$f"; then
      echo "Dockerfile: no line matching $line"
      return 1
    fi
  done
}
check "Dockerfile: maven build stage, eclipse-temurin:17-jre runtime, uid 10001, entrypoint" dockerfile_ok

echo "deploy-checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
