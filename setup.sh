#!/usr/bin/env bash
# Create the virtualenv and install requirements.txt (again only when requirements.txt changed).
# Used by run.sh and test.sh; VENV chooses the folder (default .venv).
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ] || [ requirements.txt -nt "$VENV/.installed" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt
  touch "$VENV/.installed"
fi
