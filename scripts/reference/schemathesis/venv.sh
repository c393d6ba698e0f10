#!/usr/bin/env bash
# Creates (once) a Python virtual environment with Schemathesis from PyPI (requirements.txt beside this script) and
# prints the path of its `st` command. Cached in ~/.cache/effect-users, keyed by the requirements' hash.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-python3}
command -v "$python" > /dev/null || {
  echo "schemathesis: Python 3 is required (apt-get install python3 python3-venv)" >&2
  exit 1
}
key=$(sha256sum "$here/requirements.txt" | cut -c1-12)
venv=${XDG_CACHE_HOME:-$HOME/.cache}/effect-users/schemathesis-venv-$key
mkdir -p "$(dirname "$venv")"
exec 9> "$venv.lock"
flock 9
if [ ! -x "$venv/bin/st" ] || [ ! -f "$venv/.complete" ]; then
  echo "schemathesis: installing from PyPI into $venv ..." >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt" >&2 || {
    echo "schemathesis: pip install failed" >&2
    exit 1
  }
  touch "$venv/.complete"
fi
echo "$venv/bin/st"
