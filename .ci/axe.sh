#!/usr/bin/env bash
# Install axe-core (the npm package, version pinned in ui/a11y.py AXE_VERSION) into .axe/ (git-ignored) for
# tests/test_accessibility.py. Does nothing when that version is already there, so it works offline after once.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(sed -n 's/^AXE_VERSION = "\([0-9.]*\)".*/\1/p' ui/a11y.py)"
[ -n "$version" ] || { echo "AXE_VERSION not found in ui/a11y.py" >&2; exit 1; }
pkg=.axe/node_modules/axe-core/package.json
if [ -f .axe/node_modules/axe-core/axe.min.js ] && grep -q "\"version\": \"$version\"" "$pkg" 2>/dev/null; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm is needed once to install axe-core $version for the accessibility tests" \
       "(Debian: apt-get install npm; then: npm install --no-save --prefix .axe axe-core@$version)" >&2
  exit 1
fi
npm install --no-save --no-audit --no-fund --loglevel=error --prefix .axe "axe-core@$version" >/dev/null
grep -q "\"version\": \"$version\"" "$pkg" || { echo "axe-core $version did not install into .axe/" >&2; exit 1; }
