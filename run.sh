#!/usr/bin/env bash
# Set up (first time only) and run the dashboard on the bundled data in data/.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
exec "${VENV:-.venv}/bin/streamlit" run app.py --browser.gatherUsageStats false "$@"
