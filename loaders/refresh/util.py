"""Small helpers shared by the refresh modules (no third-party imports, so the app can read a manifest
without loading the HTTP stack)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
