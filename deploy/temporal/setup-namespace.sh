#!/bin/sh
# Creates Remediator's Temporal namespace and registers its custom search attributes. Idempotent: safe to
# run on every deploy. Needs the `temporal` CLI (temporalio/admin-tools image) and TEMPORAL_ADDRESS
# (plus TEMPORAL_TLS / TEMPORAL_API_KEY... if your frontend needs them, same as for the CLI).
# Used as is by deploy/docker-compose.yaml; deploy/temporal/values.yaml embeds the same text (check.sh
# fails if the two drift apart).
set -eu
NAMESPACE="${REMEDIATOR_TEMPORAL_NAMESPACE:-remediator}"
RETENTION="${REMEDIATOR_NAMESPACE_RETENTION:-30d}"
# All Keyword. SQL visibility (PostgreSQL) allows 10 custom Keyword attributes per namespace; we use 6.
ATTRIBUTES="RemediatorService RemediatorNamespace RemediatorDatabase RemediatorSeverity RemediatorPhase RemediatorAlertName RemediatorPendingPlan"

retry() {
  n=0
  until "$@"; do
    n=$((n + 1))
    if [ "$n" -ge "${RETRIES:-60}" ]; then
      echo "giving up: $*" >&2
      return 1
    fi
    sleep "${RETRY_DELAY:-5}"
  done
}

echo "waiting for Temporal at ${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
retry temporal operator cluster health >/dev/null

if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE: exists"
else
  retry temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
  echo "namespace $NAMESPACE: created (retention $RETENTION)"
fi

# A fresh namespace takes a moment to reach every frontend: retry the listing too.
existing=$(retry temporal operator search-attribute list --namespace "$NAMESPACE")
for attribute in $ATTRIBUTES; do
  if printf '%s\n' "$existing" | grep -qw -- "$attribute"; then
    echo "search attribute $attribute: exists"
  else
    retry temporal operator search-attribute create --namespace "$NAMESPACE" --name "$attribute" --type Keyword
    echo "search attribute $attribute: created (Keyword)"
  fi
done
echo "Temporal namespace $NAMESPACE is ready for Remediator"
# end of setup-namespace.sh
