#!/usr/bin/env bash
# Creates (once) a Python virtual environment with Schemathesis from PyPI (requirements.txt beside this script) and
# prints the path of its `st` command (scripts/venv.sh caches it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=$(bash "$here/../../venv.sh" schemathesis "$here/requirements.txt")
echo "$venv/bin/st"
