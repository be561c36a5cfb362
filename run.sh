#!/usr/bin/env bash
# Set up (first time only) and run the dashboard on the bundled data in data/.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"  # fewer glibc arenas: less memory held by a threaded server
exec "${VENV:-.venv}/bin/streamlit" run serve.py --browser.gatherUsageStats false "$@"
