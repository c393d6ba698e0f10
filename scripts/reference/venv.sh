#!/usr/bin/env bash
# Creates (once) a Python virtual environment with FastAPI Users 15.0.5 from PyPI (scripts/reference/requirements.txt)
# and prints the path of its python. It is cached in ~/.cache/effect-users, keyed by the requirements' hash, so a
# fresh clone on the same machine reuses it. REQUIREMENTS names another requirements file (bench/peers/fastapi-users
# adds uvicorn[standard] to these): its own environment, keyed by that file's hash.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements=${REQUIREMENTS:-$here/requirements.txt}
python=${PYTHON:-python3}
command -v "$python" > /dev/null || {
  echo "reference: Python 3 is required to install FastAPI Users (apt-get install python3 python3-venv)" >&2
  exit 1
}
if [ -z "${REQUIREMENTS:-}" ]; then
  key=$(sha256sum "$here/requirements.txt" | cut -c1-12)
else
  key=$(cat "$requirements" "$here/requirements.txt" | sha256sum | cut -c1-12)
fi
venv=${XDG_CACHE_HOME:-$HOME/.cache}/effect-users/reference-venv-$key
mkdir -p "$(dirname "$venv")"
# Test files run in parallel and each may ask for the venv on a fresh machine: one creates it, the others wait.
exec 9> "$venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  echo "reference: installing FastAPI Users 15.0.5 from PyPI into $venv ..." >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" >&2 || {
    echo "reference: pip install failed: FastAPI Users could not be installed from PyPI" >&2
    exit 1
  }
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
