#!/usr/bin/env bash
# Regenerates docs/img/worker-deployment-two-versions.png: the Temporal Web UI's Worker Deployment page with two builds
# of Remediator's deployment, one current and one draining an incident still pinned to it (README, "Changing a runbook
# in production").
#
#   scripts/screenshot-worker-deployment.sh [OUT.png]
#
# What it runs, all in a temporary directory and stopped on exit: `temporal server start-dev` on free ports (gRPC
# $PORT, Web UI $UI_PORT; defaults 17233/18233, so the usual 7233/8233 stay free), two versioned workers of this repo's
# product jar (builds 1.4.0 and 1.5.0 of deployment `remediator`) and the receiver; build 1.4.0 is promoted, an alert
# opens an incident on it, 1.5.0 is promoted, a second alert opens an incident on 1.5.0. The targets' databases do not
# exist: the incidents only need to be open. Then headless Chromium (Debian's /usr/bin/chromium) takes the screenshot.
# REMEDIATOR_JAR=path uses that product jar instead of ./remediator's.
# Needs: the Temporal CLI ($TEMPORAL_CLI or `temporal` on PATH), chromium, Java 17+, Maven (to build the jar once).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$root/docs/img/worker-deployment-two-versions.png}")"
temporal="${TEMPORAL_CLI:-$(command -v temporal || true)}"
[ -x "$temporal" ] || { echo "needs the Temporal CLI (TEMPORAL_CLI=...)" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "needs /usr/bin/chromium (scripts/install-chromium.sh)" >&2; exit 1; }
port="${PORT:-17233}" ui_port="${UI_PORT:-18233}" receiver_port="${RECEIVER_PORT:-18089}"

jar="${REMEDIATOR_JAR:-}" # a product jar to use as is; else ./remediator builds it if missing or stale
if [ -z "$jar" ]; then
  "$root/remediator" --version >/dev/null
  jar="$root/launcher/target/remediator.jar"
fi
dir="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
cd "$dir"
export TEMPORAL_ADDRESS="127.0.0.1:$port"

await() { # await FILE TEXT: until the log has the line (60 s)
  for _ in $(seq 1 120); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done
  echo "no \"$2\" in $1:" >&2; tail -20 "$1" >&2; exit 1
}
alert() { # alert SERVICE DATABASE: one firing DatabaseConnectionPoolCritical for prod/SERVICE/DATABASE
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    "http://127.0.0.1:$receiver_port/webhooks/alertmanager" -d @- <<JSON
{"version":"4","status":"firing","receiver":"remediator","groupLabels":{},"commonLabels":{},"commonAnnotations":{},
 "alerts":[{"status":"firing","labels":{"alertname":"DatabaseConnectionPoolCritical","severity":"critical",
  "namespace":"prod","service":"$1","database":"$2"},"annotations":{"summary":"Connection pool nearly exhausted on $2"},
  "startsAt":"$(date -u +%Y-%m-%dT%H:%M:%SZ)","fingerprint":"$(printf %s "$1" | md5sum | cut -c1-16)"}]}
JSON
}

# A configuration with two targets (the template's and a copy), webhooks without a token (local only).
java -jar "$jar" init remediator.yaml >/dev/null
python3 - <<'EOF'
s = open("remediator.yaml").read().replace("authDisabled: false", "authDisabled: true", 1)
head, targets = s.split("\ntargets:\n", 1)
first = targets.split("\n  - ", 1)[0]
second = first.replace("auth-service", "billing-service").replace("authdb", "billingdb").replace(
    "auth_service", "billing_service").replace("AUTHDB", "BILLINGDB")
open("remediator.yaml", "w").write(head + "\ntargets:\n" + first + "\n" + second + targets[len(first):])
EOF

"$temporal" server start-dev --port "$port" --ui-port "$ui_port" \
  --db-filename "$dir/temporal.db" --log-level warn >server.log 2>&1 &
pids+=($!)
await server.log "Temporal UI"
worker() { # worker BUILD
  java -Xmx256m -jar "$jar" worker -c remediator.yaml --metrics-port 0 --deployment-name remediator \
    --build-id "$1" >"worker-$1.log" 2>&1 &
  pids+=($!)
  await "worker-$1.log" "worker polling task queue"
}
worker 1.4.0
java -jar "$jar" versions promote 1.4.0 --deployment remediator
java -jar "$jar" receiver -c remediator.yaml --host 127.0.0.1 --port "$receiver_port" >receiver.log 2>&1 &
pids+=($!)
await receiver.log "receiver listening on"
alert auth-service authdb
worker 1.5.0
java -jar "$jar" versions promote 1.5.0 --deployment remediator
alert billing-service billingdb
sleep 3
java -jar "$jar" incidents
java -jar "$jar" versions --deployment remediator

# The page is a single-page app: the virtual time budget lets it load and render before the shot.
/usr/bin/chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,900 \
  --virtual-time-budget=15000 --screenshot="$out" \
  "http://127.0.0.1:$ui_port/namespaces/default/worker-deployments/remediator" 2>/dev/null
echo "wrote $out"
