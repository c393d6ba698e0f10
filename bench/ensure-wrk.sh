#!/usr/bin/env bash
# Prints the path of wrk (the HTTP load generator), installing Debian's `wrk` with apt-get when it is missing and
# we are root; prints nothing (and exits 0) when it cannot be had: bench/run.ts then falls back to autocannon.
set -uo pipefail
if command -v wrk > /dev/null 2>&1; then
  command -v wrk
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get > /dev/null 2>&1; then
  echo "bench: installing Debian's wrk with apt-get ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  if apt-get install -y -qq wrk >&2 || { apt-get update -qq >&2 && apt-get install -y -qq wrk >&2; }; then
    command -v wrk && exit 0
  fi
fi
echo "bench: wrk is not available; falling back to autocannon" >&2
exit 0
