#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite, browser tests included.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/pytest" ] || [ requirements.txt -nt "$VENV/.installed" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt
  touch "$VENV/.installed"
fi
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "Debian's chromium is needed for the browser tests: sudo apt-get install chromium" >&2
    exit 1
  fi
fi
exec "$VENV/bin/python" -m pytest "$@"
