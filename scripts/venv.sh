#!/usr/bin/env bash
# Creates (once) a Python virtual environment from PyPI and prints its directory: `bash scripts/venv.sh <name>
# <requirements.txt> [<requirements.txt> ...]` installs the first file (which may `-r` the others) into
# ~/.cache/effect-users/<name>-venv-<hash of every file given>, so a fresh clone on the same machine reuses it and a
# change of any file builds a new one. Test files run in parallel and each may ask for it on a fresh machine: one
# creates it, the others wait (flock). Fails loudly, naming what is missing.
set -euo pipefail
name=$1
shift
python=${PYTHON:-python3}
command -v "$python" > /dev/null || {
  echo "$name: Python 3 is required (apt-get install python3 python3-venv)" >&2
  exit 1
}
key=$(cat "$@" | sha256sum | cut -c1-12)
venv=${XDG_CACHE_HOME:-$HOME/.cache}/effect-users/$name-venv-$key
mkdir -p "$(dirname "$venv")"
exec 9> "$venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  echo "$name: installing $1 from PyPI into $venv ..." >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$1" >&2 || {
    echo "$name: pip install -r $1 failed (PyPI unreachable, or a pinned version missing)" >&2
    exit 1
  }
  touch "$venv/.complete"
fi
echo "$venv"
