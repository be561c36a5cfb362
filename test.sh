#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite, browser tests included.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "Debian's chromium and fonts are needed for the browser and export tests:" \
         "sudo apt-get install chromium fonts-dejavu-core" >&2
    exit 1
  fi
fi
.ci/axe.sh  # axe-core for tests/test_accessibility.py (once; needs npm the first time)
exec "${VENV:-.venv}/bin/python" -m pytest "$@"
