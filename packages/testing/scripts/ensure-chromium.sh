#!/usr/bin/env bash
# Prints the path of a Chromium binary, installing Debian's `chromium` with apt-get when none is found (root only).
# Fails loudly, naming what is missing, otherwise. Used by `HeadlessChromium.launch` (src/HeadlessChromium.ts), which the browser tests call.
set -euo pipefail
find_chromium() {
  for name in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$name" > /dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}
if path=$(find_chromium); then
  echo "$path"
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get > /dev/null 2>&1; then
  echo "chromium: no Chromium binary on PATH and cannot install it (needs root and apt-get): install Debian's 'chromium' package" >&2
  exit 1
fi
echo "chromium: installing Debian's chromium with apt-get ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || { echo "chromium: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends chromium >&2 || { echo "chromium: apt-get install chromium failed" >&2; exit 1; }
if path=$(find_chromium); then
  echo "$path"
else
  echo "chromium: apt-get installed 'chromium' but no binary was found on PATH" >&2
  exit 1
fi
