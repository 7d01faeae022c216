#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium and its WebDriver (the Web UI browser test drives them; nothing
# downloads a browser at run time), unless both are already there. Idempotent. Prints the versions; needs root
# (or sudo) for apt-get.
set -euo pipefail
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    sudo="sudo"
  fi
  echo "installing chromium and chromium-driver with apt-get..." >&2
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends chromium chromium-driver >&2
fi
/usr/bin/chromium --version >&2
/usr/bin/chromedriver --version >&2
