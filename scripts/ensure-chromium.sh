#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium (/usr/bin/chromium) with playwright-core;
# Playwright's own browser downloads cannot work on an offline machine. Installs it when missing
# (as root, with apt-get), or says how.
set -euo pipefail
CHROMIUM="${FERRY_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the console's browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The console's browser tests need Chromium at $CHROMIUM: install it (sudo apt-get install -y chromium)," >&2
echo "or point FERRY_CHROMIUM at a Chromium or Chrome binary." >&2
exit 1
