#!/usr/bin/env bash
# Creates (once) a Python virtual environment with FastAPI Users 15.0.5 from PyPI (scripts/reference/requirements.txt)
# and prints the path of its python (scripts/venv.sh caches it). REQUIREMENTS names another requirements file
# (bench/peers/fastapi-users adds uvicorn[standard] to these): its own environment.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${REQUIREMENTS:-}" ]; then
  venv=$(bash "$here/../venv.sh" reference "$here/requirements.txt")
else
  venv=$(bash "$here/../venv.sh" reference "$REQUIREMENTS" "$here/requirements.txt")
fi
echo "$venv/bin/python"
