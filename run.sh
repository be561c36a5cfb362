#!/usr/bin/env bash
# Set up (first time only) and run the dashboard on the bundled data in data/.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/streamlit" ] || [ requirements.txt -nt "$VENV/.installed" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt
  touch "$VENV/.installed"
fi
exec "$VENV/bin/streamlit" run app.py --browser.gatherUsageStats false "$@"
